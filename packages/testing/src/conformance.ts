export { describeArrayApiConformance } from './conformance/arrayApi';
export type { ArrayApiConformanceOptions } from './conformance/arrayApi';
