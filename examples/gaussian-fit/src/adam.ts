import type { GaussianParams } from './data';

type Keys = keyof GaussianParams;
const keys: readonly Keys[] = ['amplitude', 'pos', 'sigma'];

/**
 * Adam on the three parameters, in plain numbers: both engines hand it their gradients, so
 * the two fits take the same steps and differ only in how the gradient is computed.
 */
export function adam(learningRate = 0.05, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8) {
  const m: Record<Keys, number> = { amplitude: 0, pos: 0, sigma: 0 };
  const v: Record<Keys, number> = { amplitude: 0, pos: 0, sigma: 0 };
  let t = 0;
  return (params: GaussianParams, grads: GaussianParams): GaussianParams => {
    t++;
    const next = { ...params };
    for (const key of keys) {
      m[key] = beta1 * m[key] + (1 - beta1) * grads[key];
      v[key] = beta2 * v[key] + (1 - beta2) * grads[key] ** 2;
      const mHat = m[key] / (1 - beta1 ** t);
      const vHat = v[key] / (1 - beta2 ** t);
      next[key] = params[key] - (learningRate * mHat) / (Math.sqrt(vHat) + epsilon);
    }
    return next;
  };
}
