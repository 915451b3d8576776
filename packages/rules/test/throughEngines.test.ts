/**
 * The rules checked through the real engines with @chainrules/testing's `engine` option: the
 * engine's float32 gradient (and, for jax-js, its jvp) with respect to every differentiable
 * positional and option leaf, against float64 finite differences of the plain function, with
 * core's run counters proving the engine ran the rule.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs';
import { namespaceOf } from '@chainrules/core';
import { f64, testFrule, testRrule } from '@chainrules/testing';
import type { ConformanceEngine } from '@chainrules/testing';
import { tfjsEngine } from '@chainrules/tfjs/testing';
import { jaxEngine } from '@chainrules/jax/testing';
import { selectJaxDevice } from '../../../tools/backends/jax';
import { selectTfjsBackend } from '../../../tools/backends/tfjs';
import { fixedPoint, huber, lennardJones } from '../src/index';

beforeAll(async () => {
  await selectTfjsBackend('cpu');
  await selectJaxDevice('wasm');
});

const atoms = f64([
  [0, 0, 0],
  [1.1, 0.1, -0.2],
  [0.3, 1.2, 0.4],
]);

/** A strong contraction, g(x, p) = cos(p·x)/4 + p, written with the values' namespace so that it runs in float64 and on both engines. */
const contraction = (x: any, p: any): any => {
  const xp = namespaceOf(x, p);
  return xp.add(xp.multiply(0.25, xp.cos(xp.multiply(p, x))), p);
};

/** The cases through one engine; `forward`: it has a jvp, so the frules are checked too. */
function throughEngine<A>(name: string, engine: ConformanceEngine<A>, forward: boolean): void {
  describe(`the rules through ${name}`, () => {
    it('huber on both sides of delta, delta a differentiable option', () => {
      const report = testRrule(huber, [f64([-2.5, -0.3, 0.4, 1.7])], { kwargs: { delta: 1.2 }, engine });
      expect(report.checks).toEqual(expect.arrayContaining(['cotangent args[0]', 'cotangent kwargs.delta']));
      if (forward) testFrule(huber, [f64([-2.5, -0.3, 0.4, 1.7])], { kwargs: { delta: 1.2 }, engine });
    });

    it('lennardJones: positions, epsilon and sigma, through both outputs (energy and forces)', () => {
      const report = testRrule(lennardJones, [atoms], { kwargs: { epsilon: 0.7, sigma: 0.95 }, engine });
      expect(report.checks).toEqual(expect.arrayContaining(['cotangent args[0]', 'cotangent kwargs.epsilon', 'cotangent kwargs.sigma']));
      if (forward) testFrule(lennardJones, [atoms], { kwargs: { epsilon: 0.7, sigma: 0.95 }, engine });
    });

    it('fixedPoint: the implicit rule’s cotangent of params (the engine differentiating g inside the rule)', () => {
      // x0 is marked non-differentiable (the fixed point does not depend on it): a constant array of the engine.
      const options = { kwargs: { params: f64([0.3, -0.2, 0.5]), tol: 1e-6 }, nonDifferentiable: [1], engine };
      const report = testRrule(fixedPoint, [contraction, f64([0, 0, 0])], options);
      expect(report.checks).toEqual(expect.arrayContaining(['cotangent kwargs.params']));
      if (forward) testFrule(fixedPoint, [contraction, f64([0, 0, 0])], options);
    });

    it('fixedPoint with params a record { a, p } (a kw.tree() option): each leaf’s cotangent', () => {
      const byRecord = (x: any, { a, p }: { a: any; p: any }): any => {
        const xp = namespaceOf(x, a, p);
        return xp.add(xp.multiply(0.25, xp.cos(xp.multiply(a, x))), p);
      };
      const options = { kwargs: { params: { a: f64([0.9, 1.1, 0.7]), p: f64([0.3, -0.2, 0.5]) }, tol: 1e-6 }, nonDifferentiable: [1], engine };
      const report = testRrule(fixedPoint, [byRecord, f64([0, 0, 0])], options);
      expect(report.checks).toEqual(expect.arrayContaining(['cotangent kwargs.params.a', 'cotangent kwargs.params.p']));
      if (forward) testFrule(fixedPoint, [byRecord, f64([0, 0, 0])], options);
    });
  });
}

throughEngine('TF.js', tfjsEngine, false);
throughEngine('jax-js', jaxEngine, true);
