import { afterEach, describe, expect, it } from 'vitest';
import { NoTangent, RuleError, ZeroTangent, adapterOf, installAdapter, installedAdapters, isRuleError, scale } from '@chainrules/core';
import type { Adapter } from '@chainrules/core';
import { ruleCallOf } from '@chainrules/core/adapter';
import type { CallLeaf, RuleCall } from '@chainrules/core/adapter';
import { describeAdapterConformance, listConformanceCases, runConformanceCase } from '../src/conformance/adapter';
import type { ConformanceEngine } from '../src/conformance/engine';
import { suiteRules } from '../src/conformance/cases/rules';
import { T, Traced, tapeAdapter, tapeEngine, tapeState } from './support/tapeEngine';
import type { TapeVariant } from './support/tapeEngine';

// The toy engine passes the whole suite (leak check: no open scope, no live tape node, every
// array the suite made or received disposed, after each case).
describeAdapterConformance(tapeEngine());

// So does a variant that runs the rrule again in the backward pass, as the TF.js adapter does.
describeAdapterConformance(tapeEngine(tapeAdapter('tape-recompute', true, { recompute: true })));

// A reverse-only variant: the forward cases are reported as skipped, with the reason.
const { jvp: _forwardHook, jvpTree: _forwardTreeHook, ...reverseOnly } = tapeEngine(tapeAdapter('tape-reverse-only', false));
describeAdapterConformance(reverseOnly, { cannot: ['forward', 'third-order'] });

/** A copy of `call` with some members replaced: how the tests below break an adapter from outside. */
function sabotage(call: RuleCall, patch: Partial<Pick<RuleCall, 'leaves' | 'staticOptions' | 'primal' | 'rrule' | 'guardStatic'>>): RuleCall {
  return {
    fn: call.fn,
    name: call.name,
    args: call.args,
    options: call.options,
    hasReverse: call.hasReverse,
    hasForward: call.hasForward,
    leaves: call.leaves,
    staticOptions: call.staticOptions,
    primal: () => call.primal(),
    rebuild: (values) => call.rebuild(values),
    redispatch: (values) => call.redispatch(values),
    rrule: (cfg, values) => call.rrule(cfg, values),
    frule: (cfg, tangents, values) => call.frule(cfg, tangents, values),
    guardStatic: (isDifferentiable, fix) => call.guardStatic(isDifferentiable, fix),
    ...patch,
  };
}

/** The tape engine with its adapter's `invoke` replaced (given the working adapter to delegate to). */
function broken(name: string, invoke: (working: Adapter<Traced>, call: RuleCall) => unknown): ConformanceEngine<Traced> {
  const working = tapeAdapter(name);
  return tapeEngine({ ...working, invoke: (call) => invoke(working, call) });
}

/** The tape engine with its adapter changed by `variant` (a fault, or recomputation). */
const variant = (name: string, change: TapeVariant): ConformanceEngine<Traced> => tapeEngine(tapeAdapter(name, true, change));

const allZero = (x: Traced): boolean => x.value.data.every((v) => v === 0);
const tracked = (x: unknown): boolean => x instanceof Traced && (x.node !== undefined || x.tangent !== undefined);

/** A call's differentiable option leaves in the order the caller wrote the keys (not the schema's). */
function inCallerOrder(call: RuleCall): CallLeaf[] {
  const order: string[] = [];
  const walk = (record: object, prefix: string): void => {
    for (const [key, value] of Object.entries(record)) {
      order.push(prefix + key);
      if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) walk(value, `${prefix + key}.`);
    }
  };
  walk(call.options ?? {}, '');
  const rank = (leaf: CallLeaf) => order.indexOf(leaf.path.join('.'));
  const options = call.leaves.filter((leaf) => leaf.arg === undefined);
  return [...call.leaves.filter((leaf) => leaf.arg !== undefined), ...options.sort((p, q) => rank(p) - rank(q))];
}

const ids = listConformanceCases().map((c) => c.id);

describe('the conformance suite itself', () => {
  afterEach(() => {
    expect(installedAdapters().filter((adapter) => adapter.name.startsWith('tape')), 'runConformanceCase uninstalls what it installed').toEqual([]);
  });

  it("hands one more reference (the engine's ref hook) where it keeps an array or hands one more than once", async () => {
    const refs: Record<string, number> = {};
    for (const id of ['primal', 'aliasing', 'second-xp-pullback', 'invalid-options', 'differentiable-in-static']) {
      let n = 0;
      await expect(runConformanceCase({ ...tapeEngine(), ref: (x) => (n++, x) }, id), id).resolves.toBe('passed');
      refs[id] = n;
    }
    expect(refs).toEqual({ primal: 10, aliasing: 3, 'second-xp-pullback': 2, 'invalid-options': 2, 'differentiable-in-static': 4 });
    await expect(runConformanceCase({ ...tapeEngine(), ref: 'x.ref' } as never, 'seed')).rejects.toThrow(/engine\.ref, when given, must be a function/);
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
      working.invoke(
        sabotage(call, {
          rrule: (cfg, values) => {
            const result = call.rrule(cfg, values);
            if (result === undefined) return undefined;
            const [y, pullback] = result;
            return [y, (dy) => pullback(dy).map((ct, k) => (call.leaves[k]!.arg !== undefined ? ct : ZeroTangent))];
          },
        }),
      ),
    );
    await expect(runConformanceCase(dropping, 'seed')).rejects.toThrow(/c̄: got \[0\], expected \[6\]/);
    await expect(runConformanceCase(dropping, 'nested-options')).rejects.toThrow(/prior\.mū: got \[0\]/);
    await expect(runConformanceCase(dropping, 'second-mixed-partials')).rejects.toThrow(/∂x∂w/);
    await expect(runConformanceCase(dropping, 'aliasing')).rejects.toThrow(/got \[8\], expected \[12\]/);
  });

  it("fails an adapter that lets an engine array into a static option (no 'differentiable-in-static')", async () => {
    const lax = broken('tape-lax-static', (working, call) => working.invoke(sabotage(call, { staticOptions: [], guardStatic: () => {} })));
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

  it("fails forward mode that leaves tangents to the engine's own AD: all of them (the frule's ẏ discarded), the options', or the nested options'", async () => {
    const cases = [
      ['tape-native-tangents', () => true, '10, 4.5, 2'],
      ['tape-native-option-tangents', (slot: string) => slot.startsWith('kwargs.'), '4, 2.5, 6'],
      ['tape-native-nested-tangents', (slot: string) => slot.split('.').length > 2, '2, 0, 3'],
    ] as const;
    for (const [name, nativeTangent, got] of cases) {
      const engine = variant(name, { nativeTangent });
      await expect(runConformanceCase(engine, 'forward-zero-tangents'), name).rejects.toThrow(`got [${got}], expected [1, -1, 2]`);
      for (const id of ['forward-seed', 'forward-options']) await expect(runConformanceCase(engine, id), `${name}: ${id}`).resolves.toBe('passed');
    }
  });

  it('fails an adapter that scales the cotangent by ȳ twice, or runs the pullback on ȳ²', async () => {
    const twice = variant('tape-scales-twice', { pullback: (pullback, dy) => pullback(dy).map((slot) => scale(dy, slot)) });
    const squared = variant('tape-pullback-of-square', { pullback: (pullback, dy) => pullback(T.multiply(dy, dy)) });
    for (const engine of [twice, squared]) {
      await expect(runConformanceCase(engine, 'seed')).resolves.toBe('passed');
      await expect(runConformanceCase(engine, 'vectors')).rejects.toThrow(/Σ w·foo.*ā: got \[2, -20, 108\], expected \[2, 10, 36\]/);
    }
  });

  it('fails an adapter that un-broadcasts only the options’ cotangents, not the positional arguments’', async () => {
    const engine = variant('tape-positional-unbroadcast', { unbroadcast: (g, shape, slot, fit) => (slot.startsWith('args') ? g : fit(g, shape)) });
    await expect(runConformanceCase(engine, 'vectors')).resolves.toBe('passed');
    await expect(runConformanceCase(engine, 'broadcasting')).rejects.toThrow(/foo\(a: scalar, .*ā: shape/);
  });

  it('fails an adapter that un-broadcasts by summing every element (right for a scalar, wrong for [2, 1] or [3] against [2, 3])', async () => {
    const sameShape = (g: Traced, shape: readonly number[]) => g.value.shape.join() === shape.join();
    const engine = variant('tape-sums-all', { unbroadcast: (g, shape) => (sameShape(g, shape) ? g : T.broadcastTo(T.sum(g), shape)) });
    await expect(runConformanceCase(engine, 'zero-cotangents')).resolves.toBe('passed');
    await expect(runConformanceCase(engine, 'broadcasting')).rejects.toThrow(/c̄: got \[18, 18\], expected \[6, 12\]/);
  });

  it('fails an adapter that pairs option leaves in the caller’s key order instead of the schema’s', async () => {
    const engine = broken('tape-caller-key-order', (working, call) => working.invoke(sabotage(call, { leaves: inCallerOrder(call) })));
    await expect(runConformanceCase(engine, 'seed')).resolves.toBe('passed');
    await expect(runConformanceCase(engine, 'nested-options')).rejects.toThrow(/all leaves: x̄: got \[0\], expected \[18\]/);
  });

  it('fails an adapter that runs the rule only when a positional argument is tracked (a tracked option alone gets native AD)', async () => {
    const engine = broken('tape-tracks-args-only', (working, call) => (call.args.some(tracked) ? working.invoke(call) : call.primal()));
    await expect(runConformanceCase(engine, 'seed')).resolves.toBe('passed');
    await expect(runConformanceCase(engine, 'seed-defaults')).rejects.toThrow(/the only tracked value is an option: counters of 'foo' are \{ impl: 1/);
    await expect(runConformanceCase(engine, 'forward-seed')).rejects.toThrow(/the only tracked value is an option: counters of 'foo' are \{ impl: 1/);
  });

  it('fails an adapter whose static-option guard looks at the option itself, not inside records and lists', async () => {
    const shallow = broken('tape-shallow-static', (working, call) => {
      for (const leaf of call.staticOptions) {
        if (adapterOf(leaf.value) !== undefined) throw new RuleError('differentiable-in-static', { rule: call.name, slot: ['kwargs', ...leaf.path].join('.'), message: 'an engine array in a static option.' });
      }
      return working.invoke(sabotage(call, { staticOptions: [], guardStatic: () => {} }));
    });
    await expect(runConformanceCase(shallow, 'differentiable-in-static')).rejects.toThrow(/mode: \{ k: x \} \}\) under grads: expected an error/);
    await expect(runConformanceCase(shallow, 'forward-differentiable-in-static')).rejects.toThrow(/mode: \{ k: x \} \}\): expected an error/);
  });

  it('fails an adapter with a zero shortcut that hands zero cotangents over as they come, of the output’s shape', async () => {
    const engine = variant('tape-zero-shortcut', { unbroadcast: (g, shape, _slot, fit) => (allZero(g) ? g : fit(g, shape)) });
    await expect(runConformanceCase(engine, 'vectors')).resolves.toBe('passed');
    await expect(runConformanceCase(engine, 'zero-output')).rejects.toThrow(/c̄: shape/);
  });

  it('fails an adapter that still says it is differentiating after a rule threw', async () => {
    // Its own recording depth, raised around each transform and not lowered when one throws.
    const stuck = (): ConformanceEngine<Traced> => {
      let depth = 0;
      const working = tapeAdapter('tape-stuck');
      const engine = tapeEngine({ ...working, isDifferentiating: () => depth > 0 || working.isDifferentiating!() });
      const raise = <R>(run: () => R): R => {
        depth++;
        const out = run();
        depth--;
        return out;
      };
      return { ...engine, grads: (f) => (...xs) => raise(() => engine.grads(f)(...xs)), jvp: (f, p, t) => raise(() => engine.jvp(f, p, t)) };
    };
    await expect(runConformanceCase(stuck(), 'seed')).resolves.toBe('passed');
    for (const [id, after] of [['pullback-throws', 'a throwing pullback'], ['rrule-throws', 'a throwing rrule'], ['invalid-options', 'invalid options'], ['frule-throws', 'a throwing frule']]) {
      await expect(runConformanceCase(stuck(), id!), id).rejects.toThrow(`after ${after}: the adapter still says it is differentiating`);
    }
  });

  it('fails an adapter that falls back to the plain function when its rrule throws (invalid options never reach it: core refuses them first)', async () => {
    // Its static-option guard and its forward mode still throw; only the reverse-mode rule call is wrapped.
    const swallowing = broken('tape-swallows-errors', (working, call) => {
      if (tapeState.forward) return working.invoke(call);
      try {
        return working.invoke(call);
      } catch (error) {
        if (isRuleError(error) && error.code === 'differentiable-in-static') throw error;
        return call.primal();
      }
    });
    for (const id of ['pullback-throws', 'differentiable-in-static', 'frule-throws']) await expect(runConformanceCase(swallowing, id), id).resolves.toBe('passed');
    await expect(runConformanceCase(swallowing, 'rrule-throws')).rejects.toThrow(/through a throwing rrule: expected an error/);
    await expect(runConformanceCase(swallowing, 'invalid-options')).resolves.toBe('passed');
  });

  it('fails an adapter that runs the pullback at ones and multiplies by ȳ (right for elementwise rules only)', async () => {
    const engine = variant('tape-pullback-at-ones', { pullback: (pullback, dy) => pullback(T.onesLike(dy)).map((slot) => scale(dy, slot)) });
    await expect(runConformanceCase(engine, 'vectors')).resolves.toBe('passed');
    await expect(runConformanceCase(engine, 'non-elementwise')).rejects.toThrow(/Σ w·center\(x\).*got \[0, 0, 0\]/);
  });

  it('fails an adapter that runs the plain function of an opted-out method without its `this`', async () => {
    const values = (call: RuleCall) => call.leaves.map((leaf) => leaf.value);
    const engine = broken('tape-loses-this', (working, call) =>
      working.invoke(sabotage(call, { primal: () => ruleCallOf(call.fn, ...call.rebuild(values(call))).primal() })),
    );
    await expect(runConformanceCase(engine, 'opt-out')).resolves.toBe('passed');
    await expect(runConformanceCase(engine, 'method-this')).rejects.toThrow(/reading 'k'/);
    await expect(runConformanceCase(engine, 'forward-opt-out')).rejects.toThrow(/reading 'k'/);
  });

  it('fails an adapter that hands a rule with several outputs an array of zeros for an output the loss does not use', async () => {
    const engine = variant('tape-materialised-zeros', { outputCotangent: (working, out) => (working === undefined && out instanceof Traced ? T.zerosLike(out) : working) });
    await expect(runConformanceCase(engine, 'record-argument')).resolves.toBe('passed');
    await expect(runConformanceCase(engine, 'tuple-output')).rejects.toThrow(/Σ y\[1\] alone: the cotangent the pullback of 'pair' got/);
    await expect(runConformanceCase(engine, 'record-output')).rejects.toThrow(/3·value alone: the cotangent the pullback of 'stats' got/);
  });

  it('fails an adapter that gives an output with no derivative (a boolean array, a count) ZeroTangent instead of NoTangent', async () => {
    const engine = variant('tape-zero-for-static', { outputCotangent: (working) => (working === NoTangent ? ZeroTangent : working) });
    await expect(runConformanceCase(engine, 'tuple-output')).resolves.toBe('passed');
    await expect(runConformanceCase(engine, 'static-outputs')).rejects.toThrow(/the cotangent the pullback of 'counted' got/);
  });

  it("fails an adapter that reads the cotangent of every leaf (a record field the engine does not differentiate too), or that reads a missing field as zero", async () => {
    const eager = variant('tape-reads-every-leaf', { readCotangent: (read, _k, differentiated) => (read(), differentiated ? read() : undefined) });
    await expect(runConformanceCase(eager, 'record-argument')).resolves.toBe('passed');
    await expect(runConformanceCase(eager, 'missing-field')).rejects.toThrow(/missing-tangent|b a plain number/);
    const lenient = variant('tape-missing-as-zero', {
      readCotangent: (read, _k, differentiated) => {
        if (!differentiated) return undefined;
        try {
          return read();
        } catch (error) {
          if (isRuleError(error) && error.code === 'missing-tangent') return undefined;
          throw error;
        }
      },
    });
    await expect(runConformanceCase(lenient, 'record-argument')).resolves.toBe('passed');
    await expect(runConformanceCase(lenient, 'missing-field')).rejects.toThrow(/leaves b out: expected an error, but none was thrown/);
  });

  it('accepts the rrule run twice with one pullback (recompute), which the recompute variant indeed does', () => {
    const engine = tapeEngine(tapeAdapter('tape-recompute-counted', true, { recompute: true }));
    const uninstall = installAdapter(engine.adapter);
    try {
      const { foo, counts, reset } = suiteRules();
      reset();
      const g = engine.grads((a, b, c) => foo(a, b, { c }))(...[2, 3, 3].map((v) => engine.array(v)));
      expect(g.map((x) => engine.read(x).data[0])).toEqual([9, 6, 6]);
      expect(counts.foo).toEqual({ impl: 0, rrule: 2, pullback: 1, frule: 0 });
    } finally {
      uninstall();
    }
  });

  it('disposes every array it makes or receives (the tape engine counts them): an engine without dispose fails its own check', async () => {
    const { dispose: _dispose, ...noDispose } = tapeEngine(tapeAdapter('tape-no-dispose'));
    await expect(runConformanceCase(noDispose, 'capabilities')).rejects.toThrow(/the tape engine leaked: .*, 2 arrays not disposed/);
    await expect(runConformanceCase(noDispose, 'vectors')).rejects.toThrow(/arrays not disposed/);
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
    expect(skips({ cannot: ['second-order'] })).toEqual({
      'second-xp-pullback': 'second-order',
      'second-mixed-partials': 'second-order',
      'second-self-pullback': 'second-order',
      'third-order': 'second-order',
      'second-multi-output': 'second-order',
    });
    await expect(runConformanceCase(reverseOnly, 'forward-seed', { cannot: ['forward'] })).resolves.toBe('skipped');
    await expect(runConformanceCase(tapeEngine(), 'no-such-case')).rejects.toThrow(/no case 'no-such-case'; cases: capabilities, primal, seed/);
  });
});
