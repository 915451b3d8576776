/**
 * How a package's backend suites declare what each backend cannot do: named `cannot` keys (their
 * cases are reported as skipped, with the key in the title) and tolerances, each with its
 * reason. Each adapter package lists its backends in `test/backends/limits.ts`;
 * docs/engine-matrix.md gives the same table.
 */
import type { ConformanceCapability } from '@chainrules/testing/conformance';

/** One thing a backend lacks, and why. */
export interface Limit<K extends string> {
  readonly key: K;
  readonly why: string;
}

/** What one backend declares to each suite. */
export interface BackendLimits {
  readonly arrayApi: { readonly cannot: readonly Limit<string>[]; readonly rtol: number; readonly atol: number; readonly tolerance?: string };
  readonly conformance: { readonly cannot: readonly Limit<ConformanceCapability>[]; readonly rtol: number; readonly atol: number };
}

/** The limits a table declares for `backend` of `engine`, or an error naming what is missing. */
export function limitsIn(table: Readonly<Record<string, BackendLimits>>, engine: string, backend: string): BackendLimits {
  const limits = table[backend];
  if (limits === undefined) throw new Error(`no limits are declared for the ${engine} backend '${backend}'`);
  return limits;
}
