import { defaultDevice, init, numpy as np, valueAndGrad } from '@jax-js/jax';
import type { Device, Array as JaxArray } from '@jax-js/jax';
import { installAdapter } from '@chainrules/core';
import { jaxAdapter } from '@chainrules/jax';
import { gaussian } from '@chainrules/rules';
import type { Engine } from './fit';

interface Params {
  amplitude: JaxArray;
  pos: JaxArray;
  sigma: JaxArray;
}

/**
 * jax-js (on the device `init` chose: wasm unless told otherwise): the gradient of the loss by `valueAndGrad` of the parameters as one
 * tree argument — the rule's options tangent comes back in the same `{ amplitude, pos, sigma }`
 * shape. jax-js functions consume their arguments, and so do rule-aware functions called from
 * jax-js code; `.ref` keeps the data alive for the next step.
 */
export const jaxEngine: Engine & { init(device?: Device): Promise<void> } = {
  name: 'jax-js',
  async init(device = 'wasm') {
    const devices = await init(device);
    if (!devices.includes(device)) throw new Error(`jax-js cannot run on the ${device} device here`);
    defaultDevice(device);
    installAdapter(jaxAdapter); // idempotent: a second init installs nothing more
  },
  prepare(data, use) {
    const x = np.array([...data.x]);
    const y = np.array([...data.y]);
    const model =
      use === 'rule'
        ? (p: Params): JaxArray => gaussian(x.ref, p) // consumes x's extra reference and the parameters, as jax-js functions do
        : (p: Params): JaxArray => np.multiply(p.amplitude, np.exp(np.divide(np.negative(np.square(np.subtract(x.ref, p.pos))), np.multiply(2, np.square(p.sigma)))));
    const lossAndGrad = valueAndGrad((p: Params) => np.mean(np.square(np.subtract(model(p), y.ref))));
    return {
      lossAndGrad: (params) => {
        const [loss, grads] = lossAndGrad({ amplitude: np.array(params.amplitude), pos: np.array(params.pos), sigma: np.array(params.sigma) });
        // One read for the four numbers (consuming them): on a GPU device each read waits for it.
        const [value, amplitude, pos, sigma] = np.stack([loss, grads.amplitude, grads.pos, grads.sigma]).js() as number[];
        return { loss: value!, grads: { amplitude: amplitude!, pos: pos!, sigma: sigma! } };
      },
      dispose: () => {
        x.dispose();
        y.dispose();
      },
    };
  },
};
