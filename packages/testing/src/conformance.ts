export { describeArrayApiConformance } from './conformance/arrayApi';
export type { ArrayApiConformanceOptions } from './conformance/arrayApi';
export { describeAdapterConformance } from './conformance/adapter';
export type { AdapterConformanceOptions, ConformanceCapability, ConformanceEngine } from './conformance/adapter';
