// A rule checked through jax-js with the adapter's published engine (ESM): its gradient and its jvp.
import { jaxAdapter } from '@chainrules/jax';
import { jaxEngine } from '@chainrules/jax/testing';
import { f64, testFrule, testRrule } from '@chainrules/testing';
import { foo } from '@chainrules/testing/fixtures';

await jaxEngine.setup();
const reverse = testRrule(foo, [f64([1, 2]), 3], { kwargs: { c: 4 }, engine: jaxEngine });
const forward = testFrule(foo, [f64([1, 2]), 3], { kwargs: { c: 4 }, engine: jaxEngine });
console.log(jaxEngine.adapter === jaxAdapter, reverse.checks.includes('cotangent kwargs.c'), forward.checks.includes('tangent kwargs.c'));
