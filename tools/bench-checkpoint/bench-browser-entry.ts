/**
 * Page side of bench-browser.ts (`npm run bench:checkpoint`): in Chromium against its real
 * IndexedDB, a 100k-transition replay of real Pong frames (the trace file the runner serves at
 * /trace.bin), saved, loaded and exported twice in the same run, uncompressed (store option
 * compress: false = the format before container version 2) and compressed. Before that, the
 * codec candidates on a sample of the same frames (codec-candidates.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { resolveRunConfig } from '../../src/run/config';
import { benchAgents, fillTraceReplay } from './bench-agent';
import { candidates, compareCodecs, sampleParts } from './codec-candidates';
import { parseTrace } from './trace-format';
import { exportCheckpoint, importCheckpoint } from '../../src/checkpoint/container';
import { restoreAgent, saveAgent } from '../../src/checkpoint/restore';
import { CheckpointStore, rawBytesOf } from '../../src/checkpoint/store';

interface Row { save: number; fast: number; load: number; exp: number; imp: number; stored: number; raw: number; file: number; parts: number }

async function bench(N: number, partBytes?: number, codecParts = 6): Promise<Row[]> {
  const log = (s: string) => console.log(s);
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  await tf.setBackend('cpu');
  const trace = parseTrace(new Uint8Array(await (await fetch('/trace.bin')).arrayBuffer()), N);
  if (codecParts > 0) {
    log(`codec candidates in Chromium on ${codecParts} parts (8 MiB) of real Pong frames:`);
    await compareCodecs(sampleParts(trace.frames, trace.frameBytes, codecParts), candidates(trace.frameBytes), log);
  }
  const { cfg, make: mk } = benchAgents(N);
  const A = mk();
  fillTraceReplay(A, trace);
  const persisted = await CheckpointStore.requestPersistence();
  const base = resolveRunConfig({ agent: cfg }, { md5: 'f'.repeat(32), name: 'bench' });
  const rows: Row[] = [];
  {
    // What a load pays before any decoding: the restore target is a fresh agent whose replay
    // memory the OS maps on first write (page faults), codec or not.
    const C = mk();
    const t = performance.now();
    let bytes = 0;
    for (const c of C.buffer.getState().frameChunks) { c.fill(1); bytes += c.length; }
    log(`first touch of a fresh agent's replay frames (${mb(bytes)}): ${(performance.now() - t).toFixed(0)} ms`);
    C.dispose();
  }
  for (const compress of [false, true]) {
    const what = compress ? 'compressed' : 'uncompressed';
    const store = await CheckpointStore.open({ dbName: `bench-${what}-${Date.now()}`, partBytes, compress });
    const run = await store.createRun(base);
    let t0 = performance.now();
    const m = await saveAgent(store, run.runId, A, { run: base, frames: N * 4 });
    const save = performance.now() - t0;
    const parts = m.arrays.reduce((s, a) => s + a.parts.length, 0);
    log(`${what}: save (full) ${save.toFixed(0)} ms, ${mb(m.totalBytes)} stored (${mb(rawBytesOf(m))} raw) in ${parts} blobs`);
    t0 = performance.now();
    const fast = await saveAgent(store, run.runId, A, { run: base, frames: N * 4, includeReplay: false });
    const fastMs = performance.now() - t0;
    log(`${what}: save (fast path, no replay) ${fastMs.toFixed(0)} ms, ${mb(fast.totalBytes)}`);
    await store.deleteCheckpoint(fast.id);
    const B = mk();
    t0 = performance.now();
    const r = await restoreAgent(store, m.id, B);
    const load = performance.now() - t0;
    // Spot check: the restored frames equal the saved agent's, except the one row the restore's
    // env reset (agent.start(), no env states here) wrote at the ring position (the tests check whole states).
    const sa = A.buffer.getState(), sb = B.buffer.getState();
    const fb = trace.frameBytes;
    const skip = (sa.totals[0] % sa.segmentCapacity) * fb;
    const x = sa.frameChunks[0], y = sb.frameChunks[0];
    let same = r.replayRestored && x.length === y.length;
    for (let i = 0; same && i < x.length; i++) if (x[i] !== y[i] && (i < skip || i >= skip + fb)) same = false;
    if (!same) throw new Error(`${what}: restored replay differs from the saved one`);
    log(`${what}: load (restore, checksums verified) ${load.toFixed(0)} ms; rows ${B.buffer.size}`);
    B.dispose();
    const h = await exportCheckpoint(store, m.id);
    t0 = performance.now();
    const chunks: Blob[] = [];
    let n = 0;
    await h.stream().pipeTo(new WritableStream({ write(c) { n += c.length; chunks.push(new Blob([c as Uint8Array<ArrayBuffer>])); } }));
    const exp = performance.now() - t0;
    const file = new Blob(chunks);
    chunks.length = 0;
    await store.deleteRun(run.runId);
    const store2 = await CheckpointStore.open({ dbName: `bench2-${what}-${Date.now()}`, partBytes, compress });
    t0 = performance.now();
    const imp = await importCheckpoint(store2, file);
    const impMs = performance.now() - t0;
    log(`${what}: export ${exp.toFixed(0)} ms, file ${mb(n)}; import ${impMs.toFixed(0)} ms`);
    await store2.deleteRun(imp.run.runId);
    store.close();
    store2.close();
    rows.push({ save, fast: fastMs, load, exp, imp: impMs, stored: m.totalBytes, raw: rawBytesOf(m), file: n, parts });
  }
  A.dispose();
  log(`persist() -> ${persisted}`);
  return rows;
}

(globalThis as unknown as { runBench: typeof bench }).runBench = bench;
(globalThis as unknown as { benchReady: boolean }).benchReady = true;
