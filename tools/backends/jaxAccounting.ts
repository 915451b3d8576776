/*
 * The jax-js backends' own accounting, for leak checks in the browser (jax-js has no public
 * live-buffer counter; in Node, test/memory.test.ts reads the process's memory instead). Each
 * backend allocates one thing per array buffer, through a browser API that can be counted:
 * - webgl: one texture per buffer, deleted when its last reference goes: live textures count
 *   live buffers exactly;
 * - webgpu: one GPUBuffer per buffer, from a pool that keeps released buffers for reuse: after a
 *   warm-up, a loop that leaks nothing creates no more buffers than it destroys;
 * - wasm: one WebAssembly.Memory whose allocator reuses freed blocks: after a warm-up, a loop that
 *   leaks nothing does not grow it.
 * `watchAllocations()` must run before jax-js initialises the device (`selectJaxDevice` in jax.ts).
 */

let textures = 0;
let gpuBuffers = 0;
let heapBytes = 0;
let watching = false;

/** A browser API's prototype method, as patched here (DOM and WebGPU types are not in this package's compiler settings). */
type Method = (this: unknown, ...args: unknown[]) => unknown;
type Prototype = Record<string, Method>;

/** Wraps `proto[name]` so that `count(args)` runs before each call. */
function countCalls(proto: Prototype | undefined, name: string, count: (args: unknown[]) => void): void {
  if (proto === undefined) return;
  const original = proto[name]!;
  proto[name] = function (this: unknown, ...args: unknown[]) {
    count(args);
    return original.apply(this, args);
  };
}

/** The prototype of a global class by its dotted name (`'GPUDevice'`, `'WebAssembly.Memory'`), if this environment has it. */
const prototypeOf = (name: string): Prototype | undefined => {
  let value: unknown = globalThis;
  for (const key of name.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return (value as { prototype?: Prototype } | undefined)?.prototype;
};

/** Starts counting the allocations of every jax-js browser backend. Idempotent. */
export function watchAllocations(): void {
  if (watching) return;
  watching = true;
  countCalls(prototypeOf('WebGL2RenderingContext'), 'createTexture', () => textures++);
  countCalls(prototypeOf('WebGL2RenderingContext'), 'deleteTexture', ([texture]) => {
    if (texture !== null && texture !== undefined) textures--;
  });
  countCalls(prototypeOf('GPUDevice'), 'createBuffer', () => gpuBuffers++);
  countCalls(prototypeOf('GPUBuffer'), 'destroy', () => gpuBuffers--);
  countCalls(prototypeOf('WebAssembly.Memory'), 'grow', ([pages]) => {
    heapBytes += (pages as number) * 65_536;
  });
}

/** What the backend in use holds: textures (webgl), GPU buffers created and not destroyed (webgpu), or bytes the wasm heaps grew by (wasm). */
export function held(device: string): number {
  if (!watching) throw new Error('watchAllocations() was not called before jax-js initialised its backend');
  if (device === 'webgl') return textures;
  if (device === 'webgpu') return gpuBuffers;
  return heapBytes;
}
