import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as zod from 'zod';
import * as src from '../src/index';
import { Box, boxAdapter } from './support/boxEngine';

/*
 * Three copies of core in one process: the sources this suite runs, the built ESM file and
 * the built CJS file (loaded with require, with the CJS build of zod). They must agree on
 * rules, adapters, singletons and brands.
 */
const esmPath = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const cjsPath = fileURLToPath(new URL('../dist/index.cjs', import.meta.url));
if (!existsSync(esmPath) || !existsSync(cjsPath)) throw new Error('Build @chainrules/core first (npm run build): this suite loads dist/.');
const require = createRequire(import.meta.url);
const cjs = require(cjsPath) as typeof src;
const esm = (await import(/* @vite-ignore */ esmPath)) as typeof src;
const zodCjs = require('zod') as typeof zod;

describe('two copies of core in one process', () => {
  it('are distinct module instances', () => {
    expect(cjs.rrule).not.toBe(esm.rrule);
    expect(esm.rrule).not.toBe(src.rrule);
    expect(cjs.Tangent).not.toBe(src.Tangent);
  });

  it('share the zero singletons and kwcall', () => {
    expect(cjs.NoTangent).toBe(src.NoTangent);
    expect(esm.ZeroTangent).toBe(src.ZeroTangent);
    expect(cjs.kwcall).toBe(esm.kwcall);
    expect(src.isZero(cjs.ZeroTangent)).toBe(true);
  });

  it('find each other’s rules, with kwargs tangents', () => {
    const fooCjs = cjs.defineRule((a: number, b: number, { c = 42 }: { c?: number } = {}) => a * b * c, {
      name: 'fooCjs',
      kwargs: zodCjs.z.object({ c: cjs.kw.diff<number>().default(42) }),
      rrule: (_cfg, { c }, a, b) => [a * b * c, (dy) => ({ args: [dy * b * c, dy * a * c], kwargs: new cjs.Tangent({ c: dy * a * b }) })],
    });
    const [y, pullback] = esm.rrule(esm.kwcall, { c: 3 }, fooCjs, 2, 3)!;
    expect(y).toBe(18);
    const slots = pullback(1);
    expect(slots[0]).toBe(src.NoTangent);
    expect(src.isTangent(slots[1])).toBe(true);
    expect((slots[1] as src.Tangent).get('c')).toBe(6);
    expect(slots.slice(2)).toEqual([src.NoTangent, 9, 6]);
    expect(src.hasRule(fooCjs)).toBe(true);
  });

  it('recognise a kw.diff() schema from another copy', () => {
    const scaled = esm.defineRule((x: number, { k = 1 }: { k?: number } = {}) => k * x, {
      name: 'scaled',
      kwargs: zodCjs.z.object({ k: cjs.kw.diff<number>().default(1) }),
      rrule: (_cfg, { k }, x) => [k * x, (dy) => ({ args: [k * dy], kwargs: new src.Tangent({ k: x * dy }) })],
    });
    const [, pullback] = cjs.rrule(scaled, 2, { k: 5 })!;
    expect((pullback(1)[2] as src.Tangent).get('k')).toBe(2);
  });

  it('count each other’s rule calls', () => {
    const twice = esm.defineRule((x: number) => 2 * x, { name: 'twice', rrule: (_cfg, _opts, x) => [2 * x, (dy) => ({ args: [2 * dy] })] });
    cjs.rrule(twice, 1)![1](1);
    src.rrule(twice, 1);
    expect(cjs.ruleRuns(twice)).toEqual({ rrule: 2, pullback: 1, frule: 0 });
  });

  it('evaluate each other’s thunks and tell them from Tangents', () => {
    expect(src.isThunk(cjs.thunk(() => 3))).toBe(true);
    expect(esm.unthunk(cjs.thunk(() => esm.thunk(() => 4)))).toBe(4);
    expect(cjs.isThunk(new src.Tangent({ c: 1 }))).toBe(false);
    expect(cjs.isZero(new esm.Tangent({}))).toBe(false);
    expect(esm.add(cjs.thunk(() => 1), src.thunk(() => 2))).toBe(3);
  });

  it('add Tangents made by another copy', () => {
    const sum = esm.add(new cjs.Tangent({ c: 1 }), new src.Tangent({ c: 2 }));
    expect(cjs.isTangent(sum)).toBe(true);
    expect((sum as src.Tangent).get('c')).toBe(3);
  });

  it('share installed adapters', () => {
    const uninstall = cjs.installAdapter(boxAdapter);
    try {
      expect(src.namespaceOf(new Box(1)).name).toBe('box');
      expect(esm.adapterOf(new Box(1))).toBe(boxAdapter);
      expect(() => esm.installAdapter({ ...boxAdapter })).toThrow();
    } finally {
      uninstall();
    }
    expect(src.adapterOf(new Box(1))).toBeUndefined();
  });

  it('recognise each other’s RuleErrors and configs', () => {
    let error: unknown;
    try {
      cjs.rrule(cjs.kwcall, { c: 1 }, cjs.defineRule((x: number) => x, { name: 'positional', rrule: (_c, _o, x) => [x, (dy) => ({ args: [dy] })] }), 1);
    } catch (e) {
      error = e;
    }
    expect(error).not.toBeInstanceOf(src.RuleError);
    expect(src.isRuleError(error)).toBe(true);
    expect((error as src.RuleError).code).toBe('undeclared-option');
    expect(esm.isRuleConfig(cjs.numberConfig)).toBe(true);
  });

  it('share the rule trace and the watch mode: a trace opened by one copy sees the calls and runs of another’s rules', () => {
    const twiceCjs = cjs.defineRule((x: number) => 2 * x, { name: 'twiceCjs', rrule: (_c, _o, x) => [2 * x, (dy) => ({ args: [2 * dy] })] });
    const { trace } = src.traceRules(() => {
      twiceCjs(1);
      cjs.rrule(twiceCjs, 3)![1](1);
    });
    expect(trace.calls.map((call) => [call.rule, call.ran])).toEqual([
      ['twiceCjs', ['primal']],
      ['twiceCjs', ['rrule', 'pullback']],
    ]);
    expect(trace.rules['twiceCjs']!.runs).toEqual({ rrule: 1, pullback: 1, frule: 0 });
  });
});
