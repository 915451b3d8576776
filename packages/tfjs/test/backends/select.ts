// Selects the TF.js backend a project names (`provide: { backend }`) before any test file runs.
import { selectTfjsBackend } from '../../../../tools/backends/tfjs';
import { BACKEND } from '../support/backend';

await selectTfjsBackend(BACKEND);
