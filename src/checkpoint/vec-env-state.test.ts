/**
 * WorkerVecEnv (the product's vectorized adapter) as the env-state IO of a checkpoint: a
 * vectorized run (real worker_threads, fake emulator) saved to the checkpoint store and restored
 * into a fresh agent on a fresh WorkerVecEnv (1x4 -> 2x2) continues its running episodes
 * exactly; a mode switch (4 -> 2 envs) resets the envs with fresh seeds.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DQNAgent } from '../agent/agent';
import { VecEnv } from '../env/vec-env';
import { nodeWorkerFactory } from '../env/worker-handle-node';
import { WorkerVecEnv } from '../run/envs';
import { restoreAgent, saveAgent } from './restore';
import type { CheckpointStore } from './store';
import { freshStore, quickConfig, runConfig, snapshot } from './test-helpers';

vi.setConfig({ testTimeout: 240_000 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const vecs: { close(): Promise<void> }[] = [];
const agents: DQNAgent[] = [];
const stores: CheckpointStore[] = [];
afterEach(async () => {
  agents.splice(0).forEach((a) => a.dispose());
  await Promise.all(vecs.splice(0).map((v) => v.close()));
  stores.splice(0).forEach((s) => s.close?.());
});

const CAPACITY = 800;

async function vecAgent(numEnvs: number, numWorkers: number, envSeed: number) {
  const env = await WorkerVecEnv.create({
    numEnvs, numWorkers, seed: envSeed, workerFactory: nodeWorkerFactory,
    emulator: { kind: 'fake', game: { lives: 2, dropPeriod: 13 } },
    env: { screenSize: 12, noopMax: 30, repeatActionProbability: 0.25 },
  });
  vecs.push(env);
  const cfg = quickConfig({ num_envs: numEnvs, seed: 77 });
  const agent = new DQNAgent(cfg, env, { capacity: CAPACITY });
  agents.push(agent);
  return { env, vec: env.vec, agent };
}

/** What the envs and agent do over `steps` vector steps, as comparable data. */
async function trace(agent: DQNAgent, vec: VecEnv, steps: number) {
  const out: string[] = [];
  let episodes = 0;
  for (let t = 0; t < steps; t++) {
    await agent.step();
    const e = agent.env;
    out.push([Buffer.from(e.obs).toString('base64'), Array.from(e.rewards), Array.from(e.terminated), Array.from(e.truncated)].join('|'));
    episodes += Array.from(e.terminated).filter(Boolean).length + Array.from(e.truncated).filter(Boolean).length;
  }
  return { out, episodes, stats: vec.episodeStats().map((s) => ({ ...s, last: s.last && { ...s.last } })) };
}

describe('WorkerVecEnv env states through the checkpoint store', () => {
  it('save (1x4) -> restore into a fresh agent on a fresh VecEnv (2x2): episodes, replay, weights continue exactly', async () => {
    const store = await freshStore({ partBytes: 8192 });
    stores.push(store);
    const A = await vecAgent(4, 1, 100);
    const { agent: _cfg, ...run } = runConfig(A.agent.cfg, 1);
    const created = await store.createRun(runConfig(A.agent.cfg, 1));
    while (A.agent.globalStep < 240) await A.agent.step(); // past learning_starts: gradient steps happen
    const m = await saveAgent(store, created.runId, A.agent, {
      run, frames: A.agent.globalStep * 4, envs: A.env, includeReplay: true, reason: 'manual',
    });
    expect(m.meta.envStates).toBe(4);

    const B = await vecAgent(4, 2, 999); // other env seeds: the running episodes must come from the checkpoint
    const r = await restoreAgent(store, m.id, B.agent, { envs: B.env });
    expect(r.envsRestored).toBe(true);
    expect(r.modeChanged).toBe(false);
    expect(B.agent.lastEnvSeed).toBeNull(); // never reset: continued, not restarted
    expect(await snapshot(B.agent)).toEqual(await snapshot(A.agent));
    expect(B.vec.episodeStats()).toEqual(A.vec.episodeStats());

    const ta = await trace(A.agent, A.vec, 40);
    const tb = await trace(B.agent, B.vec, 40);
    expect(ta.episodes).toBeGreaterThan(2); // episodes ended (and auto-reset) after the restore
    expect(tb.out).toEqual(ta.out);
    expect(tb.stats).toEqual(ta.stats);
    expect(await snapshot(B.agent)).toEqual(await snapshot(A.agent));
  });

  it('without the env states the same restore restarts the episodes, with fresh env seeds', async () => {
    const store = await freshStore({ partBytes: 8192 });
    stores.push(store);
    const A = await vecAgent(4, 2, 100);
    const { agent: _cfg, ...run } = runConfig(A.agent.cfg, 2);
    const created = await store.createRun(runConfig(A.agent.cfg, 2));
    while (A.agent.globalStep < 120) await A.agent.step();
    const m = await saveAgent(store, created.runId, A.agent, { run, frames: 0, envs: A.env, includeReplay: true, reason: 'manual' });
    const B = await vecAgent(4, 2, 100);
    const r = await restoreAgent(store, m.id, B.agent, { envs: null });
    expect(r.envsRestored).toBe(false);
    expect(B.agent.lastEnvSeed).not.toBe(77); // not the run's opening seed
    const ta = await trace(A.agent, A.vec, 5);
    const tb = await trace(B.agent, B.vec, 5);
    expect(tb.out).not.toEqual(ta.out);
  });

  it('mode switch 4 -> 2 envs: envs reset with a fresh seed, not the opening cfg.seed', async () => {
    const store = await freshStore({ partBytes: 8192 });
    stores.push(store);
    const A = await vecAgent(4, 2, 100);
    const { agent: _cfg, ...run } = runConfig(A.agent.cfg, 2);
    const created = await store.createRun(runConfig(A.agent.cfg, 2));
    while (A.agent.globalStep < 120) await A.agent.step();
    expect(A.agent.lastEnvSeed).toBe(77);
    const m = await saveAgent(store, created.runId, A.agent, { run, frames: 0, envs: A.env, includeReplay: true, reason: 'manual' });
    const B = await vecAgent(2, 1, 100);
    const r = await restoreAgent(store, m.id, B.agent, { envs: B.env });
    expect(r.modeChanged).toBe(true);
    expect(r.envsRestored).toBe(false);
    const seed = B.agent.lastEnvSeed!;
    expect(Math.abs(seed - 77)).toBeGreaterThanOrEqual(0x10000);
    // The switched envs are not the opening ones: a VecEnv reset with the opening seed differs.
    const opening = await VecEnv.create({
      numEnvs: 2, numWorkers: 1, seed: 0, workerFactory: nodeWorkerFactory,
      emulator: { kind: 'fake', game: { lives: 2, dropPeriod: 13 } },
      env: { screenSize: 12, noopMax: 30, repeatActionProbability: 0.25 },
    });
    vecs.push(opening);
    await opening.reset(77);
    const switched = await B.vec.getEnvStates();
    const fresh = await opening.getEnvStates();
    expect(switched.map((b) => Buffer.from(b).toString('base64'))).not.toEqual(fresh.map((b) => Buffer.from(b).toString('base64')));
    // Reproducible: the same switch from the same checkpoint picks the same seed.
    const C = await vecAgent(2, 2, 5);
    await restoreAgent(store, m.id, C.agent, { envs: C.env });
    expect(C.agent.lastEnvSeed).toBe(seed);
  });
});
