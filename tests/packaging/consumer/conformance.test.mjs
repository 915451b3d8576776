// A consumer's own vitest run of the ArrayApi conformance suite, from the installed package.
import { f64Api, toNumbers } from '@chainrules/testing';
import { describeArrayApiConformance } from '@chainrules/testing/conformance';

describeArrayApiConformance('f64Api', f64Api, { read: (x) => ({ shape: x.shape, data: toNumbers(x) }) });
