import { afterAll, beforeAll, describe, it } from 'vitest';
import { installAdapter, installedAdapters } from '@chainrules/core';
import type { Adapter } from '@chainrules/core';
import { caseContext } from './cases/context';
import type { CaseGroup, ConformanceCase } from './cases/context';
import { conformanceCases } from './cases/index';
import { suiteRules } from './cases/rules';
import type { ConformanceCapability, ConformanceEngine } from './engine';

const CAPABILITIES: readonly ConformanceCapability[] = ['reverse', 'forward', 'second-order', 'third-order'];
const GROUPS: readonly CaseGroup[] = ['basics', 'reverse mode', 'forward mode', 'second order', 'third order'];

/**
 * Options of {@link describeAdapterConformance}.
 *
 * @example
 * ```ts
 * const options: AdapterConformanceOptions = { cannot: ['forward'], rtol: 1e-4, atol: 1e-5 };
 * ```
 */
export interface AdapterConformanceOptions {
  /** What the engine cannot do: those cases are skipped, with the reason in their titles. Unknown names are an error. */
  readonly cannot?: readonly ConformanceCapability[] | undefined;
  /** Relative tolerance of value comparisons (default `1e-5`, which float32 engines meet). */
  readonly rtol?: number | undefined;
  /** Absolute tolerance of value comparisons (default `1e-6`). */
  readonly atol?: number | undefined;
}

interface Plan {
  readonly cannot: ReadonlySet<ConformanceCapability>;
  readonly rtol: number;
  readonly atol: number;
}

function planConformance<A>(engine: ConformanceEngine<A>, options: AdapterConformanceOptions | undefined): Plan {
  const fail = (message: string): never => {
    throw new TypeError(`describeAdapterConformance: ${message}`);
  };
  if (typeof engine !== 'object' || engine === null) return fail('the engine must be an object { adapter, array, read, … }.');
  if (typeof engine.adapter !== 'object' || engine.adapter === null || typeof engine.adapter.invoke !== 'function') fail('engine.adapter must be an Adapter.');
  if (typeof engine.array !== 'function' || typeof engine.read !== 'function') fail('the engine needs array(value) and read(x).');
  if (engine.dispose !== undefined && typeof engine.dispose !== 'function') fail('engine.dispose, when given, must be a function (x) => void.');
  if (engine.ref !== undefined && typeof engine.ref !== 'function') fail('engine.ref, when given, must be a function (x) => x with one more reference.');
  if (options !== undefined && (typeof options !== 'object' || options === null)) fail('options must be an object { cannot?, rtol?, atol? }.');
  const cannot = options?.cannot ?? [];
  if (!Array.isArray(cannot)) fail(`options.cannot must be an array of ${CAPABILITIES.join(', ')}.`);
  for (const name of cannot) {
    if (!CAPABILITIES.includes(name)) fail(`options.cannot has the unknown capability ${JSON.stringify(name)}; known: ${CAPABILITIES.join(', ')}.`);
  }
  const set = new Set(cannot);
  if (!set.has('reverse') && typeof engine.grads !== 'function') fail("the engine has no grads hook: give one, or declare cannot: ['reverse'].");
  if (!set.has('forward') && typeof engine.jvp !== 'function') fail("the engine has no jvp hook: give one, or declare cannot: ['forward'].");
  if (!set.has('reverse') && typeof engine.gradTree !== 'function') fail("the engine has no gradTree hook (gradients with respect to a record of arrays): give one, or declare cannot: ['reverse'].");
  if (!set.has('forward') && typeof engine.jvpTree !== 'function') fail("the engine has no jvpTree hook (forward mode with a tree output): give one, or declare cannot: ['forward'].");
  const tolerance = (key: 'rtol' | 'atol', fallback: number): number => {
    const value = options?.[key] ?? fallback;
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fail(`options.${key} must be a finite number ≥ 0, got ${String(value)}.`);
  };
  return { cannot: set, rtol: tolerance('rtol', 1e-5), atol: tolerance('atol', 1e-6) };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs one case with fresh counters, then disposes the arrays it made or received, then runs
 * the engine's `around` check. Throws the first failure, with the later ones in its message.
 */
async function runCase<A>(engine: ConformanceEngine<A>, plan: Plan, c: ConformanceCase): Promise<void> {
  const rules = suiteRules();
  rules.reset();
  const check = engine.around?.();
  const scope = caseContext(engine, rules, plan.cannot, plan.rtol, plan.atol);
  const failures: { readonly error: unknown; readonly after: string }[] = [];
  const attempt = async (after: string, run: () => unknown): Promise<void> => {
    try {
      await run();
    } catch (error) {
      failures.push({ error, after });
    }
  };
  await attempt('', () => c.run(scope.context));
  await attempt("disposing the suite's arrays after the case", () => scope.release());
  if (typeof check === 'function') await attempt("the engine's check after the case", check);
  const [first, ...later] = failures;
  if (first === undefined) return;
  if (later.length === 0) throw first.error;
  const message = [messageOf(first.error), ...later.map((f) => `… and ${f.after} failed too: ${messageOf(f.error)}`)].join('\n');
  throw new AggregateError(failures.map((f) => f.error), message);
}

/** Installs the engine's adapter unless it is installed already; returns what undoes that. */
function ensureInstalled<A>(engine: ConformanceEngine<A>): () => void {
  if (installedAdapters().includes(engine.adapter as unknown as Adapter)) return () => {};
  return installAdapter(engine.adapter);
}

const skipReason = (c: ConformanceCase, plan: Plan): ConformanceCapability | undefined => c.needs.find((need) => plan.cannot.has(need));

/**
 * Describes the adapter conformance suite for an engine with vitest: one `describe` block
 * named after the adapter, with a test per case. Cases prove, with call counters on the
 * suite's own rules and with values (closed forms, finite differences on plain numbers, the
 * engine's own gradients), that the adapter runs rules under its engine:
 *
 * - basics: the adapter owns its arrays and declares its capabilities truthfully; outside any
 *   differentiation the plain function runs and no rule is called;
 * - reverse mode: the seed `foo(a, b, { c }) = a·b·c` (scalars, defaults, a tracked value in
 *   the options alone; vectors under plain, weighted and scaled losses, so that ȳ is neither
 *   1 nor uniform; broadcast positional and option arguments, in one and two dimensions), a
 *   static option next to a differentiable one, nested option records in another key order
 *   than the schema's, one array passed twice, rule-aware calls inside a rule's primal and
 *   pullback, a rule that is not elementwise, `optOut` (on a function, and on a method whose
 *   plain function reads `this`), a throwing pullback, a throwing rrule and invalid options
 *   (the error propagates, the adapter is idle after it, the engine stays usable), zero and
 *   thunked cotangents (flat and nested options), an output multiplied by 0, and the
 *   `differentiable-in-static` error (an engine array bare, in a record or in a list);
 * - never silently wrong: an engine array hidden in a static option or a container argument
 *   (a `Map`, a `Set`, a class instance, deep records) is refused (`differentiable-in-static`,
 *   `unsupported`; `unsearchable` where it cannot be searched), a count the rule declares in
 *   `staticArgs` takes `NoTangent` and refuses an engine array, a cotangent smaller than its
 *   value is `wrong-shape`, `NoTangent` for a differentiated value is `missing-tangent` (bare,
 *   in a thunk, as an frule's ẏ), a misspelt option is `unknown-option` on every path, a getter
 *   option is read once and a non-enumerable one seen, and error text is escaped;
 * - structure: rules with several outputs — a tuple, a record of outputs of different shapes,
 *   a boolean array and a plain count beside a float output (passed through, `NoTangent`) —
 *   under losses that use all of them or one alone (the pullback must get a symbolic
 *   `ZeroTangent` for an unused output, never an array of zeros), and record and list
 *   arguments (`affine({ w, b }, x)`: the engine's tree gradient through `gradTree`, leaf by
 *   leaf through `grads`), a pullback that leaves out a field the engine differentiates
 *   (`missing-tangent` with the field's slot, `args[0].b`), and the same through `jvpTree`
 *   and at second order;
 * - forward mode: the same through `jvp` and frules, including an frule that declares its
 *   options constant (its ẏ, not the engine's own, must be the answer);
 * - second and third order: `grads(grads(f))` through pullbacks written with `xp` and with
 *   rule-aware calls.
 *
 * A rule must serve each differentiated call: its plain function never runs, its rrule runs
 * once — or twice, for an engine that recomputes it in the gradient function (TF.js) — with
 * at most one pullback per rrule, or its frule runs once. After each case the suite disposes
 * the arrays it made or received (`engine.dispose`), then runs the engine's `around` check.
 *
 * Cases for a capability listed in `options.cannot` are skipped, with `(engine cannot: …)` in
 * their titles. A missing hook for a capability not listed there, or an unknown capability,
 * is a `TypeError` here, at collection.
 *
 * @example
 * ```ts
 * // test/conformance.test.ts of an adapter package
 * import { describeAdapterConformance } from '@chainrules/testing/conformance';
 *
 * describeAdapterConformance(myEngine, { cannot: ['third-order'], rtol: 1e-4 });
 * ```
 */
export function describeAdapterConformance<A>(engine: ConformanceEngine<A>, options?: AdapterConformanceOptions): void {
  const plan = planConformance(engine, options);
  describe(`adapter conformance: ${engine.adapter.name}`, () => {
    let uninstall: (() => void) | undefined;
    beforeAll(async () => {
      await engine.setup?.();
      uninstall = ensureInstalled(engine);
    });
    afterAll(() => uninstall?.());
    for (const group of GROUPS) {
      describe(group, () => {
        for (const c of conformanceCases.filter((candidate) => candidate.group === group)) {
          const missing = skipReason(c, plan);
          // Skipped, not passed: the engine declared in `cannot` that it lacks this capability.
          if (missing !== undefined) it.skip(`${c.title} (engine cannot: ${missing})`, () => {});
          else it(c.title, () => runCase(engine, plan, c));
        }
      });
    }
  });
}

/**
 * The suite's cases as {@link describeAdapterConformance} would describe them for `options`:
 * id, group, title and, for a skipped case, the capability it lacks.
 *
 * @internal Exported for the suite's own tests and for debugging one case; not in the package's public entry.
 * @example
 * ```ts
 * listConformanceCases({ cannot: ['forward'] }).filter((c) => c.skip === 'forward').map((c) => c.id);
 * ```
 */
export function listConformanceCases(options?: AdapterConformanceOptions): { id: string; group: string; title: string; skip: ConformanceCapability | undefined }[] {
  const cannot = new Set(options?.cannot ?? []);
  return conformanceCases.map((c) => ({ id: c.id, group: c.group, title: c.title, skip: c.needs.find((need) => cannot.has(need)) }));
}

/**
 * Runs one case of the suite outside `describe`: installs the adapter if needed, runs the case
 * inside the engine's `around` check, and uninstalls what it installed. Resolves to `'passed'`
 * or `'skipped'` (a capability in `options.cannot`); rejects with the case's failure.
 *
 * @internal Exported for the suite's own tests (a broken adapter must fail) and for debugging one case; not in the package's public entry.
 * @example
 * ```ts
 * await expect(runConformanceCase(brokenEngine, 'seed')).rejects.toThrow(/counters of 'foo'/);
 * ```
 */
export async function runConformanceCase<A>(engine: ConformanceEngine<A>, id: string, options?: AdapterConformanceOptions): Promise<'passed' | 'skipped'> {
  const plan = planConformance(engine, options);
  const c = conformanceCases.find((candidate) => candidate.id === id);
  if (c === undefined) throw new TypeError(`runConformanceCase: no case '${id}'; cases: ${conformanceCases.map((candidate) => candidate.id).join(', ')}.`);
  if (skipReason(c, plan) !== undefined) return 'skipped';
  await engine.setup?.();
  const uninstall = ensureInstalled(engine);
  try {
    await runCase(engine, plan, c);
  } finally {
    uninstall();
  }
  return 'passed';
}
