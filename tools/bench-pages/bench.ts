/**
 * Bench harness page: window.bench.call(fn, ...args) runs one measurement in a FRESH module
 * worker (tools/bench-pages/bench-worker.ts) and terminates it, so backends and env workers
 * never carry over between measurements.
 */
import * as Comlink from 'comlink';
import type { BenchWorkerApi } from './bench-worker';

async function within(ms: number, fn: keyof BenchWorkerApi, ...args: unknown[]): Promise<unknown> {
  const w = new Worker(new URL('./bench-worker.ts', import.meta.url), { type: 'module', name: 'bench' });
  const api = Comlink.wrap<BenchWorkerApi>(w);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const limit = new Promise<never>((_, reject) => {
      // The worker is killed, so a measurement that overruns never blocks the next one.
      timer = setTimeout(() => reject(new Error(`${String(fn)} did not finish within ${ms / 1000} s`)), ms);
    });
    return await Promise.race([(api[fn] as unknown as (...a: unknown[]) => Promise<unknown>)(...args), limit]);
  } finally {
    clearTimeout(timer);
    w.terminate();
  }
}

const call = (fn: keyof BenchWorkerApi, ...args: unknown[]) => within(600_000, fn, ...args);

(globalThis as unknown as { bench: { call: typeof call; within: typeof within } }).bench = { call, within };
document.getElementById('status')!.textContent = 'ready';
