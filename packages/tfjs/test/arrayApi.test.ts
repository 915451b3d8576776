import '@tensorflow/tfjs';
import { describeArrayApiConformance } from '@chainrules/testing/conformance';
import { tfjsApi } from '../src/index';
import { limitsOf } from './backends/limits';
import { BACKEND } from './support/backend';
import { read } from './support/engine';

const { cannot, rtol, atol } = limitsOf(BACKEND).arrayApi;
describeArrayApiConformance(`tfjs (${BACKEND})`, tfjsApi, { read, rtol, atol, cannot: cannot.map((c) => c.key) });
