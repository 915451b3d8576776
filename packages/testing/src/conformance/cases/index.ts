import { basicCases } from './basics';
import type { ConformanceCase } from './context';
import { engineCheckCases } from './engineCheck';
import { forwardCases } from './forward';
import { higherOrderCases } from './higherOrder';
import { reverseCases } from './reverse';
import { reverseEdgeCases } from './reverseEdges';
import { strictCases } from './strict';
import { structureCases } from './structure';

const inGroup = (cases: readonly ConformanceCase[], group: ConformanceCase['group']): ConformanceCase[] => cases.filter((c) => c.group === group);

/** Every case of the adapter conformance suite, in the order the suite describes them. */
export const conformanceCases: readonly ConformanceCase[] = [
  ...basicCases,
  ...reverseCases,
  ...reverseEdgeCases,
  ...inGroup(strictCases, 'reverse mode'),
  ...inGroup(structureCases, 'reverse mode'),
  ...inGroup(engineCheckCases, 'reverse mode'),
  ...forwardCases,
  ...inGroup(strictCases, 'forward mode'),
  ...inGroup(structureCases, 'forward mode'),
  ...inGroup(engineCheckCases, 'forward mode'),
  ...higherOrderCases,
  ...inGroup(structureCases, 'second order'),
];
