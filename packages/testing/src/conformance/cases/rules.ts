/*
 * The conformance suite's own rules: written once against `ArrayApi` (`cfg.xp` in the rules,
 * `namespaceOf` in the plain functions), so they run on plain numbers and on every engine's
 * arrays. Each counts its calls (plain function, rrule, pullback, frule), so a case can tell
 * which path an adapter took. This file holds the seed (the shared fixture `foo`, whose runs
 * are counted through core's run counts) and the rules built like it; the rules for edge
 * cases (opt-out, errors, zeros, static options, self-calls) are in `edgeRules.ts`, those for
 * what must never be silently wrong in `strictRules.ts`, those with several outputs or record
 * arguments in `structureRules.ts`.
 */
import { z } from 'zod';
import { Tangent, ZeroTangent, add, defineRule, isTangent, isZero, kw, namespaceOf, scale } from '@chainrules/core';
import { foo } from '../../fixtures/seed';
import { countRuns } from '../../fixtures/runs';
import { makeEdgeRules } from './edgeRules';
import { makeStrictRules } from './strictRules';
import { names } from './counts';
import type { SuiteCounts, V } from './counts';
import { makeStructureRules } from './structureRules';
import type { Received } from './structureRules';

function makeSeedRules(counts: SuiteCounts) {
  const field = (t: unknown, key: string): unknown => (isTangent(t) ? t.get(key) : ZeroTangent);

  /** A static option beside a differentiable one: mode 'prod' is a·b·c, mode 'sum' is (a + b)·c. */
  const mix = defineRule(
    (a: V, b: V, { c = 1, mode = 'prod' }: { c?: V; mode?: 'prod' | 'sum' } = {}): V => {
      counts.mix.impl++;
      const xp = namespaceOf(a, b, c);
      return xp.multiply(mode === 'prod' ? xp.multiply(a, b) : xp.add(a, b), c);
    },
    {
      name: 'mix',
      kwargs: z.object({ c: kw.diff().default(1), mode: z.enum(['prod', 'sum']).default('prod') }),
      rrule: (cfg, opts, a, b) => {
        counts.mix.rrule++;
        const { c, mode } = opts;
        const { xp } = cfg;
        const inner = mode === 'prod' ? xp.multiply(a, b) : xp.add(a, b);
        return [
          xp.multiply(inner, c),
          (dy) => {
            counts.mix.pullback++;
            const [da, db] = mode === 'prod' ? [xp.multiply(b, c), xp.multiply(a, c)] : [c, c];
            return { args: [xp.multiply(dy, da), xp.multiply(dy, db)], kwargs: new Tangent<typeof opts>({ c: xp.multiply(dy, inner) }) };
          },
        ];
      },
      frule: (cfg, { args: [da, db], kwargs: dkw }, { c, mode }, a, b) => {
        counts.mix.frule++;
        const { xp } = cfg;
        const inner = mode === 'prod' ? xp.multiply(a, b) : xp.add(a, b);
        const [ka, kb] = mode === 'prod' ? [xp.multiply(b, c), xp.multiply(a, c)] : [c, c];
        return [xp.multiply(inner, c), add(add(scale(ka, da), scale(kb, db)), scale(inner, dkw.get('c')))];
      },
    },
  );

  /**
   * Nested options: penalty(x, { scale = 1, prior: { tau = 1, mu = 0, label? } }) = scale·tau·(x − mu)².
   * The schema's key order is neither alphabetical nor the order callers write, so an adapter
   * that pairs option leaves by the caller's key order gets them crossed.
   */
  const penalty = defineRule(
    (x: V, { prior = {}, scale: s = 1 }: { prior?: { mu?: V; tau?: V; label?: string }; scale?: V } = {}): V => {
      counts.penalty.impl++;
      const { mu = 0, tau = 1 } = prior;
      const xp = namespaceOf(x, mu, tau, s);
      return xp.multiply(xp.multiply(s, tau), xp.square(xp.subtract(x, mu)));
    },
    {
      name: 'penalty',
      kwargs: z.object({
        scale: kw.diff().default(1),
        prior: z.object({ tau: kw.diff().default(1), mu: kw.diff().default(0), label: z.string().optional() }).optional(),
      }),
      rrule: (cfg, opts, x) => {
        counts.penalty.rrule++;
        const { prior, scale: s } = opts;
        const { xp } = cfg;
        const [mu, tau] = [prior?.mu ?? 0, prior?.tau ?? 1];
        const d = xp.subtract(x, mu);
        const q = xp.square(d);
        return [
          xp.multiply(xp.multiply(s, tau), q),
          (dy) => {
            counts.penalty.pullback++;
            const dx = xp.multiply(dy, xp.multiply(xp.multiply(2, xp.multiply(s, tau)), d));
            const dprior = new Tangent<NonNullable<typeof prior>>({ mu: xp.negative(dx), tau: xp.multiply(dy, xp.multiply(s, q)) });
            return { args: [dx], kwargs: new Tangent<typeof opts>({ prior: dprior, scale: xp.multiply(dy, xp.multiply(tau, q)) }) };
          },
        ];
      },
      frule: (cfg, { args: [dx], kwargs: dkw }, { prior, scale: s }, x) => {
        counts.penalty.frule++;
        const { xp } = cfg;
        const [mu, tau] = [prior?.mu ?? 0, prior?.tau ?? 1];
        const d = xp.subtract(x, mu);
        const q = xp.square(d);
        const dprior = dkw.get('prior');
        const slope = xp.multiply(2, xp.multiply(xp.multiply(s, tau), d));
        const dy = [scale(slope, dx), scale(xp.negative(slope), field(dprior, 'mu')), scale(xp.multiply(s, q), field(dprior, 'tau')), scale(xp.multiply(tau, q), dkw.get('scale'))].reduce(add);
        return [xp.multiply(xp.multiply(s, tau), q), dy];
      },
    },
  );

  /** outer(x, { w = 1 }) = w·x², computed by calling `foo` in its primal, its pullback and its frule. */
  const outer = defineRule(
    (x: V, { w = 1 }: { w?: V } = {}): V => {
      counts.outer.impl++;
      return foo(x, x, { c: w });
    },
    {
      name: 'outer',
      kwargs: z.object({ w: kw.diff().default(1) }),
      rrule: (cfg, { w }, x) => {
        counts.outer.rrule++;
        const { xp } = cfg;
        return [
          foo(x, x, { c: w }),
          (dy) => {
            counts.outer.pullback++;
            return { args: [xp.multiply(dy, foo(2, x, { c: w }))], kwargs: new Tangent({ w: xp.multiply(dy, foo(x, x, { c: 1 })) }) };
          },
        ];
      },
      frule: (_cfg, { args: [dx], kwargs: dkw }, { w }, x) => {
        counts.outer.frule++;
        return [foo(x, x, { c: w }), add(scale(foo(2, x, { c: w }), dx), scale(foo(x, x, { c: 1 }), dkw.get('w')))];
      },
    },
  );

  /**
   * center(x) = x − mean(x): not elementwise, so its pullback is not "ȳ times a derivative"
   * (x̄ = ȳ − mean(ȳ), which is 0 at ȳ = 1) and its frule not "ẋ times one" (ẏ = ẋ − mean(ẋ)).
   */
  const center = defineRule(
    (x: V): V => {
      counts.center.impl++;
      const xp = namespaceOf(x);
      return xp.subtract(x, xp.mean(x));
    },
    {
      name: 'center',
      rrule: (cfg, _opts, x) => {
        counts.center.rrule++;
        const { xp } = cfg;
        return [
          xp.subtract(x, xp.mean(x)),
          (dy) => {
            counts.center.pullback++;
            return { args: [xp.subtract(dy, xp.mean(dy))] };
          },
        ];
      },
      frule: (cfg, { args: [dx] }, _opts, x) => {
        counts.center.frule++;
        const { xp } = cfg;
        return [xp.subtract(x, xp.mean(x)), isZero(dx) ? dx : xp.subtract(dx, xp.mean(dx))];
      },
    },
  );

  return { foo, mix, penalty, outer, center };
}

function makeRules() {
  const own = names.filter((name) => name !== 'foo');
  const counts = Object.fromEntries(own.map((name) => [name, { impl: 0, rrule: 0, pullback: 0, frule: 0 }])) as SuiteCounts;
  // The seed is the shared fixture: its runs are read from its counter, never written here.
  const fooRuns = countRuns(foo);
  Object.defineProperty(counts, 'foo', { get: () => fooRuns.runs, enumerable: true });
  /** The errors `fragile` threw, most recent last. */
  const thrown: Error[] = [];
  const seed = makeSeedRules(counts);
  const edge = makeEdgeRules(counts, thrown);
  const strict = makeStrictRules(counts);
  /** What the structure rules' pullbacks got for each output, most recent last. */
  const received: Received[] = [];
  const structure = makeStructureRules(counts, received);
  const reset = (): void => {
    for (const name of own) Object.assign(counts[name], { impl: 0, rrule: 0, pullback: 0, frule: 0 });
    fooRuns.reset();
    thrown.length = 0;
    received.length = 0;
  };
  return { ...seed, ...edge, ...strict, ...structure, counts, thrown, received, reset };
}

/** The suite's rules, their counters (`counts`), the errors `fragile` threw, what the structure rules' pullbacks got (`received`), and `reset()`. */
export type SuiteRules = ReturnType<typeof makeRules>;

let rules: SuiteRules | undefined;

/** The suite's rules, defined (and registered with core) on first use. */
export function suiteRules(): SuiteRules {
  return (rules ??= makeRules());
}
