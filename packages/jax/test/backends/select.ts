// Selects the jax-js device a project names (`provide: { backend }`) before any test file runs.
import { selectJaxDevice } from '../../../../tools/backends/jax';
import { BACKEND } from '../support/backend';

await selectJaxDevice(BACKEND);
