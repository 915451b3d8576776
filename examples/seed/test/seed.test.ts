import { describe, expect, it } from 'vitest';
import { NoTangent } from '@chainrules/core';
import type { Tangent } from '@chainrules/core';
import { runSeed } from '../src/run';

describe('the seed demo', () => {
  it('prints the rule’s outputs, kwargs tangent included', () => {
    const lines: string[] = [];
    const results = runSeed((line) => lines.push(line));
    expect(results.y).toBe(18);
    expect(results.slots[0]).toBe(NoTangent);
    expect((results.slots[1] as Tangent).backing).toEqual({ c: 6 });
    expect(results.slots.slice(2)).toEqual([NoTangent, 9, 6]);
    expect(results.yDefault).toBe(252);
    expect(results.slotsDefault).toEqual([NoTangent, NoTangent, NoTangent, 126, 84]);
    expect(results.dy).toBe(6);
    expect(results.counts).toEqual({ rrule: 2, pullback: 2, frule: 1 });
    const text = lines.join('\n');
    expect(text).toContain('pullback(1) = [ NoTangent, Tangent { c: 6 }, NoTangent, 9, 6 ]');
    expect(text).toContain('pullback(1) = [ NoTangent, NoTangent, NoTangent, 126, 84 ]');
    expect(text).toContain('ẏ           = 6');
  });
});
