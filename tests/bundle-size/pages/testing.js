// A page that checks a rule with testRrule (the playground's rule editor does this).
import { testRrule } from '@chainrules/testing';
import { scaled } from './core.js';

export const checks = testRrule(scaled, [1.5], { kwargs: { c: 3 } }).checks;
