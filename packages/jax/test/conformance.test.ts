import { describeAdapterConformance } from '@chainrules/testing/conformance';
import { jaxEngine } from '../src/testing';
import { limitsOf } from './backends/limits';
import { BACKEND } from './support/backend';

// The published engine (its setup: `init('wasm')`; the browser projects select their device
// first). No `around` leak check: jax-js has no live-buffer counter, and the suite
// writes its losses with the adapter's `xp`, which borrows, so the rule's output it sums is
// never disposed (on webgl: 5 textures a gradient). test/memory.test.ts (Node) and
// test/backends/soak.test.ts (Chromium, with each device's own accounting) measure leaks over
// many gradients instead.
// jax-js lacks nothing the suite asks for: forward mode (jvp), reverse mode by transposing the
// frule, and higher orders by nesting JVP traces, so `cannot` is empty.
const { cannot, rtol, atol } = limitsOf(BACKEND).conformance;
describeAdapterConformance(jaxEngine, { cannot: cannot.map((c) => c.key), rtol, atol });
