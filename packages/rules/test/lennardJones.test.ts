import { describe, expect, it } from 'vitest';
import { Tangent, ZeroTangent, isRuleError, isZero, kwcall, rrule } from '@chainrules/core';
import { f64, withReferenceAdapter } from '@chainrules/testing';
import { lennardJones } from '../src/index';
import { checkRule, expectClose, values } from './support';

/** The energy and forces by the textbook loop over pairs, in float64. */
function reference(x: number[][], epsilon = 1, sigma = 1, cutoff = Infinity): { energy: number; forces: number[][] } {
  let energy = 0;
  const forces = x.map((row) => row.map(() => 0));
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const r = x[i]!.map((xi, k) => xi - x[j]![k]!);
      const d2 = r.reduce((s, v) => s + v * v, 0);
      if (d2 >= cutoff * cutoff) continue;
      const s6 = (sigma * sigma / d2) ** 3;
      energy += 4 * epsilon * (s6 * s6 - s6);
      const g = (24 * epsilon * (2 * s6 * s6 - s6)) / d2;
      r.forEach((v, k) => {
        forces[i]![k]! += g * v;
        forces[j]![k]! -= g * v;
      });
    }
  }
  return { energy, forces };
}

const atoms = [
  [0, 0, 0],
  [1.1, 0.1, -0.2],
  [0.3, 1.2, 0.4],
  [-0.9, 0.5, 1.0],
];

describe('lennardJones', () => {
  it('computes the energy and the forces of the textbook pair loop', () => {
    withReferenceAdapter(() => {
      const [energy, forces] = lennardJones(f64(atoms), { epsilon: 0.7, sigma: 0.95 });
      const want = reference(atoms, 0.7, 0.95);
      expectClose(energy, [want.energy]);
      expectClose(forces, want.forces.flat());
      const [e2, f2] = lennardJones(f64(atoms), { epsilon: 0.7, sigma: 0.95, cutoff: 1.4 });
      const cut = reference(atoms, 0.7, 0.95, 1.4);
      expect(cut.energy).not.toBeCloseTo(want.energy, 3); // the cutoff removes pairs here
      expectClose(e2, [cut.energy]);
      expectClose(f2, cut.forces.flat());
    });
  });

  it('is at its minimum −ε at 2^(1/6)·σ, with no force (the TSDoc example)', () => {
    withReferenceAdapter(() => {
      const [energy, forces] = lennardJones(f64([[0, 0], [2 ** (1 / 6), 0]]), { epsilon: 0.5 });
      expectClose(energy, [-0.5]);
      expect(values(forces).every((v) => Math.abs(v) < 1e-12)).toBe(true);
    });
  });

  it('passes testRrule and testFrule in float64: positions, epsilon and sigma, both outputs', () => {
    expect(checkRule(lennardJones, [f64(atoms)], { kwargs: { epsilon: 0.7, sigma: 0.95 } })).toEqual([
      'cotangent args[0]',
      'cotangent kwargs.epsilon',
      'cotangent kwargs.sigma',
    ]);
    checkRule(lennardJones, [f64(atoms)], { kwargs: { epsilon: 1.3, sigma: 1.05, cutoff: 1.4 } });
    checkRule(lennardJones, [f64(atoms)]);
    // Two dimensions, five atoms, options as 0-d arrays.
    const plane = [[0, 0], [1.2, 0.3], [0.1, 1.1], [1.3, 1.4], [-1, 0.6]];
    checkRule(lennardJones, [f64(plane)], { kwargs: { epsilon: f64(0.4), sigma: f64(1.1) } });
  });

  it('gives the cotangent of one output alone: a zero cotangent of the other skips its work', () => {
    withReferenceAdapter(() => {
      const x = f64(atoms);
      const [, pullback] = rrule(kwcall, { epsilon: 0.7, sigma: 0.95 }, lennardJones, x)!;
      const fBar = f64(atoms.map((row) => row.map((_, k) => (k === 0 ? 1 : 0.5))));
      const both = pullback(new Tangent([1, fBar] as never));
      const energyOnly = pullback(new Tangent([1, ZeroTangent] as never));
      const forcesOnly = pullback(new Tangent([ZeroTangent, fBar] as never));
      // Linear in the output cotangent: the two halves add up to the whole.
      const sum = values(energyOnly[3]).map((v, i) => v + values(forcesOnly[3])[i]!);
      expectClose(both[3], sum, 1e-12);
      // The energy's gradient is minus the forces.
      const want = reference(atoms, 0.7, 0.95);
      expectClose(energyOnly[3], want.forces.flat().map((v) => -v));
      // A zero of the whole output gives zeros.
      const zero = pullback(ZeroTangent)[3];
      expect(isZero(zero) || values(zero).every((v) => v === 0)).toBe(true);
    });
  });

  it('refuses an output cotangent that is not a Tangent of the two, and options that are not scalars', () => {
    withReferenceAdapter(() => {
      const [, pullback] = rrule(kwcall, {}, lennardJones, f64(atoms))!;
      expect(() => pullback(1)).toThrow(expect.objectContaining({ code: 'tangent-mismatch', rule: 'lennardJones', slot: 'output' }));
      const wrongSigma = () => lennardJones(f64(atoms), { sigma: f64([1, 1]) });
      expect(wrongSigma).toThrow(expect.objectContaining({ code: 'wrong-shape', slot: 'kwargs.sigma' }));
      const flat = () => lennardJones(f64([0, 1, 2]));
      expect(flat).toThrow(expect.objectContaining({ code: 'wrong-shape', slot: 'args[0]' }));
      const negative = () => lennardJones(f64(atoms), { cutoff: -1 });
      expect(negative).toThrow(expect.objectContaining({ code: 'invalid-option' }));
      try {
        negative();
      } catch (error) {
        expect(isRuleError(error)).toBe(true);
      }
    });
  });
});
