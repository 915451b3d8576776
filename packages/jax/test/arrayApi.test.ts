import { describeArrayApiConformance } from '@chainrules/testing/conformance';
import { jaxApi } from '../src/index';
import { limitsOf } from './backends/limits';
import { BACKEND } from './support/backend';
import { ready$ } from './support/rules';

const { cannot, rtol, atol } = limitsOf(BACKEND).arrayApi;
describeArrayApiConformance(`jax (${BACKEND})`, jaxApi, {
  read: (x) => ({ shape: x.shape, data: Array.from(x.ref.dataSync(), Number) }),
  rtol,
  atol,
  cannot: cannot.map((c) => c.key),
  setup: async () => {
    await ready$();
  },
});
