/**
 * Every rule through the TF.js and jax-js adapters: the gradient of Σ w·f(x, opts) with respect
 * to x and to each differentiable option, taken with the engine's own API, against the rule's
 * float64 rrule (@chainrules/testing), with call counters proving the rule ran, and against the
 * engine's own autodiff of the same formula written with engine operations.
 */
import { describe, expect, inject, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { grad, jvp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { ruleRuns } from '@chainrules/core';
import type { RuleRuns } from '@chainrules/core';
import { tfjsApi } from '@chainrules/tfjs';
import { held } from '../../../tools/backends/jaxAccounting';
import { CASES, caseData, callRule, closeness, fill, jaxNative, random, referenceGradients, referenceJvp } from './engineSupport';
import type { CaseData, EngineCase, Xp } from './engineSupport';
import { useEngines } from './engineSetup';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The backend a project runs the engines on (vitest.config.ts, vitest.browser.config.ts): both engines' backend of that name. */
    backend: string;
  }
}

/** TF.js's backend and jax-js's device: cpu and wasm in Node, unless a project names one backend for both (wasm; in Chromium webgl, webgpu, wasm). */
const TFJS_BACKEND = inject('backend') ?? 'cpu';
const JAX_DEVICE = inject('backend') ?? 'wasm';

useEngines(TFJS_BACKEND, JAX_DEVICE);

const delta = (f: unknown, before: RuleRuns): RuleRuns => {
  const now = ruleRuns(f)!;
  return { rrule: now.rrule - before.rrule, pullback: now.pullback - before.pullback, frule: now.frule - before.frule };
};

/** One path's gradients, flat, with the shapes the engine gave them. */
interface Grads {
  readonly values: number[][];
  readonly shapes: number[][];
}

function expectGradients(got: Grads, want: number[][], c: EngineCase): void {
  expect(got.shapes).toEqual([c.x.shape, ...Object.values(c.diff).map((f) => f.shape)]);
  expect(got.values).toHaveLength(want.length);
  got.values.forEach((g, i) => expect(closeness(g, want[i]!), `slot ${i}`).toMatchObject({ ok: true }));
}

// ---------------------------------------------------------------------------------------------
// TF.js: tf.grads with x and every option as inputs.

function tfGradients(c: EngineCase, d: CaseData, viaRule: boolean): Grads {
  const names = Object.keys(c.diff);
  let out: Grads = { values: [], shapes: [] };
  tf.tidy(() => {
    const w = tf.tensor(d.w, [...c.outShape]);
    const inputs = [tf.tensor(d.x, [...c.x.shape]), ...names.map((k) => tf.tensor(d.o[k]!, [...c.diff[k]!.shape]))];
    const loss = (...t: tf.Tensor[]): tf.Scalar => {
      const o = Object.fromEntries(names.map((k, i) => [k, t[i + 1]]));
      const y = viaRule ? callRule(c, t[0], o) : c.native(tfjsApi as Xp, t[0], o);
      return tf.sum(tf.mul(w, y as tf.Tensor));
    };
    const gs = tf.grads(loss)(inputs);
    out = { values: gs.map((g) => Array.from(g.dataSync())), shapes: gs.map((g) => [...g.shape]) };
  });
  return out;
}

describe(`TF.js (${TFJS_BACKEND}): tf.grads through the rules`, () => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const d = caseData(c, 100 + i);
    const want = referenceGradients(c, d);
    const tensors = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();

    const before = ruleRuns(c.f)!;
    const viaRule = tfGradients(c, d, true);
    const ran = delta(c.f, before);
    expect(ran.rrule).toBeGreaterThanOrEqual(1);
    expect(ran.pullback).toBeGreaterThanOrEqual(1);
    expectGradients(viaRule, want, c);

    const beforeNative = ruleRuns(c.f)!;
    const native = tfGradients(c, d, false);
    expect(delta(c.f, beforeNative)).toEqual({ rrule: 0, pullback: 0, frule: 0 });
    expectGradients(native, want, c);
    native.values.forEach((g, k) => expect(closeness(viaRule.values[k]!, g).ok).toBe(true));

    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds(), "the backend's data buffers").toBe(dataIds);
  });
});

// ---------------------------------------------------------------------------------------------
// jax-js: grad with x and the options' tree { pos, sigma, … } (static options closed over).

const jarr = (values: readonly number[], shape: readonly number[]): JaxArray => np.array(Float32Array.from(values), { shape: [...shape] });
const read = (a: JaxArray): number[] => Array.from(a.dataSync() as ArrayLike<number>);

function jaxGradients(c: EngineCase, d: CaseData, viaRule: boolean): Grads {
  const names = Object.keys(c.diff);
  const w = jarr(d.w, c.outShape);
  const f = (x: JaxArray, o: Record<string, JaxArray>): JaxArray => np.sum(np.multiply(w.ref, viaRule ? callRule(c, x, o) : jaxNative(c.native, x, o)));
  const x = jarr(d.x, c.x.shape);
  let gs: JaxArray[];
  if (names.length === 0) {
    gs = [grad((xx: JaxArray) => f(xx, {}))(x)];
  } else {
    const tree = Object.fromEntries(names.map((k) => [k, jarr(d.o[k]!, c.diff[k]!.shape)]));
    const [gx, go] = grad(f, { argnums: [0, 1] })(x, tree) as unknown as [JaxArray, Record<string, JaxArray>];
    expect(Object.keys(go).sort()).toEqual([...names].sort());
    gs = [gx, ...names.map((k) => go[k]!)];
  }
  w.dispose();
  const shapes = gs.map((g) => [...g.shape]);
  return { values: gs.map(read), shapes };
}

describe(`jax-js (${JAX_DEVICE}): grad through the rules (frule, transposed)`, () => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const d = caseData(c, 100 + i);
    const want = referenceGradients(c, d);
    const textures = held('webgl');

    const before = ruleRuns(c.f)!;
    const viaRule = jaxGradients(c, d, true);
    // On webgl one texture per buffer counts jax-js's live arrays exactly (elsewhere the jax
    // package's soak tests check each device's holding over many gradients). Read before the
    // native path: its helper's number operands are not the rule's.
    if (JAX_DEVICE === 'webgl') expect(held('webgl'), 'jax-js webgl textures alive after the gradients through the rule').toBe(textures);
    expect(delta(c.f, before).frule).toBeGreaterThanOrEqual(1);
    expectGradients(viaRule, want, c);

    const beforeNative = ruleRuns(c.f)!;
    const native = jaxGradients(c, d, false);
    expect(delta(c.f, beforeNative)).toEqual({ rrule: 0, pullback: 0, frule: 0 });
    expectGradients(native, want, c);
    native.values.forEach((g, k) => expect(closeness(viaRule.values[k]!, g).ok).toBe(true));
  });
});

describe(`jax-js (${JAX_DEVICE}): jvp through the frule, against the float64 frule`, () => {
  const picked = CASES.filter((c) => c.name.startsWith('gaussian, pos [3]') || c.name.startsWith('softmax, axis -1') || c.name.startsWith('layerNorm'));
  it.each(picked.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(picked).toHaveLength(3);
    const d = caseData(c, 7);
    const rand = random(8);
    const t = { x: fill(rand, { ...c.x, lo: -1, hi: 1 }), o: Object.fromEntries(Object.entries(c.diff).map(([k, f]) => [k, fill(rand, { ...f, lo: -1, hi: 1 })])) };
    const [yRef, dyRef] = referenceJvp(c, d, t);
    const names = Object.keys(c.diff);
    const tree = (src: Record<string, number[]>) => Object.fromEntries(names.map((k) => [k, jarr(src[k]!, c.diff[k]!.shape)]));

    const before = ruleRuns(c.f)!;
    const [y, dy] = jvp((x: JaxArray, o: Record<string, JaxArray>) => callRule(c, x, o) as JaxArray, [jarr(d.x, c.x.shape), tree(d.o)], [jarr(t.x, c.x.shape), tree(t.o)]) as [JaxArray, JaxArray];
    expect(delta(c.f, before).frule).toBeGreaterThanOrEqual(1);
    expect([...y.shape]).toEqual(c.outShape);
    expect([...dy.shape]).toEqual(c.outShape);
    expect(closeness(read(y), yRef)).toMatchObject({ ok: true });
    expect(closeness(read(dy), dyRef)).toMatchObject({ ok: true });
  });
});

describe('the comparison can fail', () => {
  it('rejects a gradient off by 1e-3 relative and one of the wrong length', () => {
    const want = [1, -2, 0.5];
    expect(closeness(want.map((g) => g * (1 + 1e-3)), want).ok).toBe(false);
    expect(closeness([1, -2], want).ok).toBe(false);
    expect(closeness([1, Number.NaN, 0.5], want).ok).toBe(false);
    expect(closeness(want.map((g) => g * (1 + 1e-6)), want).ok).toBe(true);
  });
});
