import { basicCases } from './basics';
import type { ConformanceCase } from './context';
import { forwardCases } from './forward';
import { higherOrderCases } from './higherOrder';
import { reverseCases } from './reverse';
import { reverseEdgeCases } from './reverseEdges';

/** Every case of the adapter conformance suite, in the order the suite describes them. */
export const conformanceCases: readonly ConformanceCase[] = [...basicCases, ...reverseCases, ...reverseEdgeCases, ...forwardCases, ...higherOrderCases];
