/**
 * Checkpoints written before RunConfig version 2 (meta.run = {gameMd5, gameName, env, mode:
 * {numEnvs, numWorkers}, agent}; run records with {numEnvs, numWorkers}) still list, load and
 * restore: the store migrates them as it reads them.
 */
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { RUN_DEFAULTS } from '../run/config';
import { restoreAgent, saveAgent } from './restore';
import { freshStore, makeAgent, quickConfig, runConfig, snapshot, stepTo } from './test-helpers';

describe('old stored shapes', () => {
  it('an old manifest and run record are migrated when read; the checkpoint restores exactly', async () => {
    const s = await freshStore({ partBytes: 4096 });
    const cfg = quickConfig({ num_envs: 2 });
    const run = await s.createRun(runConfig(cfg, 2));
    const A = makeAgent(cfg);
    await stepTo(A, 100);
    const { agent: _a, ...r } = runConfig(cfg, 2);
    const m = await saveAgent(s, run.runId, A, { run: r, frames: 400 });
    // Rewrite what IndexedDB holds into the old shapes.
    const db = await openDB(s.dbName);
    const oldRun = { gameMd5: m.meta.run.gameMd5, gameName: 'Cue', env: { frameSkip: 4 }, mode: { numEnvs: 2, numWorkers: 2 }, agent: m.meta.run.agent };
    await db.put('manifests', { ...m, meta: { ...m.meta, run: oldRun } });
    await db.put('runs', { ...(await db.get('runs', run.runId)), mode: { numEnvs: 2, numWorkers: 2 } });
    db.close();

    const got = await s.getManifest(m.id);
    expect(got.meta.run).toEqual({
      version: 2, gameMd5: oldRun.gameMd5, gameName: 'Cue', seed: cfg.seed, mode: { kind: 'vectorized', workers: 2, envsPerWorker: 1 },
      algorithm: 'dqn', agent: cfg, env: { clipRewards: true, frameSkip: 4 }, autosave: RUN_DEFAULTS.autosave, retention: RUN_DEFAULTS.retention,
      eval_every: RUN_DEFAULTS.eval_every, backends: [...RUN_DEFAULTS.backends],
    });
    const [summary] = await s.listRuns();
    expect(summary.run.mode).toEqual({ kind: 'vectorized', workers: 2, envsPerWorker: 1 });
    expect(summary.latest!.meta.run.version).toBe(2);
    expect((await s.getRun(run.runId))!.mode).toEqual({ kind: 'vectorized', workers: 2, envsPerWorker: 1 });

    const B = makeAgent(cfg);
    await restoreAgent(s, m.id, B);
    expect(await snapshot(B)).toEqual(await snapshot(A));
    A.dispose();
    B.dispose();
    s.close();
  });
});
