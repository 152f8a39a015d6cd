/** Page side of bench-browser.ts: the same measurement as bench.ts, against Chromium's real IndexedDB. */
import * as tf from '@tensorflow/tfjs';
import { resolveRunConfig } from '../../src/run/config';
import { benchAgents, fillRandomReplay } from './bench-agent';
import { exportCheckpoint, importCheckpoint } from '../../src/checkpoint/container';
import { restoreAgent, saveAgent } from '../../src/checkpoint/restore';
import { CheckpointStore } from '../../src/checkpoint/store';

async function bench(N: number, partBytes?: number): Promise<string[]> {
  const log: string[] = [];
  const push = log.push.bind(log);
  log.push = (...xs: string[]) => { for (const x of xs) console.log(x); return push(...xs); };
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  await tf.setBackend('cpu');
  const { cfg, make: mk } = benchAgents(N);
  const A = mk();
  fillRandomReplay(A, N);
  const persisted = await CheckpointStore.requestPersistence();
  const store = await CheckpointStore.open({ dbName: `bench-${Date.now()}`, partBytes });
  log.push(`part size ${mb(store.partBytes)}`);
  { const b = new Uint8Array(64 * 2 ** 20); const t = performance.now(); await crypto.subtle.digest('SHA-256', b); log.push(`SHA-256 speed: ${(64 / ((performance.now() - t) / 1000)).toFixed(0)} MiB/s`); }
  const base = resolveRunConfig({ agent: cfg }, { md5: 'f'.repeat(32), name: 'bench' });
  const run = await store.createRun(base);
  let t0 = performance.now();
  const m = await saveAgent(store, run.runId, A, { run: base, frames: N * 4 });
  log.push(`chromium save (full): ${(performance.now() - t0).toFixed(0)} ms, ${mb(m.totalBytes)}`);
  t0 = performance.now();
  const fast = await saveAgent(store, run.runId, A, { run: base, frames: N * 4, includeReplay: false });
  log.push(`chromium save (fast path, no replay): ${(performance.now() - t0).toFixed(0)} ms, ${mb(fast.totalBytes)}`);
  const est = await store.estimate();
  log.push(`chromium storage estimate: usage ${mb(est.usage ?? 0)} of quota ${mb(est.quota ?? 0)}, persist() -> ${persisted}`);
  A.dispose();
  const B = mk();
  t0 = performance.now();
  await restoreAgent(store, m.id, B);
  log.push(`chromium load (restore, checksums verified): ${(performance.now() - t0).toFixed(0)} ms; rows ${B.buffer.size}`);
  B.dispose();
  const h = await exportCheckpoint(store, m.id);
  t0 = performance.now();
  const parts: Blob[] = [];
  let n = 0;
  await h.stream().pipeTo(new WritableStream({ write(c) { n += c.length; parts.push(new Blob([c as Uint8Array<ArrayBuffer>])); } }));
  log.push(`chromium export (stream -> Blob parts): ${(performance.now() - t0).toFixed(0)} ms, ${mb(n)}`);
  const file = new Blob(parts);
  parts.length = 0;
  await store.deleteRun(run.runId);
  log.push(`(deleted the saved run before importing: usage now ${mb((await store.estimate()).usage ?? 0)})`);
  const store2 = await CheckpointStore.open({ dbName: `bench2-${Date.now()}`, partBytes });
  t0 = performance.now();
  const imp = await importCheckpoint(store2, file);
  log.push(`chromium import (from Blob): ${(performance.now() - t0).toFixed(0)} ms`);
  await store2.deleteRun(imp.run.runId);
  store.close();
  store2.close();
  return log;
}

(globalThis as unknown as { runBench: typeof bench }).runBench = bench;
(globalThis as unknown as { benchReady: boolean }).benchReady = true;
