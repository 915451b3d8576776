/**
 * `npm run bench -w @chainrules/rules` (part): the rules on TF.js's and jax-js's wasm backends in
 * Node — the backend to use in Node (see bench/backends.ts for what is compared).
 */
import * as tf from '@tensorflow/tfjs';
import { installAdapter } from '@chainrules/core';
import { jaxAdapter } from '@chainrules/jax';
import { tfjsAdapter } from '@chainrules/tfjs';
import { selectJaxDevice } from '../../../tools/backends/jax';
import { selectTfjsBackend } from '../../../tools/backends/tfjs';
import { compare, report } from '../../../tools/measure';
import { benchBackend } from './backends';

tf.enableProdMode();
await selectTfjsBackend('wasm');
await selectJaxDevice('wasm');
installAdapter(tfjsAdapter);
installAdapter(jaxAdapter);
console.log(`@chainrules/rules on the wasm backends — Node ${process.version}, TF.js ${tf.version.tfjs}, ${new Date().toISOString()}`);
benchBackend({ backend: 'wasm', where: 'Node', jax: true, compare, report });
