import * as tf from '@tensorflow/tfjs';
import { installAdapter } from '@chainrules/core';
import { gaussian } from '@chainrules/rules';
import { tfjsAdapter } from '@chainrules/tfjs';
import type { Engine } from './fit';

type Model = (amplitude: tf.Tensor, pos: tf.Tensor, sigma: tf.Tensor) => tf.Tensor;

/** TF.js (CPU backend): the gradient of the loss by `tf.valueAndGrads`. */
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
          loss = out.value.dataSync()[0]!;
          grads = out.grads.map((g) => g.dataSync()[0]!);
        });
        return { loss, grads: { amplitude: grads[0]!, pos: grads[1]!, sigma: grads[2]! } };
      },
      dispose: () => tf.dispose([x, y]),
    };
  },
};
