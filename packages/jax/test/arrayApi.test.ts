import { describeArrayApiConformance } from '@chainrules/testing/conformance';
import { jaxApi } from '../src/index';
import { ready$ } from './support/rules';

describeArrayApiConformance('jax', jaxApi, {
  read: (x) => ({ shape: x.shape, data: Array.from(x.ref.dataSync(), Number) }),
  rtol: 1e-5,
  atol: 1e-5,
  setup: async () => {
    await ready$();
  },
});
