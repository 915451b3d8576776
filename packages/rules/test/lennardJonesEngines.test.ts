/**
 * lennardJones — a rule with two outputs — through both adapters: the gradient of a loss that
 * uses the energy and the forces (a·energy + Σ w·forces), and of one that uses the forces only
 * (force matching), with respect to the positions and to the differentiable options epsilon and
 * sigma, taken with each engine's own API; against the rule's float64 rrule, with the run
 * counters proving the rule ran, and against the engine's own autodiff of the same formula.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { grad, jit, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { Tangent, ZeroTangent, kwcall, rrule, ruleRuns } from '@chainrules/core';
import type { ArrayApi } from '@chainrules/core';
import { jaxApi } from '@chainrules/jax';
import { F64Array, toNumbers, withReferenceAdapter } from '@chainrules/testing';
import { tfjsApi } from '@chainrules/tfjs';
import { lennardJones } from '../src/index';
import { closeness, nativeLennardJones, random } from './engineSupport';
import { useEngines } from './engineSetup';

type V = any;
type Xp = ArrayApi<V, V>;

/** Five atoms near the points of a lattice of spacing 1.2 (no pair close to another). */
const rand = random(11);
const POSITIONS = [
  [0, 0, 0],
  [1.2, 0, 0],
  [0, 1.2, 0],
  [0, 0, 1.2],
  [1.2, 1.2, 0],
].map((row) => row.map((c) => Math.fround(c + 0.2 * (rand() - 0.5))));
const SHAPE = [5, 3];
const EPSILON = Math.fround(0.8);
const SIGMA = Math.fround(1.05);
const A = Math.fround(0.7);
const W = POSITIONS.map((row) => row.map(() => Math.fround(2 * rand() - 1)));

const native = nativeLennardJones;

/** The float64 rrule's gradients of a·energy + Σ w·forces: [positions, epsilon, sigma]. */
function reference(a: number): number[][] {
  return withReferenceAdapter(() => {
    const x = new F64Array(Float64Array.from(POSITIONS.flat()), SHAPE);
    const [, pullback] = rrule(kwcall, { epsilon: EPSILON, sigma: SIGMA }, lennardJones, x)!;
    const w = new F64Array(Float64Array.from(W.flat()), SHAPE);
    const slots = pullback(new Tangent([a === 0 ? ZeroTangent : a, w] as never));
    const dkw = slots[1] as Tangent<{ epsilon: number; sigma: number }>;
    const flat = (t: unknown): number[] => (typeof t === 'number' ? [t] : [...toNumbers(t as F64Array)]);
    return [flat(slots[3]), flat(dkw.get('epsilon')), flat(dkw.get('sigma'))];
  });
}

const expectClose = (got: number[][], want: number[][]): void => {
  expect(got.map((g) => g.length)).toEqual(want.map((g) => g.length));
  got.forEach((g, i) => expect(closeness(g, want[i]!), `slot ${i}`).toMatchObject({ ok: true }));
};

const runs = () => ({ ...ruleRuns(lennardJones)! });

useEngines();

describe.each([
  ['energy and forces', A],
  ['the forces only (force matching)', 0],
] as const)('lennardJones, a loss on %s', (_name, a) => {
  const want = reference(a);

  it('TF.js: tf.grads through the rule (one tape node, two outputs) equals the float64 rule and TF.js’s own autodiff', () => {
    const before = runs();
    const tensors = tf.memory().numTensors;
    const gradients = (viaRule: boolean): number[][] =>
      tf.tidy(() => {
        const w = tf.tensor(W.flat(), SHAPE);
        const loss = (x: tf.Tensor, epsilon: tf.Tensor, sigma: tf.Tensor): tf.Scalar => {
          const [energy, forces] = (viaRule ? lennardJones(x, { epsilon, sigma }) : native(tfjsApi as Xp, x, epsilon, sigma)) as [tf.Tensor, tf.Tensor];
          const fromForces = tf.sum(tf.mul(w, forces));
          return (a === 0 ? fromForces : tf.add(tf.mul(a, energy), fromForces)) as tf.Scalar;
        };
        const gs = tf.grads(loss as (...xs: tf.Tensor[]) => tf.Scalar)([tf.tensor(POSITIONS.flat(), SHAPE), tf.scalar(EPSILON), tf.scalar(SIGMA)]);
        return gs.map((g) => Array.from(g.dataSync()));
      });
    const viaRule = gradients(true);
    const after = runs();
    expect(after.rrule - before.rrule).toBe(1);
    expect(after.pullback - before.pullback).toBe(1);
    expectClose(viaRule, want);
    const own = gradients(false);
    expect(runs()).toEqual(after);
    expectClose(viaRule, own);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it.each([
    ['grad', false],
    ['jit(grad)', true],
  ] as const)('jax-js: %s through the rule (its frule, transposed) equals the float64 rule and jax-js’s own grad', (_how, jitted) => {
    const gradients = (viaRule: boolean): number[][] => {
      const w = np.array(Float32Array.from(W.flat()), { shape: SHAPE });
      const loss = (x: JaxArray, o: { epsilon: JaxArray; sigma: JaxArray }): JaxArray => {
        const [energy, forces] = (viaRule ? lennardJones(x, o) : native(jaxApi as Xp, x, o.epsilon, o.sigma)) as [JaxArray, JaxArray];
        const fromForces = np.sum(np.multiply(w.ref, forces));
        if (a === 0) {
          energy.dispose();
          return fromForces;
        }
        return np.add(np.multiply(a, energy), fromForces);
      };
      const g = grad(loss, { argnums: [0, 1] });
      const run = jitted ? jit(g) : g;
      const [gx, go] = run(np.array(Float32Array.from(POSITIONS.flat()), { shape: SHAPE }), { epsilon: np.array(EPSILON), sigma: np.array(SIGMA) }) as unknown as [JaxArray, { epsilon: JaxArray; sigma: JaxArray }];
      w.dispose();
      if (jitted) (run as unknown as { dispose(): void }).dispose?.();
      return [gx, go.epsilon, go.sigma].map((t) => Array.from(t.dataSync() as ArrayLike<number>));
    };
    const before = runs();
    const viaRule = gradients(true);
    expect(runs().frule - before.frule).toBeGreaterThanOrEqual(1);
    expectClose(viaRule, want);
    const own = gradients(false);
    expectClose(viaRule, own);
  });
});
