export { foo } from './fixtures/seed';
export type { FixtureValue, FooOptions } from './fixtures/seed';
export { countRuns, fixtureRuns } from './fixtures/runs';
export type { FixtureRuns, RunCounter } from './fixtures/runs';
