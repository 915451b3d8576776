// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient declaration file: a reference is how the backends' asset module types reach this file
/// <reference path="./assets.d.ts" />
/*
 * Selects a TF.js backend for a test run: cpu (Node's default), wasm (in Node and in Chromium),
 * webgl and webgpu (Chromium). Shared by the packages' backend suites.
 */
import * as tf from '@tensorflow/tfjs';

const inBrowser = typeof (globalThis as { window?: unknown }).window !== 'undefined';

/** Makes `backend` TF.js's backend, or throws; on webgl and webgpu, small tensors too run on the GPU. */
export async function selectTfjsBackend(backend: string): Promise<void> {
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (inBrowser) {
      // In a page the .wasm files are fetched by URL: Vite serves them from the package.
      const [plain, simd, threaded] = await Promise.all([
        import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'),
        import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'),
        import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'),
      ]);
      wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': plain.default, 'tfjs-backend-wasm-simd.wasm': simd.default, 'tfjs-backend-wasm-threaded-simd.wasm': threaded.default });
    }
  }
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  // webgl and webgpu run ops on small tensors on the CPU unless told not to: test arrays are
  // small, and they are there to test the GPU's kernels.
  if (backend === 'webgl') tf.env().set('WEBGL_CPU_FORWARD', false);
  if (backend === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js could not start its ${backend} backend here`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`TF.js runs on ${tf.getBackend()}, not ${backend}`);
}
