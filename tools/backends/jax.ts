/*
 * Selects a jax-js device for a test run (wasm, jax-js's default, in Node and in Chromium; webgl
 * and webgpu in Chromium), counting the device's allocations from the start (jaxAccounting.ts).
 * Shared by the packages' backend suites.
 */
import type { Device } from '@jax-js/jax';
import { watchAllocations } from './jaxAccounting';

/** Initialises `device` and makes it jax-js's default device, or throws. */
export async function selectJaxDevice(device: string): Promise<void> {
  watchAllocations();
  const { defaultDevice, init } = await import('@jax-js/jax');
  const devices = await init(device as Device);
  if (!devices.includes(device as Device)) throw new Error(`jax-js could not start its ${device} device here (it has ${devices.join(', ')})`);
  defaultDevice(device as Device);
}
