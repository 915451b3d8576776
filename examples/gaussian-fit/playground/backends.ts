/*
 * The engines and backends this browser offers the fit: TF.js on cpu, webgl, webgpu and wasm,
 * jax-js on wasm, webgpu and webgl (its cpu device is an interpreter for debugging, too slow
 * for a fit). A backend is offered when the engine starts on it here.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import type { Device } from '@jax-js/jax';
import { jaxEngine } from '../src/jaxEngine';
import { tfjsEngine } from '../src/tfjsEngine';
import type { Engine } from '../src/fit';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

// The wasm backend fetches its .wasm files by URL: Vite serves them from the package.
setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });

/** An engine and the backends it can run the fit on in this browser. */
export interface Offer {
  readonly engine: 'TF.js' | 'jax-js';
  readonly backends: readonly string[];
}

const TFJS_BACKENDS = ['webgl', 'webgpu', 'wasm', 'cpu'];
const JAX_DEVICES: readonly Device[] = ['webgpu', 'webgl', 'wasm'];

/** Starts each backend once and lists those that started. */
export async function offers(): Promise<Offer[]> {
  const tfjs: string[] = [];
  for (const name of TFJS_BACKENDS) {
    if (await tf.setBackend(name).catch(() => false)) tfjs.push(name);
  }
  const { init } = await import('@jax-js/jax');
  const started = await init(...JAX_DEVICES);
  return [
    { engine: 'TF.js', backends: tfjs },
    { engine: 'jax-js', backends: JAX_DEVICES.filter((d) => started.includes(d)) },
  ];
}

/** Makes `backend` the engine's backend and returns the engine, named with it. */
export async function engineOn(engine: Offer['engine'], backend: string): Promise<Engine> {
  if (engine === 'TF.js') {
    if (!(await tf.setBackend(backend))) throw new Error(`TF.js cannot run on ${backend} here`);
    await tf.ready();
    return { ...tfjsEngine, name: `TF.js (${tf.getBackend()})` };
  }
  await jaxEngine.init(backend as Device);
  return { ...jaxEngine, name: `jax-js (${backend})` };
}
