import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import type { DQNAgent } from '../agent/agent';
import { CheckpointCorruptError, CheckpointError, CheckpointQuotaError } from './errors';
import { captureAgent, restoreAgent, saveAgent } from './restore';
import { keptByPolicy, prunedText, SimulatedCrash, type CheckpointStore, type PrunedCheckpoint, type RetentionPolicy } from './store';
import { freshStore, quickConfig, runConfig, snapshot, stepTo, type StatefulCueEnv } from './test-helpers';
import { checkpointTestPrelude } from './test-prelude';
import type { Manifest, SaveReason } from './types';

// Agents train on the tfjs cpu backend here: give slow, shared machines room (default 30 s).
const { store, agent, track } = checkpointTestPrelude({ partBytes: 4096 });

const metricsAt = (step: number) => ({ episodic_return: [[10, 0.5], [step, 1.25]], loss: [[step, 0.1 + 1e-9]] });

async function saveAt(s: CheckpointStore, runId: string, a: DQNAgent, extra: { evalReturn?: number | null; includeReplay?: boolean; retention?: Partial<RetentionPolicy>; reason?: SaveReason } = {}): Promise<Manifest> {
  const { agent: _cfg, ...run } = runConfig(a.cfg, 1, { retention: extra.retention });
  return saveAgent(s, runId, a, { run, frames: a.globalStep * 4, metrics: metricsAt(a.globalStep), evalReturn: extra.evalReturn ?? null, includeReplay: extra.includeReplay, reason: extra.reason ?? 'auto' });
}

describe('save / load round trip', () => {
  it('restores weights, Adam moments, replay, counters, RNG, env states and metrics bit-exactly, and training continues identically', async () => {
    const cfg = quickConfig({ num_envs: 2, prioritized_replay: true });
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 300); // wraps the 600-row replay? 2 envs x 300 rows: fills it; gradient steps happen
    const m = await saveAt(s, run.runId, A);
    expect(m.arrays.find((x) => x.name === 'replay/frames')!.parts.length).toBeGreaterThan(1); // really chunked
    const before = await snapshot(A);

    const B = agent(cfg, 600, 999); // different env seed: env state must come from the checkpoint
    const r = await restoreAgent(s, m.id, B);
    expect(r.envsRestored).toBe(true);
    expect(r.modeChanged).toBe(false);
    expect(r.frames).toBe(1200);
    expect(r.metrics).toEqual(metricsAt(300));
    expect(await snapshot(B)).toEqual(before);
    expect((B.env as StatefulCueEnv).getEnvStates()).toEqual((A.env as StatefulCueEnv).getEnvStates());

    await stepTo(A, 500);
    await stepTo(B, 500);
    expect(await snapshot(B)).toEqual(await snapshot(A));
    expect(A.learner.gradientSteps).toBeGreaterThan(100);
  });

  it('lists runs with their latest checkpoint after a "reload" (new store on the same database)', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg), 'my run');
    const A = agent(cfg);
    await stepTo(A, 60);
    await saveAt(s, run.runId, A);
    await stepTo(A, 120);
    const m2 = await saveAt(s, run.runId, A);
    const name = s.dbName;
    s.close();
    const s2 = track(await freshStore({ dbName: name }));
    const runs = await s2.listRuns();
    expect(runs.length).toBe(1);
    expect(runs[0].run.name).toBe('my run');
    expect(runs[0].latest!.id).toBe(m2.id);
    expect(runs[0].run.latestCounters).toEqual({ agentSteps: 120, vectorSteps: 60, frames: 480, episodes: A.episodes, gradientUpdates: A.learner.gradientSteps });
    const B = agent(cfg, 600, 5);
    await restoreAgent(s2, runs[0].latest!.id, B);
    expect(B.globalStep).toBe(120);
  });

  it('fast path without replay: counters, weights and env states continue, replay restarts from the current frames', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 100);
    const m = await saveAt(s, run.runId, A, { includeReplay: false });
    expect(m.hasReplay).toBe(false);
    expect(m.arrays.some((x) => x.name.startsWith('replay/'))).toBe(false);
    const B = agent(cfg, 600, 3);
    const r = await restoreAgent(s, m.id, B);
    expect(r.replayRestored).toBe(false);
    expect(r.envsRestored).toBe(true);
    expect(B.globalStep).toBe(100);
    expect(B.learner.gradientSteps).toBe(A.learner.gradientSteps);
    expect(B.buffer.size).toBe(2 * cfg.frame_stack); // each env's saved acting stack, as rows (startEpisodeFromStack)
    await stepTo(B, 140); // keeps training without errors
    expect(B.learner.gradientSteps).toBeGreaterThan(A.learner.gradientSteps);
  });

  it('fast path without replay, one env, n_step 3, resumed past learning_starts: training goes on (no sampling from the bare acting stack)', async () => {
    // n-step 3: the window sits 3 rows below the newest; train_frequency 1: the first step after the resume owes a gradient step.
    const cfg = quickConfig({ num_envs: 1, n_step: 3, train_frequency: 1 });
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 100);
    const m = await saveAt(s, run.runId, A, { includeReplay: false });
    const B = agent(cfg, 600, 3);
    await restoreAgent(s, m.id, B);
    await stepTo(B, 130);
    expect(B.learner.gradientSteps).toBeGreaterThan(A.learner.gradientSteps);
  });

  it('same env count, smaller replay capacity: envs continue from their states, the newest rows are kept', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, 600);
    await stepTo(A, 300);
    const m = await saveAt(s, run.runId, A);
    const B = agent(cfg, 200, 4);
    const r = await restoreAgent(s, m.id, B);
    expect(r.modeChanged).toBe(false);
    expect(r.envsRestored).toBe(true);
    expect(B.buffer.size).toBe(200);
    // Acting continues where A is (same env states, stacks, RNG, weights): the next vector step
    // takes the same actions. (After it, the different replay contents make sampling diverge.)
    await A.step();
    await B.step();
    expect(Array.from(B.env.rewards)).toEqual(Array.from(A.env.rewards));
    expect((B.env as StatefulCueEnv).getEnvStates()).toEqual((A.env as StatefulCueEnv).getEnvStates());
    expect(B.episodes).toBe(A.episodes);
    await stepTo(B, 360);
  });

  it('rejects a checkpoint whose config does not fit the agent', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 20);
    const m = await saveAt(s, run.runId, A);
    const B = agent(quickConfig({ gamma: 0.5 }));
    await expect(restoreAgent(s, m.id, B)).rejects.toMatchObject({ code: 'incompatible' });
  });
});

describe('atomic saves', () => {
  async function setup(faults: NonNullable<Parameters<typeof freshStore>[0]>['faults']) {
    const cfg = quickConfig();
    const s = await store({ faults, pendingGraceMs: 0 });
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 80);
    return { cfg, s, run, A };
  }

  for (const where of ['between blobs', 'between blobs and manifest'] as const) {
    it(`a crash ${where} leaves the previous checkpoint loadable; the orphan blobs are collected later`, async () => {
      let armed = false;
      const faults = where === 'between blobs'
        ? { beforePart: (i: number) => { if (armed && i === 5) throw new SimulatedCrash(); } }
        : { beforeManifest: () => { if (armed) throw new SimulatedCrash(); } };
      const { cfg, s, run, A } = await setup(faults);
      const good = await saveAt(s, run.runId, A);
      await stepTo(A, 140);
      armed = true;
      await expect(saveAt(s, run.runId, A)).rejects.toBeInstanceOf(SimulatedCrash);
      // Half-written blobs exist (the "tab" died before cleaning up) but no manifest names them.
      const ids = await s.blobCheckpointIds();
      expect(ids.length).toBe(2);
      expect((await s.listCheckpoints(run.runId)).map((m) => m.id)).toEqual([good.id]);
      expect((await s.getRun(run.runId))!.latestId).toBe(good.id);
      // After a reload, the store collects the orphans; the previous checkpoint loads and verifies.
      const name = s.dbName;
      s.close();
      const s2 = track(await freshStore({ dbName: name, pendingGraceMs: 0 }));
      expect(await s2.blobCheckpointIds()).toEqual([good.id]);
      await s2.verify(good.id);
      const B = agent(cfg, 600, 1);
      await restoreAgent(s2, good.id, B);
      expect(B.globalStep).toBe(80);
    });
  }

  it('a failing save cleans up its own blobs at once', async () => {
    let armed = false;
    const { s, run, A } = await setup({ beforePart: (i) => { if (armed && i === 3) throw new Error('disk on fire'); } });
    const good = await saveAt(s, run.runId, A);
    armed = true;
    await expect(saveAt(s, run.runId, A)).rejects.toThrow('disk on fire');
    expect(await s.blobCheckpointIds()).toEqual([good.id]);
  });

  it('a pending save of another live tab is not collected', async () => {
    const { s, run, A } = await setup({ beforeManifest: () => { throw new SimulatedCrash(); } });
    await expect(saveAt(s, run.runId, A)).rejects.toBeInstanceOf(SimulatedCrash);
    const s2 = track(await freshStore({ dbName: s.dbName, pendingGraceMs: 60_000 }));
    expect((await s2.blobCheckpointIds()).length).toBe(1); // still within the other tab's grace period
  });
});

describe('checksums', () => {
  it('a flipped byte in a stored blob fails the load with CheckpointCorruptError', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 80);
    const m = await saveAt(s, run.runId, A);
    const part = m.arrays.find((a) => a.name === 'replay/frames')!.parts[1];
    const raw = await openDB(s.dbName);
    const v = (await raw.get('blobs', [m.id, part.key])) as Uint8Array;
    v[17] ^= 0x40;
    await raw.put('blobs', v, [m.id, part.key]);
    raw.close();
    await expect(s.verify(m.id)).rejects.toBeInstanceOf(CheckpointCorruptError);
    await expect(restoreAgent(s, m.id, agent(cfg))).rejects.toThrow(/replay\/frames@e\d+:\d+ fails its SHA-256/);
  });

  it('blobs a restore does not use (stacks and env states on a mode switch) are verified too', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 60);
    const m = await saveAt(s, run.runId, A);
    const raw = await openDB(s.dbName);
    const v = (await raw.get('blobs', [m.id, 'env/1@0'])) as Uint8Array;
    v[0] ^= 1;
    await raw.put('blobs', v, [m.id, 'env/1@0']);
    raw.close();
    await expect(restoreAgent(s, m.id, agent(quickConfig({ num_envs: 3 })))).rejects.toThrow(/env\/1@0 fails its SHA-256/);
  });

  it('a missing blob fails the load', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 40);
    const m = await saveAt(s, run.runId, A);
    const raw = await openDB(s.dbName);
    await raw.delete('blobs', [m.id, 'net/online@0']);
    raw.close();
    await expect(restoreAgent(s, m.id, agent(cfg))).rejects.toThrow(/net\/online@0 is missing/);
  });
});

describe('quota', () => {
  const quotaError = () => Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });

  it('quota exceeded mid-save: older checkpoints are pruned per policy and the save retried', async () => {
    const cfg = quickConfig();
    let failNext = false;
    const s = await store({ faults: { beforePart: (i) => { if (failNext && i === 4) { failNext = false; throw quotaError(); } } } });
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    const saved: string[] = [];
    const retention = { keepLast: 5, keepBest: false };
    for (const step of [20, 40, 60]) {
      await stepTo(A, step);
      saved.push((await saveAt(s, run.runId, A, { retention })).id);
    }
    await stepTo(A, 80);
    failNext = true;
    const m = await saveAt(s, run.runId, A, { retention });
    expect(m.counters.agentSteps).toBe(80);
    // The two oldest went; the previous latest stays until the new one committed (kept by keepLast 5).
    expect((await s.listCheckpoints(run.runId)).map((x) => x.id)).toEqual([m.id, saved[2]]);
    // The pruned ones' blobs are gone but for replay segments the kept checkpoints still name.
    expect(await s.blobAudit()).toEqual({ unnamed: [], missing: [] });
  });

  it('quota exceeded with nothing to prune: clear typed error, save refused, nothing half-written', async () => {
    const cfg = quickConfig();
    let fail = false;
    const s = await store({ pruneOnQuota: false, faults: { beforePart: (i) => { if (fail && i === 2) throw quotaError(); } } });
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 40);
    const good = await saveAt(s, run.runId, A);
    fail = true;
    const err = await saveAt(s, run.runId, A).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointQuotaError);
    expect((err as CheckpointError).code).toBe('quota');
    expect((err as Error).message).toMatch(/^Storage is full: this save \(.* MB\) was not written\. The previous checkpoint \(step 40\) is intact\. Cause: .*QuotaExceededError.*Free space/);
    expect(await s.blobCheckpointIds()).toEqual([good.id]);
    expect((await s.listCheckpoints(run.runId)).map((x) => x.id)).toEqual([good.id]);
  });

  it('storage full mid-save (Chromium IOError): only automatic saves make room, manual saves stay, the message says what was kept', async () => {
    const cfg = quickConfig();
    let fail = 0;
    const ioError = () => Object.assign(new Error('Failed to write blobs (IOError)'), { name: 'UnknownError' });
    const s = await store({ faults: { beforePart: (i) => { if (fail > 0 && i === 1) { fail--; throw ioError(); } } } });
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    const retention = { keepLast: 5, keepBest: false };
    const pruned: PrunedCheckpoint[] = [];
    s.onPruned((p) => pruned.push(p));
    await stepTo(A, 20);
    const manual = await saveAt(s, run.runId, A, { retention, reason: 'manual' });
    await stepTo(A, 40);
    const auto40 = await saveAt(s, run.runId, A, { retention, reason: 'auto' });
    await stepTo(A, 60);
    const auto60 = await saveAt(s, run.runId, A, { retention, reason: 'auto' });
    await stepTo(A, 80);
    fail = 1;
    const m = await saveAt(s, run.runId, A, { retention, reason: 'auto' });
    // Room was made from the automatic saves except the latest; the manual save is untouched.
    expect((await s.listCheckpoints(run.runId)).map((x) => x.id)).toEqual([m.id, auto60.id, manual.id]);
    expect(pruned.map((p) => [p.id, p.why])).toEqual([[auto40.id, 'space']]);
    expect(prunedText(pruned[0])).toMatch(/^removed autosave at step 40 to make room: storage was full/);
    // Still full after pruning: refused with what happened, what was kept, what to do.
    fail = 2;
    await stepTo(A, 100);
    const err = await saveAt(s, run.runId, A, { retention, reason: 'manual' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointQuotaError);
    expect((err as Error).message).toMatch(/^Storage is full: this save \(.* MB\) was not written\. The previous checkpoint \(step 80\) is intact\. Cause: removed 1 older automatic save\(s\) and it still does not fit \(browser: UnknownError: Failed to write blobs \(IOError\)\)\..* Free space: export what you want to keep and delete old checkpoints or runs/);
    expect((await s.listCheckpoints(run.runId)).map((x) => x.id)).toEqual([m.id, manual.id]);
    expect(await s.blobAudit()).toEqual({ unnamed: [], missing: [] });
  });

  it('storage estimate too small: refused before writing anything', async () => {
    const cfg = quickConfig();
    const s = await store({ estimate: async () => ({ usage: 1000, quota: 2000 }) });
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 20);
    await expect(saveAt(s, run.runId, A)).rejects.toBeInstanceOf(CheckpointQuotaError);
    expect(await s.blobCheckpointIds()).toEqual([]);
    // The fast path (no replay) is smaller but still does not fit 1000 bytes.
    await expect(saveAt(s, run.runId, A, { includeReplay: false })).rejects.toMatchObject({ code: 'quota', neededBytes: expect.any(Number) });
  });
});

describe('retention policy', () => {
  it('keeps the last K plus the best by evaluation return, prunes the rest (manifests and blobs)', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    const ids: Record<number, string> = {};
    const evals: Record<number, number | null> = { 20: 1, 40: 7, 60: 3, 80: null, 100: 2 };
    for (const step of [20, 40, 60, 80, 100]) {
      await stepTo(A, step);
      ids[step] = (await saveAt(s, run.runId, A, { evalReturn: evals[step], retention: { keepLast: 2, keepBest: true } })).id;
    }
    const kept = (await s.listCheckpoints(run.runId)).map((m) => m.counters.agentSteps);
    expect(kept).toEqual([100, 80, 40]); // last 2 + best (7 at step 40)
    expect(await s.blobAudit()).toEqual({ unnamed: [], missing: [] });
    const summary = (await s.listRuns())[0];
    expect(summary.best!.id).toBe(ids[40]);
    expect(summary.latest!.id).toBe(ids[100]);
  });

  it('a run resumed from an older checkpoint: its new saves are the latest although they have fewer steps', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    const retention = { keepLast: 2, keepBest: true };
    await stepTo(A, 40);
    const best = await saveAt(s, run.runId, A, { evalReturn: 9, retention });
    await stepTo(A, 80);
    await saveAt(s, run.runId, A, { evalReturn: 1, retention });
    await stepTo(A, 120);
    await saveAt(s, run.runId, A, { evalReturn: 2, retention });
    const B = agent(cfg, 600, 3);
    await restoreAgent(s, best.id, B); // go back to the best one and train on
    await stepTo(B, 60);
    const again = await saveAt(s, run.runId, B, { retention });
    expect((await s.getRun(run.runId))!.latestId).toBe(again.id);
    expect((await s.listCheckpoints(run.runId)).map((m) => m.counters.agentSteps)).toEqual([60, 120, 40]);
  });

  it('keptByPolicy without keepBest', () => {
    const mk = (id: string, steps: number, ev: number | null) => ({ id, reason: 'auto', counters: { agentSteps: steps }, createdAt: steps, evalReturn: ev }) as unknown as Manifest;
    const list = [mk('a', 1, 9), mk('b', 2, null), mk('c', 3, 1)];
    expect([...keptByPolicy(list, { keepLast: 1, keepBest: false })]).toEqual(['c']);
    expect([...keptByPolicy(list, { keepLast: 1, keepBest: true })].sort()).toEqual(['a', 'c']);
  });

  it('manual saves and imports are never rotated out: three quick manual saves and three mode switches keep the first manual save', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    const retention = { keepLast: 3, keepBest: true };
    const pruned: PrunedCheckpoint[] = [];
    s.onPruned((p) => pruned.push(p));
    await stepTo(A, 20);
    const first = await saveAt(s, run.runId, A, { retention, reason: 'manual' });
    for (const step of [30, 40, 50]) { await stepTo(A, step); await saveAt(s, run.runId, A, { retention, reason: 'manual' }); }
    for (const step of [60, 70, 80, 90]) { await stepTo(A, step); await saveAt(s, run.runId, A, { retention, reason: 'mode-switch' }); }
    const list = await s.listCheckpoints(run.runId);
    // Every manual save stays; the automatic ones rotate among themselves (last 3).
    expect(list.filter((m) => m.reason === 'manual').map((m) => m.counters.agentSteps)).toEqual([50, 40, 30, 20]);
    expect(list.filter((m) => m.reason === 'mode-switch').map((m) => m.counters.agentSteps)).toEqual([90, 80, 70]);
    expect(list.some((m) => m.id === first.id)).toBe(true);
    expect(pruned.map((p) => [p.reason, p.agentSteps, p.why, p.keepLast])).toEqual([['mode-switch', 60, 'rotation', 3]]);
    expect(await s.blobAudit()).toEqual({ unnamed: [], missing: [] });
  });

  it('keep-best ranks automatic saves only and every prune is reported with its Activity text', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    const retention = { keepLast: 1, keepBest: true };
    const texts: string[] = [];
    s.onPruned((p) => texts.push(prunedText(p)));
    await stepTo(A, 10);
    await saveAt(s, run.runId, A, { retention, reason: 'eval', evalReturn: 5 });
    await stepTo(A, 20);
    await saveAt(s, run.runId, A, { retention, reason: 'eval', evalReturn: 1 });
    await stepTo(A, 30);
    await saveAt(s, run.runId, A, { retention, reason: 'auto' });
    expect((await s.listCheckpoints(run.runId)).map((m) => [m.reason, m.counters.agentSteps])).toEqual([['auto', 30], ['eval', 10]]);
    // A timed save (the crash-safety net) does not count against keepLast; a newer save of any
    // kind supersedes it.
    await stepTo(A, 40);
    await saveAt(s, run.runId, A, { retention, reason: 'timed', includeReplay: false });
    await stepTo(A, 44);
    await saveAt(s, run.runId, A, { retention, reason: 'timed', includeReplay: false });
    expect((await s.listCheckpoints(run.runId)).map((m) => [m.reason, m.counters.agentSteps])).toEqual([['timed', 44], ['auto', 30], ['eval', 10]]);
    await stepTo(A, 50);
    await saveAt(s, run.runId, A, { retention, reason: 'manual' });
    expect((await s.listCheckpoints(run.runId)).map((m) => [m.reason, m.counters.agentSteps])).toEqual([['manual', 50], ['auto', 30], ['eval', 10]]);
    expect(texts).toEqual([
      'removed automatic eval save at step 20 to keep the last 1 (manual saves and imports are never removed automatically)',
      'removed autosave at step 40: superseded by a newer save (manual saves and imports are never removed automatically)',
      'removed autosave at step 44: superseded by a newer save (manual saves and imports are never removed automatically)',
    ]);
  });

  it('deleteRun removes every manifest and blob of the run', async () => {
    const cfg = quickConfig();
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg);
    await stepTo(A, 20);
    await saveAt(s, run.runId, A);
    await s.deleteRun(run.runId);
    expect(await s.listRuns()).toEqual([]);
    expect(await s.blobCheckpointIds()).toEqual([]);
  });

  it('captureAgent refuses a run config whose mode disagrees with the agent', async () => {
    const cfg = quickConfig();
    const A = agent(cfg);
    const { agent: _a, ...run } = runConfig(cfg);
    const s = await store();
    const r = await s.createRun(runConfig(cfg));
    const c = await captureAgent(A, { run: { ...run, mode: { kind: 'vectorized', workers: 1, envsPerWorker: 3 } }, frames: 0 });
    await expect(s.save(r.runId, c)).rejects.toMatchObject({ code: 'incompatible' });
  });
});
