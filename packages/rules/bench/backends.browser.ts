/**
 * The page scripts/bench-browser.mjs opens in Chromium, once per backend (`?backend=webgl`):
 * the comparisons of bench/backends.ts timed with `performance.now`, handed to the script
 * through the functions it exposes (`benchRecord`, `benchDone`).
 */
import * as tf from '@tensorflow/tfjs';
import { installAdapter } from '@chainrules/core';
import { jaxAdapter } from '@chainrules/jax';
import { tfjsAdapter } from '@chainrules/tfjs';
import { selectJaxDevice } from '../../../tools/backends/jax';
import { selectTfjsBackend } from '../../../tools/backends/tfjs';
import { compare, tabulate } from '../../../tools/compare';
import type { Record } from '../../../tools/compare';
import { benchBackend } from './backends';

interface Page {
  benchRecord(record: Record, lines: string[]): Promise<void>;
  benchDone(error: string | null): Promise<void>;
}
const page = globalThis as unknown as Page;
const backend = new URLSearchParams((globalThis as unknown as { location: { search: string } }).location.search).get('backend') ?? 'webgl';

try {
  tf.enableProdMode();
  await selectTfjsBackend(backend);
  const jax = await selectJaxDevice(backend).then(
    () => true,
    () => false,
  );
  installAdapter(tfjsAdapter);
  installAdapter(jaxAdapter);
  const pending: Promise<void>[] = [];
  benchBackend({
    backend,
    where: 'Chromium',
    jax,
    compare: (candidates, options) => compare(candidates, options),
    report: (title, rows, goals) => {
      const table = tabulate(title, rows, goals);
      pending.push(page.benchRecord(table.record, table.lines));
    },
  });
  await Promise.all(pending);
  await page.benchDone(null);
} catch (error) {
  await page.benchDone(error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error));
}
