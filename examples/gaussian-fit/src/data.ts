/** The parameters of a Gaussian `amplitude · exp(−(x − pos)² / (2σ²))`. */
export interface GaussianParams {
  readonly amplitude: number;
  readonly pos: number;
  readonly sigma: number;
}

/** Noisy samples of a Gaussian: what the fit sees. */
export interface Data {
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly truth: GaussianParams;
  readonly noise: number;
  readonly seed: number;
}

/** The parameters the data are drawn from, and where every fit starts. */
export const truth: GaussianParams = { amplitude: 2.5, pos: 0.7, sigma: 1.3 };
export const start: GaussianParams = { amplitude: 1, pos: -1, sigma: 2.5 };

/** A small seeded generator (mulberry32): the same data on every machine. */
function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The Gaussian at `x`, in float64. */
export function gaussianAt(x: number, { amplitude, pos, sigma }: GaussianParams): number {
  return amplitude * Math.exp(-((x - pos) ** 2) / (2 * sigma ** 2));
}

/** `n` evenly spaced points on [−5, 5] with Gaussian noise of standard deviation `noise` (Box–Muller). */
export function makeData({ n = 200, noise = 0.1, seed = 7 }: { n?: number; noise?: number; seed?: number } = {}): Data {
  const next = uniform(seed);
  const x = Array.from({ length: n }, (_, i) => -5 + (10 * i) / (n - 1));
  const y = x.map((xi) => {
    const r = Math.sqrt(-2 * Math.log(1 - next()));
    return gaussianAt(xi, truth) + noise * r * Math.cos(2 * Math.PI * next());
  });
  return { x, y, truth, noise, seed };
}
