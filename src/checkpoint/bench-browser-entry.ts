/** Page side of bench-browser.ts: the same measurement as bench.ts, against Chromium's real IndexedDB. */
import * as tf from '@tensorflow/tfjs';
import { DQNAgent } from '../agent/agent';
import { makeConfig } from '../agent/config';
import { Rng } from '../agent/rng';
import { CueEnv } from '../agent/toyenv';
import { exportCheckpoint, importCheckpoint } from './container';
import { restoreAgent, saveAgent } from './restore';
import { CheckpointStore } from './store';

async function bench(N: number, partBytes?: number): Promise<string[]> {
  const log: string[] = [];
  const push = log.push.bind(log);
  log.push = (...xs: string[]) => { for (const x of xs) console.log(x); return push(...xs); };
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  await tf.setBackend('cpu');
  const cfg = makeConfig({ num_envs: 1, network: 'nature', learning_starts: 1_000_000 });
  const mk = () => new DQNAgent(cfg, new CueEnv({ numEnvs: 1, numActions: 6, frameHeight: 84, frameWidth: 84 }), { capacity: N + 16 });
  const A = mk();
  const rng = new Rng(1);
  const frame = new Uint8Array(84 * 84);
  const fill = () => { for (let i = 0; i < frame.length; i += 4) { const r = rng.nextU32(); frame[i] = r; frame[i + 1] = r >>> 8; frame[i + 2] = r >>> 16; frame[i + 3] = r >>> 24; } };
  fill();
  A.buffer.startEpisodes(frame);
  const act = new Int32Array(1), rew = new Float32Array(1), term = new Uint8Array(1), trunc = new Uint8Array(1);
  for (let i = 0; i < N; i++) {
    fill();
    act[0] = i % 6; rew[0] = i % 7 === 0 ? 1 : 0; term[0] = i % 1000 === 999 ? 1 : 0;
    A.buffer.addVectorStep(act, rew, term, trunc, frame, frame);
  }
  A.globalStep = N;
  A.vectorSteps = N;
  const persisted = await CheckpointStore.requestPersistence();
  const store = await CheckpointStore.open({ dbName: `bench-${Date.now()}`, partBytes });
  log.push(`part size ${mb(store.partBytes)}`);
  { const b = new Uint8Array(64 * 2 ** 20); const t = performance.now(); await crypto.subtle.digest('SHA-256', b); log.push(`SHA-256 speed: ${(64 / ((performance.now() - t) / 1000)).toFixed(0)} MiB/s`); }
  const base = { gameMd5: 'f'.repeat(32), gameName: 'bench', env: {}, mode: { numEnvs: 1, numWorkers: 1 } };
  const run = await store.createRun({ ...base, agent: cfg });
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
