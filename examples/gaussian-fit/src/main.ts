import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { jaxEngine } from './jaxEngine';
import { runDemo } from './run';
import { NODE_BACKENDS, tfjsEngine, useTfjsBackend } from './tfjsEngine';

// `--backend wasm` runs TF.js on its WebAssembly backend (the fast one in Node); the default is
// its pure-JS CPU backend. Quiets TF.js's suggestion to install its native Node backend: no
// native binary is downloaded here.
const { values } = parseArgs({ options: { backend: { type: 'string', default: 'cpu' } } });
if (!(NODE_BACKENDS as readonly string[]).includes(values.backend)) {
  console.error(`--backend must be one of ${NODE_BACKENDS.join(', ')}, not ${values.backend}`);
  process.exit(2);
}
tf.enableProdMode();
const backend = await useTfjsBackend(values.backend);
await jaxEngine.init();
console.log(`TF.js runs on its ${backend} backend${backend === 'wasm' ? '' : ' (--backend wasm is faster)'}; jax-js on its wasm backend.\n`);
runDemo({
  engines: [{ ...tfjsEngine, name: `TF.js (${backend})` }, { ...jaxEngine, name: 'jax-js (wasm)' }],
  svgPath: fileURLToPath(new URL('../out/fit.svg', import.meta.url)),
  live: process.stdout.isTTY === true,
});
