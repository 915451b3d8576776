import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { jaxEngine } from './jaxEngine';
import { runDemo } from './run';
import { tfjsEngine } from './tfjsEngine';

// Quiets TF.js's suggestion to install its native Node backend: the demo uses the pure-JS CPU
// backend on purpose (no native binary to download).
tf.enableProdMode();
await jaxEngine.init();
runDemo({
  engines: [tfjsEngine, jaxEngine],
  svgPath: fileURLToPath(new URL('../out/fit.svg', import.meta.url)),
  live: process.stdout.isTTY === true,
});
