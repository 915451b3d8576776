import * as tf from '@tensorflow/tfjs';
import { installAdapter } from '@chainrules/core';
import { gaussian } from '@chainrules/rules';
import { tfjsAdapter } from '@chainrules/tfjs';
import type { Engine } from './fit';

/** TF.js's backends the demo can run on in Node: its pure-JS CPU backend, and WebAssembly (faster; the `.wasm` ships in `@tensorflow/tfjs-backend-wasm`). */
export const NODE_BACKENDS = ['cpu', 'wasm'] as const;

/** Makes `backend` TF.js's backend (registering wasm first when asked for it) and says which one runs. */
export async function useTfjsBackend(backend: string): Promise<string> {
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js cannot run on the ${backend} backend here`);
  await tf.ready();
  return tf.getBackend();
}

type Model = (amplitude: tf.Tensor, pos: tf.Tensor, sigma: tf.Tensor) => tf.Tensor;

/**
 * TF.js on the backend it runs on (`tf.getBackend()`: cpu unless one was chosen, see
 * `useTfjsBackend`): the gradient of the loss by `tf.valueAndGrads`.
 */
export const tfjsEngine: Engine = {
  name: 'TF.js',
  prepare(data, use) {
    installAdapter(tfjsAdapter);
    const x = tf.tensor1d([...data.x]);
    const y = tf.tensor1d([...data.y]);
    const model: Model =
      use === 'rule'
        ? (amplitude, pos, sigma) => gaussian(x, { amplitude, pos, sigma }) as tf.Tensor
        : (amplitude, pos, sigma) => tf.mul(amplitude, tf.exp(tf.div(tf.neg(tf.square(tf.sub(x, pos))), tf.mul(2, tf.square(sigma)))));
    const valueAndGrads = tf.valueAndGrads((amplitude: tf.Tensor, pos: tf.Tensor, sigma: tf.Tensor) => tf.mean(tf.square(tf.sub(model(amplitude, pos, sigma), y))));
    return {
      lossAndGrad: (params) => {
        let loss = NaN;
        let grads = [NaN, NaN, NaN];
        tf.tidy(() => {
          const out = valueAndGrads([tf.scalar(params.amplitude), tf.scalar(params.pos), tf.scalar(params.sigma)]);
          // One read for the four numbers: on a GPU backend each read waits for the device.
          [loss = NaN, ...grads] = Array.from(tf.stack([out.value, ...out.grads]).dataSync());
        });
        return { loss, grads: { amplitude: grads[0]!, pos: grads[1]!, sigma: grads[2]! } };
      },
      dispose: () => tf.dispose([x, y]),
    };
  },
};
