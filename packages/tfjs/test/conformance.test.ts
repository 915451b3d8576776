// The union package: TF.js's backends and its kernels' gradients, which tfjs-core alone lacks.
import '@tensorflow/tfjs';
import { describeAdapterConformance } from '@chainrules/testing/conformance';
import { limitsOf } from './backends/limits';
import { BACKEND } from './support/backend';
import { tfjsEngine } from '../src/testing';

// TF.js has no forward mode; everything else (second and third order included) must pass, on
// every backend (cpu and wasm in Node; webgl, webgpu and wasm in Chromium).
const { cannot, rtol, atol } = limitsOf(BACKEND).conformance;
describeAdapterConformance(tfjsEngine, { cannot: cannot.map((c) => c.key), rtol, atol });
