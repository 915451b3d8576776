/*
 * What the suite's rules share: the value type they take and the counters of each rule's
 * runs. Apart from the rules themselves (`rules.ts`), so that the files defining rules and the
 * cases reading counters import it without importing each other.
 */
import type { FixtureValue } from '../../fixtures/seed';

/** A value of whichever engine runs the suite (or a plain number). */
export type V = FixtureValue;

/** How often each path of a rule ran since the last reset. */
export interface RuleCounts {
  /** The plain function (the primal without the rule). */
  impl: number;
  /** The reverse rule. */
  rrule: number;
  /** The pullbacks the reverse rule returned. */
  pullback: number;
  /** The forward rule. */
  frule: number;
}

/** The names of the suite's rules. */
export type SuiteRuleName =
  | 'foo' | 'mix' | 'penalty' | 'outer' | 'center' | 'power' | 'kpow' | 'fragile' | 'gate' | 'tagged' | 'expm' | 'bagged' | 'picked' | 'squash' | 'hollow' | 'flat'
  | 'pair' | 'stats' | 'counted' | 'affine' | 'sparse' | 'shift' | 'sparseShift';

/** Every rule's name, in the order the suite defines them. */
export const names: readonly SuiteRuleName[] = [
  'foo', 'mix', 'penalty', 'outer', 'center', 'power', 'kpow', 'fragile', 'gate', 'tagged', 'expm', 'bagged', 'picked', 'squash', 'hollow', 'flat',
  'pair', 'stats', 'counted', 'affine', 'sparse', 'shift', 'sparseShift',
];

/** The counters of every rule. */
export type SuiteCounts = Record<SuiteRuleName, RuleCounts>;
