import { basicCases } from './basics';
import type { ConformanceCase } from './context';
import { forwardCases } from './forward';
import { higherOrderCases } from './higherOrder';
import { reverseCases } from './reverse';
import { reverseEdgeCases } from './reverseEdges';
import { strictCases } from './strict';

/** Every case of the adapter conformance suite, in the order the suite describes them. */
export const conformanceCases: readonly ConformanceCase[] = [
  ...basicCases,
  ...reverseCases,
  ...reverseEdgeCases,
  ...strictCases.filter((c) => c.group === 'reverse mode'),
  ...forwardCases,
  ...strictCases.filter((c) => c.group === 'forward mode'),
  ...higherOrderCases,
];
