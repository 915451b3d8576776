export { describeArrayApiConformance } from './conformance/arrayApi';
export type { ArrayApiConformanceOptions } from './conformance/arrayApi';
export { describeAdapterConformance } from './conformance/adapter';
export type { AdapterConformanceOptions } from './conformance/adapter';
export type { ArrayTree, ConformanceCapability, ConformanceEngine } from './conformance/engine';
