import { expect } from 'vitest';
import { adapterOf, isRuleConfig, namespaceOf } from '@chainrules/core';
import type { ConformanceCase } from './context';

/** Cases every adapter runs, whatever its engine can do. */
export const basicCases: readonly ConformanceCase[] = [
  {
    id: 'capabilities',
    group: 'basics',
    title: 'owns its arrays, offers its namespace, and declares what the engine can do',
    needs: [],
    run(t) {
      const { adapter } = t.engine;
      const x = t.arr(1.5);
      expect(adapter.owns(x), 'owns(array(1.5))').toBe(true);
      for (const other of [1, 'text', {}, [1], null, undefined]) expect(adapter.owns(other), `owns(${JSON.stringify(other)})`).toBe(false);
      expect(adapterOf(x), 'adapterOf(an engine array) is the installed adapter').toBe(adapter);
      expect(namespaceOf(x, 2), 'namespaceOf(an engine array, 2) is the adapter’s xp').toBe(adapter.xp);
      expect(isRuleConfig(adapter.config), 'config is made by ruleConfig(…)').toBe(true);
      expect(adapter.config.engine, 'config.engine is the adapter’s name').toBe(adapter.name);
      expect(adapter.config.canReverse, 'config.canReverse agrees with options.cannot').toBe(!t.cannot.has('reverse'));
      expect(adapter.config.canForward, 'config.canForward agrees with options.cannot').toBe(!t.cannot.has('forward'));
      if (t.cannot.has('forward')) expect(t.engine.jvp, 'an engine that cannot run forward mode has no jvp hook').toBeUndefined();
      if (t.cannot.has('reverse')) expect(t.engine.grads, 'an engine that cannot run reverse mode has no grads hook').toBeUndefined();
      if (adapter.isDifferentiating !== undefined) expect(adapter.isDifferentiating(), 'isDifferentiating() while idle').toBe(false);
      t.expectValues(x, 1.5, 'read(array(1.5))');
      t.expectValues(t.arr([1.5, -2, 3]), [1.5, -2, 3], 'read(array([1.5, -2, 3]))');
    },
  },
  {
    id: 'primal',
    group: 'basics',
    title: 'outside any differentiation the plain function runs and no rule is called',
    needs: [],
    run(t) {
      const { foo, mix, tagged } = t.rules;
      // The suite keeps its arrays (it disposes them at the end): a rule-aware call gets one more reference.
      const lent = (value: number | number[]) => t.ref(t.arr(value));
      t.expectValues(foo(lent(2), lent(3), { c: lent(3) }), 18, 'foo(2, 3, { c: 3 }) on engine arrays');
      t.expectValues(foo(lent([1, 2]), lent([3, 4])), [126, 336], 'foo([1, 2], [3, 4]) with the default c = 42');
      expect(foo(2, 3, { c: 3 }), 'foo(2, 3, { c: 3 }) on plain numbers').toBe(18);
      t.expectCounts('foo', { impl: 3, rrule: 0, pullback: 0, frule: 0 }, 'foo outside differentiation');
      t.expectValues(mix(lent(2), lent(3), { c: lent(3), mode: 'sum' }), 15, "mix(2, 3, { c: 3, mode: 'sum' })");
      t.expectCounts('mix', { impl: 1, rrule: 0, pullback: 0, frule: 0 }, 'mix outside differentiation');
      t.expectValues(tagged(lent(1.5), { mode: lent(7) }), 3, 'tagged(1.5, { mode: an engine array }): a static option holds any value outside differentiation');
      t.expectCounts('tagged', { impl: 1, rrule: 0, pullback: 0, frule: 0 }, 'tagged outside differentiation');
    },
  },
];
