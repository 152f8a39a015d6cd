/**
 * Browser checks of the checkpoint module against Chromium's real IndexedDB and WebCrypto
 * (driven by browser-check.ts). Each check throws on failure; results go back as a list.
 */
import * as tf from '@tensorflow/tfjs';
import { openDB } from 'idb';
import { DQNAgent } from '../../src/agent/agent';
import { makeConfig, type DQNConfig } from '../../src/agent/config';
import { CueEnv } from '../../src/agent/toyenv';
import { modeFor, resolveRunConfig } from '../../src/run/config';
import { exportCheckpoint, importCheckpoint } from '../../src/checkpoint/container';
import { CheckpointError } from '../../src/checkpoint/errors';
import { switchMode } from '../../src/checkpoint/manager';
import { restoreAgent, saveAgent } from '../../src/checkpoint/restore';
import { exportOnlineSafetensors, importSafetensorsInto } from '../../src/checkpoint/safetensors';
import { CheckpointStore, ownBytesOf, SimulatedCrash } from '../../src/checkpoint/store';

const cfgOf = (n: number): DQNConfig => makeConfig({
  num_envs: n, total_timesteps: 4000, learning_starts: 40, learning_rate: 3e-3, target_network_frequency: 20,
  gamma: 0.9, network: { conv: [{ filters: 3, kernel: 3, stride: 1 }], hidden: [8] }, prioritized_replay: true,
});
const mkAgent = (cfg: DQNConfig, capacity = 600) => new DQNAgent(cfg, new CueEnv({ numEnvs: cfg.num_envs, seed: 8, frameHeight: 6, frameWidth: 6 }), { capacity });
const base = (n: number, workers = 1) => resolveRunConfig({ mode: modeFor(n, workers), agent: { num_envs: n } }, { md5: 'a'.repeat(32), name: 'Cue' });

function hex(b: ArrayBufferView): string {
  const u = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 16777619);
  return `${u.length}:${(h >>> 0).toString(16)}`;
}

async function fingerprint(a: DQNAgent): Promise<string> {
  const s = await a.getState();
  return JSON.stringify({
    steps: [s.globalStep, s.vectorSteps, s.episodes, s.learner.gradientSteps], rng: [s.rng, s.evalRng],
    online: s.learner.online.map(hex), target: s.learner.target?.map(hex), m: s.learner.adam?.m.map(hex), v: s.learner.adam?.v.map(hex),
    acc: [s.learner.adam?.accBeta1, s.learner.adam?.accBeta2, s.learner.adam?.iterations],
    replay: [s.replay.totals, hex(s.replay.actions), hex(s.replay.rewards), hex(s.replay.flags), s.replay.frameChunks.map(hex), s.replay.priorities && hex(s.replay.priorities), s.replay.maxPriority],
    stacks: hex(s.stacks)
  });
}

function expect(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}

async function checks(): Promise<Array<{ name: string; ok: boolean; detail: string }>> {
  await tf.setBackend('cpu');
  const out: Array<{ name: string; ok: boolean; detail: string }> = [];
  const run = async (name: string, fn: () => Promise<string | void>) => {
    try { out.push({ name, ok: true, detail: (await fn()) ?? '' }); } catch (e) { out.push({ name, ok: false, detail: String((e as Error).stack ?? e) }); }
  };
  const db = `check-${Date.now()}`;
  const store = await CheckpointStore.open({ dbName: db, partBytes: 4096, pendingGraceMs: 0 });
  const cfg = cfgOf(2);
  const r = await store.createRun({ ...base(2), seed: cfg.seed, agent: cfg });
  const A = mkAgent(cfg);
  while (A.globalStep < 200) await A.step();
  let good = '';

  await run('save + restore is bit-exact (weights, Adam, prioritized replay, counters, RNG)', async () => {
    // Env states via a stand-in adapter (the CueEnv is re-seeded identically), so the restore
    // does not reset the envs and the replay can be compared byte for byte.
    const io = { getEnvStates: () => [new Uint8Array(0), new Uint8Array(0)], setEnvStates: () => undefined };
    const m = await saveAgent(store, r.runId, A, { run: base(2), frames: 800, metrics: { x: [1, 2] }, envs: io });
    good = m.id;
    const B = mkAgent(cfg);
    const res = await restoreAgent(store, m.id, B, { envs: io });
    expect(res.envsRestored, 'envs not restored');
    expect(JSON.stringify(res.metrics) === '{"x":[1,2]}', 'metrics differ');
    expect(await fingerprint(B) === await fingerprint(A), 'state differs after restore');
    for (let i = 0; i < 10; i++) await B.step();
    B.dispose();
    return `${m.totalBytes} bytes in ${m.arrays.reduce((s, a) => s + a.parts.length, 0)} blobs`;
  });

  await run('a flipped byte in IndexedDB fails verify() with code corrupt', async () => {
    const m = await saveAgent(store, r.runId, A, { run: base(2), frames: 800 });
    const raw = await openDB(db);
    // A blob this save wrote itself (its replay reuses the earlier save's segments otherwise).
    const part = m.arrays.find((a) => a.name === 'replay/frames')!.parts.find((p) => p.owner === undefined)!;
    const key: [string, string] = [m.id, part.key];
    const v = (await raw.get('blobs', key)) as Uint8Array;
    v[5] ^= 1;
    await raw.put('blobs', v, key);
    raw.close();
    const e = await store.verify(m.id).then(() => null, (x: unknown) => x);
    expect(e instanceof CheckpointError && e.code === 'corrupt', `expected corrupt, got ${String(e)}`);
    await store.deleteCheckpoint(m.id);
  });

  await run('crash before the manifest: previous checkpoint intact, orphans collected on reopen', async () => {
    const crashing = await CheckpointStore.open({ dbName: db, partBytes: 4096, faults: { beforeManifest: () => { throw new SimulatedCrash(); } } });
    const e = await saveAgent(crashing, r.runId, A, { run: base(2), frames: 800 }).then(() => null, (x: unknown) => x);
    expect(e instanceof SimulatedCrash, 'crash not simulated');
    crashing.close();
    const before = (await store.blobCheckpointIds()).length;
    const again = await CheckpointStore.open({ dbName: db, partBytes: 4096, pendingGraceMs: 0 });
    const after = await again.blobCheckpointIds();
    expect(before === after.length + 1, `orphans not collected (${before} -> ${after.length})`);
    expect((await again.listCheckpoints(r.runId))[0].id === good, 'latest changed');
    await again.verify(good);
    again.close();
  });

  await run('incremental replay: the second save writes only new rows, across a ring wrap; deleting the first keeps the second exact', async () => {
    const io = { getEnvStates: () => [new Uint8Array(0), new Uint8Array(0)], setEnvStates: () => undefined };
    const rr = await store.createRun({ ...base(2), seed: cfg.seed, agent: cfg });
    const C = mkAgent(cfg, 200); // 100 rows per env ring
    while (C.globalStep < 160) await C.step();
    const first = await saveAgent(store, rr.runId, C, { run: base(2), frames: 640, envs: io });
    while (C.globalStep < 240) await C.step(); // the rings wrap: part of the first save's rows are stale
    const second = await saveAgent(store, rr.runId, C, { run: base(2), frames: 960, envs: io });
    const reused = second.arrays.flatMap((a) => a.parts).filter((p) => p.owner === first.id).length;
    expect(reused > 0, 'the second save reused no segment');
    expect(ownBytesOf(second).raw < ownBytesOf(first).raw, 'the second save wrote as much as the first');
    await store.deleteCheckpoint(first.id);
    const audit = await store.blobAudit();
    expect(audit.unnamed.length === 0 && audit.missing.length === 0, `blobs and manifests disagree: ${JSON.stringify(audit)}`);
    const D = mkAgent(cfg, 200);
    await restoreAgent(store, second.id, D, { envs: io });
    expect(await fingerprint(D) === await fingerprint(C), 'state differs after restore');
    await store.deleteRun(rr.runId);
    C.dispose();
    D.dispose();
    return `${reused} reused blobs`;
  });

  await run('export -> import (Blob) -> restore', async () => {
    const h = await exportCheckpoint(store, good);
    const parts: Blob[] = [];
    await h.stream().pipeTo(new WritableStream({ write(c) { parts.push(new Blob([c as Uint8Array<ArrayBuffer>])); } }));
    const file = new Blob(parts);
    expect(file.size === h.size, 'size mismatch');
    const s2 = await CheckpointStore.open({ dbName: `${db}-2` });
    const imp = await importCheckpoint(s2, file, { knownGame: (md5) => md5 === 'a'.repeat(32) });
    await s2.verify(imp.manifest.id);
    const B = mkAgent(cfg);
    await restoreAgent(s2, imp.manifest.id, B);
    expect(B.globalStep === A.globalStep, 'steps differ');
    // Into a store without it: in s2 the same checkpoint is refused as a duplicate before any blob is read.
    const s3 = await CheckpointStore.open({ dbName: `${db}-3` });
    const bad = await importCheckpoint(s3, file.slice(0, file.size - 100)).then(() => null, (x: unknown) => x);
    expect(bad instanceof CheckpointError && bad.code === 'truncated', `expected truncated, got ${String(bad)}`);
    expect((await s3.listRuns()).length === 0, 'a truncated import left a run behind');
    s3.close();
    B.dispose();
    s2.close();
    return `${file.size} bytes`;
  });

  await run('switchMode 2 envs -> 4 envs (2x2) keeps counters and weights', async () => {
    const steps = A.globalStep;
    const w = (await A.learner.online.getWeights()).map(hex).join();
    const res = await switchMode({
      store, runId: r.runId, agent: A, capture: { run: base(2), frames: steps * 4 }, mode: modeFor(4, 2),
      closeOldEnvs: () => undefined,
      build: async (c, _m, capacity) => ({ agent: mkAgent(c, capacity) }),
    });
    expect(res.agent.globalStep === steps, 'steps differ');
    expect((await res.agent.learner.online.getWeights()).map(hex).join() === w, 'weights differ');
    for (let i = 0; i < 20; i++) await res.agent.step();
    res.agent.dispose();
  });

  await run('safetensors export -> import gives the same Q-values', async () => {
    const X = mkAgent(cfgOf(1));
    const Y = mkAgent(makeConfig({ ...cfgOf(1), seed: 99 }));
    importSafetensorsInto(Y.learner, await exportOnlineSafetensors(X.learner));
    const inp = new Float32Array(6 * 6 * 4).map((_, i) => (i * 37) % 256);
    const qa = await X.learner.qValues(inp, 1);
    const qb = await Y.learner.qValues(inp, 1);
    expect(qa.every((q, i) => q === qb[i]), 'Q-values differ');
    X.dispose();
    Y.dispose();
  });

  const est = await store.estimate();
  out.push({ name: 'storage estimate available', ok: est.usage !== null && est.quota !== null, detail: `usage ${est.usage} quota ${est.quota}` });
  await store.deleteRun(r.runId);
  store.close();
  return out;
}

(globalThis as unknown as { runChecks: typeof checks }).runChecks = checks;
(globalThis as unknown as { checksReady: boolean }).checksReady = true;
