import { afterEach, describe, expect, it } from 'vitest';
import { ZeroTangent, installedAdapters } from '@chainrules/core';
import type { Adapter, RuleCall } from '@chainrules/core';
import { describeAdapterConformance, listConformanceCases, runConformanceCase } from '../src/conformance/adapter';
import type { ConformanceEngine } from '../src/conformance/adapter';
import { Traced, tapeAdapter, tapeEngine, tapeState } from './support/tapeEngine';

// The toy engine passes the whole suite (leak check: no open scope, no live tape node after a case).
describeAdapterConformance(tapeEngine());

// A reverse-only variant: the forward cases are reported as skipped, with the reason.
const { jvp: _forwardHook, ...reverseOnly } = tapeEngine(tapeAdapter('tape-reverse-only', false));
describeAdapterConformance(reverseOnly, { cannot: ['forward', 'third-order'] });

/** A copy of `call` with some members replaced: how the tests below break an adapter from outside. */
function sabotage(call: RuleCall, patch: Partial<Pick<RuleCall, 'optionTangents' | 'staticOptions'>>): RuleCall {
  return {
    fn: call.fn,
    name: call.name,
    args: call.args,
    options: call.options,
    hasReverse: call.hasReverse,
    hasForward: call.hasForward,
    differentiableOptions: call.differentiableOptions,
    staticOptions: call.staticOptions,
    primal: () => call.primal(),
    rebuild: (args, values) => call.rebuild(args, values),
    optionTangents: (tangent) => call.optionTangents(tangent),
    optionsTangent: (tangents) => call.optionsTangent(tangents),
    ...patch,
  };
}

/** The tape engine with its adapter's `invoke` replaced (given the working adapter to delegate to). */
function broken(name: string, invoke: (working: Adapter<Traced>, call: RuleCall) => unknown): ConformanceEngine<Traced> {
  const working = tapeAdapter(name);
  return tapeEngine({ ...working, invoke: (call) => invoke(working, call) });
}

const ids = listConformanceCases().map((c) => c.id);

describe('the conformance suite itself', () => {
  afterEach(() => {
    expect(installedAdapters().filter((adapter) => adapter.name.startsWith('tape')), 'runConformanceCase uninstalls what it installed').toEqual([]);
  });

  it.each(ids)("passes case '%s' on the working tape engine, run on its own", async (id) => {
    await expect(runConformanceCase(tapeEngine(), id)).resolves.toBe('passed');
  });

  it('fails an adapter that ignores rules (always call.primal()) on its counters, though its gradients are right', async () => {
    const ignoring = broken('tape-ignores-rules', (_working, call) => call.primal());
    for (const id of ['seed', 'vectors', 'static-option', 'nested-options', 'composition', 'second-self-pullback']) {
      await expect(runConformanceCase(ignoring, id), id).rejects.toThrow(/counters of '\w+'/);
    }
    for (const id of ['forward-seed', 'forward-options']) await expect(runConformanceCase(ignoring, id), id).rejects.toThrow(/counters of '\w+'/);
    await expect(runConformanceCase(ignoring, 'primal')).resolves.toBe('passed');
  });

  it('fails an adapter that also runs the plain function besides the rule', async () => {
    const twice = broken('tape-runs-twice', (working, call) => (call.primal(), working.invoke(call)));
    await expect(runConformanceCase(twice, 'seed')).rejects.toThrow(/counters of 'foo'.*expected impl = 0/);
  });

  it('fails an adapter that drops the options’ cotangents', async () => {
    const dropping = broken('tape-drops-kwargs', (working, call) =>
      working.invoke(sabotage(call, { optionTangents: () => call.differentiableOptions.map(() => ZeroTangent) })),
    );
    await expect(runConformanceCase(dropping, 'seed')).rejects.toThrow(/c̄: got \[0\], expected \[6\]/);
    await expect(runConformanceCase(dropping, 'nested-options')).rejects.toThrow(/prior\.mū: got \[0\]/);
    await expect(runConformanceCase(dropping, 'second-mixed-partials')).rejects.toThrow(/∂x∂w/);
    await expect(runConformanceCase(dropping, 'aliasing')).rejects.toThrow(/got \[8\], expected \[12\]/);
  });

  it("fails an adapter that lets an engine array into a static option (no 'differentiable-in-static')", async () => {
    const lax = broken('tape-lax-static', (working, call) => working.invoke(sabotage(call, { staticOptions: [] })));
    await expect(runConformanceCase(lax, 'differentiable-in-static')).rejects.toThrow(/expected an error, but none was thrown/);
    await expect(runConformanceCase(lax, 'forward-differentiable-in-static')).rejects.toThrow(/expected an error/);
    await expect(runConformanceCase(lax, 'seed')).resolves.toBe('passed');
  });

  it('fails an engine whose grads do not nest (the backward pass is not recorded)', async () => {
    const engine = tapeEngine(tapeAdapter('tape-flat'));
    const flat: ConformanceEngine<Traced> = {
      ...engine,
      grads: (f) => (...xs) => {
        const outer = tapeState.scopes.splice(0);
        try {
          return engine.grads(f)(...xs);
        } finally {
          tapeState.scopes.push(...outer);
        }
      },
    };
    await expect(runConformanceCase(flat, 'seed')).resolves.toBe('passed');
    await expect(runConformanceCase(flat, 'second-xp-pullback')).rejects.toThrow(/got \[0\], expected \[12\]/);
    await expect(runConformanceCase(flat, 'third-order')).rejects.toThrow(/expected \[6\]/);
  });

  it("runs the engine's check after a failing case, and reports both failures", async () => {
    let checks = 0;
    const ignoring = broken('tape-ignores-rules', (_working, call) => call.primal());
    const leaky: ConformanceEngine<Traced> = { ...ignoring, around: () => () => (checks++, expect.fail('leaked 1 tensor')) };
    await expect(runConformanceCase(leaky, 'seed')).rejects.toThrow(/counters of 'foo'[\s\S]*check after the case failed too: leaked 1 tensor/);
    expect(checks).toBe(1);
  });

  it("fails a case whose engine check fails after it (the tape engine's own leak check)", async () => {
    const engine = tapeEngine(tapeAdapter('tape-leaky'));
    const leaky: ConformanceEngine<Traced> = { ...engine, grads: (f) => (tapeState.liveNodes++, engine.grads(f)) };
    try {
      await expect(runConformanceCase(leaky, 'seed')).rejects.toThrow(/the tape engine leaked: 0 open scopes, forward false, 2 live nodes/);
      await expect(runConformanceCase(leaky, 'primal')).resolves.toBe('passed');
    } finally {
      tapeState.liveNodes = 0;
    }
  });

  it('fails an engine whose declared capabilities disagree with its hooks and config', async () => {
    await expect(runConformanceCase(tapeEngine(), 'capabilities', { cannot: ['forward'] })).rejects.toThrow(/canForward agrees with options.cannot/);
    const claims = tapeEngine(tapeAdapter('tape-claims-no-forward', false));
    await expect(runConformanceCase(claims, 'capabilities')).rejects.toThrow(/canForward/);
    await expect(runConformanceCase({ ...reverseOnly, adapter: tapeAdapter('tape-no-jvp', false) }, 'capabilities', { cannot: ['forward'] })).resolves.toBe('passed');
  });

  it('refuses unknown capabilities, missing hooks and bad tolerances, at collection', () => {
    expect(() => describeAdapterConformance(tapeEngine(), { cannot: ['backward' as never] })).toThrow(/unknown capability "backward"/);
    expect(() => describeAdapterConformance(reverseOnly)).toThrow(/no jvp hook.*cannot: \['forward'\]/);
    const { grads: _reverseHook, ...forwardOnly } = tapeEngine();
    expect(() => describeAdapterConformance(forwardOnly)).toThrow(/no grads hook/);
    expect(() => describeAdapterConformance(tapeEngine(), { rtol: -1 })).toThrow(/rtol must be a finite number/);
    expect(() => describeAdapterConformance({} as never)).toThrow(/engine.adapter must be an Adapter/);
  });

  it('skips, with the missing capability, exactly the cases that need it', async () => {
    const skips = (cannot: Parameters<typeof listConformanceCases>[0]) =>
      Object.fromEntries(listConformanceCases(cannot).filter((c) => c.skip !== undefined).map((c) => [c.id, c.skip]));
    const groups = Object.fromEntries(listConformanceCases().map((c) => [c.id, c.group]));
    expect(skips({})).toEqual({});
    const noReverse = skips({ cannot: ['reverse'] });
    expect(Object.keys(noReverse).map((id) => groups[id])).toEqual(expect.arrayContaining(['reverse mode', 'second order', 'third order']));
    expect(new Set(Object.values(noReverse))).toEqual(new Set(['reverse']));
    expect(Object.keys(noReverse).some((id) => groups[id] === 'forward mode' || groups[id] === 'basics')).toBe(false);
    expect(Object.values(skips({ cannot: ['forward'] })).length).toBe(ids.filter((id) => groups[id] === 'forward mode').length);
    expect(skips({ cannot: ['second-order'] })).toEqual({ 'second-xp-pullback': 'second-order', 'second-mixed-partials': 'second-order', 'second-self-pullback': 'second-order', 'third-order': 'second-order' });
    await expect(runConformanceCase(reverseOnly, 'forward-seed', { cannot: ['forward'] })).resolves.toBe('skipped');
    await expect(runConformanceCase(tapeEngine(), 'no-such-case')).rejects.toThrow(/no case 'no-such-case'; cases: capabilities, primal, seed/);
  });
});
