import * as z from 'zod/mini';
import { RuleError, Tangent, add, defineRule, isTangent, isZero, kw, namespaceOf, scale, unthunk } from '@chainrules/core';
import type { Differentiable, Widen } from '@chainrules/core';
import { shapeOf } from './shapes';
import type { Xp } from './shapes';

/**
 * Options of {@link lennardJones}. `epsilon` and `sigma` are differentiable (a number or a 0-d
 * array of the positions' type); `cutoff` is static.
 *
 * @example
 * ```ts
 * const opts: LennardJonesOptions<tf.Tensor> = { epsilon: tf.scalar(0.8), sigma: 1.1, cutoff: 2.5 };
 * ```
 */
export interface LennardJonesOptions<T extends Differentiable = Differentiable> {
  /** The depth ε of the pair potential's well (default `1`): a number or a 0-d array. Differentiable. */
  epsilon?: number | T;
  /** The distance σ at which the pair potential is zero (default `1`): a number or a 0-d array. Differentiable. */
  sigma?: number | T;
  /** Pairs at this distance or farther do not interact (default `null`: every pair does). Static. */
  cutoff?: number | null;
}

/** What the energy, the forces and their derivatives are built from, per pair `(i, j)`. */
interface Pairs {
  /** rᵢⱼ = xᵢ − xⱼ, `[n, n, k]`. */
  readonly r: unknown;
  /** 1 for a pair that interacts (i ≠ j, closer than the cutoff), else 0, `[n, n]`. */
  readonly mask: unknown;
  /** |rᵢⱼ|², with 1 where the pair does not interact (no division by zero), `[n, n]`. */
  readonly d2: unknown;
  /** (σ/|rᵢⱼ|)⁶ and its square, masked, `[n, n]`. */
  readonly s6: unknown;
  readonly s12: unknown;
  /** The energy and the forces per unit ε (both are linear in ε): `[]` and `[n, k]`. */
  readonly energy1: unknown;
  readonly forces1: unknown;
  /** g₁ᵢⱼ = 24(2s¹² − s⁶)/|r|²: the force on i from j is ε·g₁·rᵢⱼ, `[n, n]`. */
  readonly g1: unknown;
}

function checkScalar(xp: Xp, value: unknown, name: 'epsilon' | 'sigma'): void {
  if (shapeOf(xp, value).length !== 0) {
    throw new RuleError('wrong-shape', {
      rule: 'lennardJones',
      slot: `kwargs.${name}`,
      message: `${name} has shape [${shapeOf(xp, value).join(', ')}], but it is one number for every pair.`,
      fix: `Pass ${name} as a number or a 0-d array (reshape it to []).`,
    });
  }
}

function pairs(xp: Xp, positions: unknown, sigma: unknown, cutoff: number | null): Pairs {
  if (shapeOf(xp, positions).length !== 2) {
    throw new RuleError('wrong-shape', {
      rule: 'lennardJones',
      slot: 'args[0]',
      message: `the positions have shape [${shapeOf(xp, positions).join(', ')}], but they are n points of k coordinates: [n, k].`,
      fix: 'Pass the positions as an array of shape [n, k] (one row per atom).',
    });
  }
  const r = xp.subtract(xp.expandDims(positions as never, 1), xp.expandDims(positions as never, 0));
  const d2Raw = xp.sum(xp.square(r), { axis: -1 });
  const apart = xp.greater(d2Raw, 0);
  const mask = cutoff === null ? xp.where(apart, 1, 0) : xp.where(apart, xp.where(xp.less(d2Raw, cutoff * cutoff), 1, 0), 0);
  const d2 = xp.where(apart, d2Raw, 1);
  const s2 = xp.divide(xp.square(sigma as never), d2);
  const s6 = xp.multiply(mask, xp.multiply(xp.square(s2), s2));
  const s12 = xp.square(s6);
  // Each pair appears twice in the [n, n] sums: ½ of 4(s¹² − s⁶) each time.
  const energy1 = xp.multiply(2, xp.sum(xp.subtract(s12, s6)));
  const g1 = xp.divide(xp.multiply(24, xp.subtract(xp.multiply(2, s12), s6)), d2);
  const forces1 = xp.sum(xp.multiply(xp.expandDims(g1, -1), r), { axis: 1 });
  return { r, mask, d2, s6, s12, energy1, forces1, g1 };
}

/**
 * Σⱼ Jᵢⱼ·(uᵢ − uⱼ) for each atom i, where Jᵢⱼ = ∂(force on i from j)/∂rᵢⱼ per unit ε — the
 * Jacobian of the forces applied to `u` (`[n, k]`). It is symmetric, so the same product is the
 * forces' jvp and their vjp: J = g₁·I + h₁·r rᵀ with h₁ = g₁′(|r|)/|r| = 96(2s⁶ − 7s¹²)/|r|⁴.
 */
function forcesJacobianTimes(xp: Xp, p: Pairs, u: unknown): unknown {
  const du = xp.subtract(xp.expandDims(u as never, 1), xp.expandDims(u as never, 0));
  const h1 = xp.divide(xp.multiply(96, xp.subtract(xp.multiply(2, p.s6), xp.multiply(7, p.s12))), xp.square(p.d2));
  const rDotU = xp.sum(xp.multiply(p.r, du), { axis: -1 });
  const along = xp.multiply(xp.expandDims(xp.multiply(h1, rDotU), -1), p.r);
  return xp.sum(xp.add(xp.multiply(xp.expandDims(p.g1, -1), du), along), { axis: 1 });
}

/** ∂energy/∂σ and ∂forces/∂σ per unit ε (through ∂s⁶/∂σ = 6s⁶/σ and ∂s¹²/∂σ = 2s⁶·∂s⁶/∂σ). */
function sigmaDerivatives(xp: Xp, p: Pairs, sigma: unknown): { energy: unknown; forces: unknown } {
  const ds6 = xp.divide(xp.multiply(6, p.s6), sigma as never);
  const ds12 = xp.multiply(2, xp.multiply(p.s6, ds6));
  const energy = xp.multiply(2, xp.sum(xp.subtract(ds12, ds6)));
  const dg1 = xp.divide(xp.multiply(24, xp.subtract(xp.multiply(2, ds12), ds6)), p.d2);
  const forces = xp.sum(xp.multiply(xp.expandDims(dg1, -1), p.r), { axis: 1 });
  return { energy, forces };
}

function lennardJonesImpl<T extends Differentiable>(positions: T, { epsilon = 1, sigma = 1, cutoff = null }: LennardJonesOptions<Widen<T>> = {}): [Widen<T>, Widen<T>] {
  const xp: Xp = namespaceOf(positions, epsilon, sigma);
  checkScalar(xp, epsilon, 'epsilon');
  checkScalar(xp, sigma, 'sigma');
  const p = pairs(xp, positions, sigma, cutoff);
  return [xp.multiply(epsilon, p.energy1), xp.multiply(epsilon, p.forces1)];
}

/**
 * The Lennard-Jones energy of n atoms and the force on each: for `positions` of shape `[n, k]`,
 * `[energy, forces]` with `energy = Σᵢ<ⱼ 4ε((σ/rᵢⱼ)¹² − (σ/rᵢⱼ)⁶)` (a 0-d value) and
 * `forces = −∂energy/∂positions` (`[n, k]`). A rule with two outputs: a loss may use the energy,
 * the forces (force matching) or both, and the pullback skips the work of an output whose
 * cotangent is a zero. Derivatives for the positions and for `epsilon` and `sigma`; `cutoff`
 * (static) leaves out the pairs at that distance or farther. A pair at distance 0 is an atom with
 * itself and is left out.
 *
 * @example
 * ```ts
 * import { f64 } from '@chainrules/testing';
 * import { lennardJones } from '@chainrules/rules';
 *
 * // Two atoms at the potential's minimum, 2^(1/6)·σ apart: energy −ε, no force.
 * const [energy, forces] = lennardJones(f64([[0, 0], [2 ** (1 / 6), 0]]), { epsilon: 0.5 }); // −0.5, [[0, 0], [0, 0]]
 * ```
 */
export const lennardJones: <T extends Differentiable>(positions: T, options?: LennardJonesOptions<Widen<T>>) => [Widen<T>, Widen<T>] = defineRule(lennardJonesImpl, {
  name: 'lennardJones',
  kwargs: z.object({
    epsilon: kw.diff().default(1),
    sigma: kw.diff().default(1),
    cutoff: z._default(z.nullable(z.number().check(z.positive())), null),
  }),
  rrule: (cfg, { epsilon, sigma, cutoff }, positions) => {
    const xp: Xp = cfg.xp;
    checkScalar(xp, epsilon, 'epsilon');
    checkScalar(xp, sigma, 'sigma');
    const p = pairs(xp, positions, sigma, cutoff);
    const forces = xp.multiply(epsilon, p.forces1);
    return [
      [xp.multiply(epsilon, p.energy1), forces],
      (dy) => {
        const [dEnergy, dForces] = outputCotangents(dy);
        let dPositions: unknown = undefined;
        let dEpsilon: unknown = 0;
        let dSigmaPerEpsilon: unknown = 0;
        const bySigma = sigmaDerivatives(xp, p, sigma);
        if (!isZero(dEnergy)) {
          // ∂energy/∂positions = −forces.
          dPositions = xp.multiply(xp.negative(dEnergy as never), forces);
          dEpsilon = xp.multiply(dEnergy as never, p.energy1);
          dSigmaPerEpsilon = xp.multiply(dEnergy as never, bySigma.energy);
        }
        if (!isZero(dForces)) {
          const fromForces = xp.multiply(epsilon, forcesJacobianTimes(xp, p, dForces));
          dPositions = dPositions === undefined ? fromForces : xp.add(dPositions as never, fromForces);
          dEpsilon = xp.add(dEpsilon as never, xp.sum(xp.multiply(p.forces1, dForces as never)));
          dSigmaPerEpsilon = xp.add(dSigmaPerEpsilon as never, xp.sum(xp.multiply(bySigma.forces, dForces as never)));
        }
        return {
          args: [dPositions ?? xp.zerosLike(positions as never)],
          kwargs: new Tangent({ epsilon: dEpsilon as never, sigma: xp.multiply(epsilon, dSigmaPerEpsilon as never) }),
        };
      },
    ];
  },
  frule: (cfg, { args: [dPositions], kwargs: dkw }, { epsilon, sigma, cutoff }, positions) => {
    const xp: Xp = cfg.xp;
    checkScalar(xp, epsilon, 'epsilon');
    checkScalar(xp, sigma, 'sigma');
    const p = pairs(xp, positions, sigma, cutoff);
    const energy = xp.multiply(epsilon, p.energy1);
    const forces = xp.multiply(epsilon, p.forces1);
    const dx = unthunk(dPositions);
    const bySigma = sigmaDerivatives(xp, p, sigma);
    const dSigma = dkw.get('sigma');
    const dEpsilon = dkw.get('epsilon');
    const fromPositions = isZero(dx)
      ? { energy: dx, forces: dx }
      : { energy: xp.negative(xp.sum(xp.multiply(forces, dx as never))), forces: xp.multiply(epsilon, forcesJacobianTimes(xp, p, dx)) };
    const dEnergy = add(add(fromPositions.energy, scale(p.energy1, dEpsilon)), scale(xp.multiply(epsilon, bySigma.energy), dSigma));
    const dForces = add(add(fromPositions.forces, scale(p.forces1, dEpsilon)), scale(xp.multiply(epsilon, bySigma.forces), dSigma));
    return [[energy, forces], new Tangent([dEnergy, dForces] as never)];
  },
});

/** The cotangents of the two outputs, from the output's `Tangent` (or a zero of the whole output). */
function outputCotangents(dy: unknown): [unknown, unknown] {
  const t = unthunk(dy);
  if (isTangent(t)) return [unthunk(t.get(0 as never)), unthunk(t.get(1 as never))];
  if (isZero(t)) return [t, t];
  throw new RuleError('tangent-mismatch', {
    rule: 'lennardJones',
    slot: 'output',
    message: 'the cotangent of [energy, forces] is a Tangent of the two outputs\' cotangents.',
    fix: 'Pass new Tangent([dEnergy, dForces]) (ZeroTangent for an output the loss does not use).',
  });
}
