/**
 * RunController in Node: tfjs cpu backend, CATCH (our built-in ROM) through the real wasm core,
 * a tiny network, a few hundred steps. Single mode runs the env in this thread; vectorized mode
 * uses src/env's VecEnv on worker_threads. IndexedDB comes from fake-indexeddb (test-helpers).
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore } from '../checkpoint/test-helpers';
import { nodeWorkerFactory } from '../env/worker-handle-node';
import { resolveRunConfig } from './config';
import { NETWORKS, PQN_PRESET, QUICK_PRESET } from './presets';
import type { PQNAgent } from '../agent/pqn';
import { RunControllerImpl, type RunDeps } from './controller';
import { createSingleModeEnv, SingleEnv, WorkerVecEnv } from './envs';
import { readFrame } from './frames';
import { Series } from './history';
import type { MetricsSnapshot, RunEvent, RunMode } from './types';

const ROOT = resolve(__dirname, '../..');
const WASM = resolve(ROOT, 'public/arcade.wasm');
const wasm = existsSync(WASM) ? new Uint8Array(readFileSync(WASM)) : new Uint8Array();

/**
 * CATCH when the core's game table knows it (reward/terminal); until then Breakout from
 * ../shared/roms; skipped with the reason when neither works.
 */
async function pickRom(): Promise<{ rom: Uint8Array; name: string } | string> {
  if (!wasm.length) return `core not built at ${WASM}`;
  const why: string[] = [];
  for (const [name, path] of [['catch', resolve(ROOT, 'public/roms/catch.bin')], ['breakout', resolve(ROOT, '../shared/roms/breakout.bin')]]) {
    if (!existsSync(path)) { why.push(`${name}: no ${path}`); continue; }
    const rom = new Uint8Array(readFileSync(path));
    try {
      (await SingleEnv.create({ rom, wasm })).close();
      return { rom, name };
    } catch (e) {
      why.push(`${name}: ${(e as Error).message}`);
    }
  }
  return why.join('; ');
}
const picked = await pickRom();
const missing = typeof picked === 'string' ? picked : '';
if (missing) console.warn(`run controller tests skipped: ${missing}`);
else if (picked !== null && typeof picked !== 'string' && picked.name !== 'catch') console.warn(`run controller tests: CATCH is not playable on this core yet, using ${picked.name}`);
const rom = typeof picked === 'string' ? new Uint8Array() : picked.rom;
const md5 = createHash('md5').update(rom).digest('hex');

/** The quick preset with the tests' tiny net (tfjs cpu) and a warm-up these few hundred steps get past. */
const hyper = { ...QUICK_PRESET.agent, network: NETWORKS.smoke, learning_starts: 64 };

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

async function deps(): Promise<RunDeps> {
  return {
    store: await freshStore(),
    backend: { name: 'cpu', adapter: '', isFallbackAdapter: false, fallbackReasons: [] },
    makeEnv: async (mode: RunMode, seed: number) => mode.kind === 'single'
      ? createSingleModeEnv(mode, { rom, wasm, env: { noopMax: 5 } })
      : WorkerVecEnv.create({
        numEnvs: mode.workers * mode.envsPerWorker, numWorkers: mode.workers, seed,
        emulator: { kind: 'ale', rom, wasm }, env: { noopMax: 5 }, workerFactory: nodeWorkerFactory,
      }),
    makeWatchEnv: () => SingleEnv.create({ rom, wasm, env: { noopMax: 5 } }),
    memory: () => tf.memory(),
    capacity: 4000,
    metricsIntervalMs: 0,
  };
}

async function until(c: RunControllerImpl, steps: number): Promise<void> {
  await c.start();
  const t0 = Date.now();
  while (c.counters.agentSteps < steps) {
    if (c.state === 'error') throw new Error('run failed');
    if (Date.now() - t0 > 120_000) throw new Error(`stuck at ${c.counters.agentSteps} steps`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await c.pause();
}

describe('Series (downsampled history)', () => {
  it('keeps at most max buckets, every sample counted, means preserved', () => {
    const s = new Series(8);
    let sum = 0;
    for (let i = 0; i < 1000; i++) { s.add(i, i % 7); sum += i % 7; }
    expect(s.buckets.length).toBeLessThanOrEqual(8);
    expect(s.samples).toBe(1000);
    expect(s.buckets.reduce((a, b) => a + b.sum, 0)).toBe(sum);
    expect(s.buckets[s.buckets.length - 1].x).toBe(999);
    const back = Series.fromJSON(JSON.parse(JSON.stringify(s.toJSON())), 8);
    expect(back.buckets).toEqual(s.buckets);
    s.add(1000, NaN);
    expect(s.samples).toBe(1000);
  });
});

describe.skipIf(!!missing)(`RunController on ${typeof picked === 'string' ? '-' : picked.name} (cpu backend, tiny net)`, () => {
  const open: RunControllerImpl[] = [];
  afterAll(async () => { for (const c of open) await c.close(); });

  it('nothing lost: the run record says "training" until the user pauses; every automatic prune is an event with its Activity text', async () => {
    const d = await deps();
    const events: RunEvent[] = [];
    const cfg = resolveRunConfig({ env: { noopMax: 5 }, agent: hyper, seed: 3, autosave: { everyAgentSteps: 50 }, retention: { keepLast: 1, keepBest: true } }, { md5, name: 'persist' });
    const c = await RunControllerImpl.create(cfg, d);
    open.push(c);
    await c.subscribe({ onEvent: (e) => { events.push(e); } });
    const manual = await c.saveCheckpoint({ withReplay: false });
    await c.start();
    while (c.counters.agentSteps < 160) await new Promise((r) => setTimeout(r, 5));
    // Training: a reopened page would offer to resume this run.
    expect(typeof (await d.store.getRun(c.runId))!.trainingSince).toBe('number');
    await c.pause();
    expect((await d.store.getRun(c.runId))!.trainingSince).toBeNull();
    const saved = events.filter((e) => e.kind === 'saved').map((e) => (e as { agentSteps: number }).agentSteps);
    expect(saved.slice(0, 3)).toEqual([0, 50, 100]);
    const pruned = events.filter((e) => e.kind === 'pruned') as Array<Extract<RunEvent, { kind: 'pruned' }>>;
    expect(pruned[0]).toMatchObject({ agentSteps: 50, reason: 'auto' });
    expect(pruned[0].message).toMatch(/^removed autosave at step 50 to keep the last 1/);
    // The manual save at step 0 is still there; only autosaves rotated.
    const list = await d.store.listCheckpoints(c.runId);
    expect(list.some((m) => m.id === manual.id)).toBe(true);
    expect(list.filter((m) => m.reason === 'auto').length).toBe(1);
  }, 300_000);

  it('a step that throws (simulateFault step-throws): the run stops with what happened, the intact last save, what to do; nothing saved after it', async () => {
    const d = await deps();
    const events: RunEvent[] = [];
    const cfg = resolveRunConfig({ env: { noopMax: 5 }, agent: hyper, seed: 6, autosave: { everyAgentSteps: 40 } }, { md5, name: 'throws' });
    const c = await RunControllerImpl.create(cfg, d);
    open.push(c);
    await c.subscribe({ onEvent: (e) => { events.push(e); } });
    await c.start();
    while (c.counters.agentSteps < 90) await new Promise((r) => setTimeout(r, 5));
    await c.simulateFault('step-throws');
    const t0 = Date.now();
    while (c.state !== 'error' && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 5));
    expect(c.state).toBe('error');
    const errs = events.filter((e) => e.kind === 'error') as Array<Extract<RunEvent, { kind: 'error' }>>;
    expect(errs).toHaveLength(1);
    expect(errs[0].fatal).toBe(true);
    expect(errs[0].message).toMatch(/^Training stopped: a training step failed \(simulated step failure \(fault injection\)\) at step [\d,]+\. Nothing was saved after that, so the last checkpoint \(step 80\) is intact\. Press "Resume from last save": the run reopens from it in a new learner, on the same backend\.$/);
    const before = (await d.store.listCheckpoints(c.runId)).map((m) => m.id);
    await new Promise((r) => setTimeout(r, 200));
    expect((await d.store.listCheckpoints(c.runId)).map((m) => m.id)).toEqual(before);
    await expect(c.start()).rejects.toThrow(/stopped after an error/);
  }, 300_000);

  it.each([['a page listening', true], ['no page listening', false]])('a loss that turns non-finite pauses the run with a message (%s); nothing is saved after it', async (_, listening) => {
    const d = { ...(await deps()), metricsIntervalMs: 50 };
    const cfg = resolveRunConfig({ env: { noopMax: 5 }, agent: hyper, seed: 8, autosave: { everyAgentSteps: 40 } }, { md5, name: 'diverges' });
    const c = await RunControllerImpl.create(cfg, d);
    open.push(c);
    const events: RunEvent[] = [];
    if (listening) await c.subscribe({ onEvent: (e) => { events.push(e); } });
    await c.start();
    while (c.counters.agentSteps < 90) await new Promise((r) => setTimeout(r, 5));
    const saves = (await d.store.listCheckpoints(c.runId)).map((m) => m.id);
    // What a diverging optimizer leaves behind: weights that are no longer finite. The next
    // gradient step computes a NaN loss from them (the real path, nothing faked in the learner).
    if (c.agent.algorithm !== 'dqn') throw new Error('this test poisons a DQN learner');
    for (const v of c.agent.learner.online.variables) v.assign(tf.fill(v.shape, NaN));
    const t0 = Date.now();
    while (c.state === 'running' && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 10));
    expect(c.state).toBe('paused');
    expect(Number.isFinite((await c.snapshot()).loss)).toBe(false);
    const stepsAtPause = c.counters.agentSteps;
    await new Promise((r) => setTimeout(r, 200));
    expect(c.counters.agentSteps).toBe(stepsAtPause); // it stays paused
    if (listening) {
      const errs = events.filter((e) => e.kind === 'error') as Array<Extract<RunEvent, { kind: 'error' }>>;
      expect(errs.map((e) => e.fatal)).toEqual([false]);
      expect(errs[0].message).toMatch(/^Training paused: the loss became NaN at step [\d,]+ \(training diverged\)\. The last checkpoint \(step 80\) was saved before; resume from it with a lower learning_rate/);
    }
    // No save of the poisoned weights was written (the manager refuses non-finite weights).
    const after = (await d.store.listCheckpoints(c.runId)).map((m) => m.id);
    expect(after.filter((id) => !saves.includes(id))).toEqual([]);
  }, 300_000);

  it('device lost mid-run: stops at once with a clear error, saves nothing after it, closes without waiting, resumes from the last save', async () => {
    const d = await deps();
    const events: RunEvent[] = [];
    const cfg = resolveRunConfig({ env: { noopMax: 5 }, agent: hyper, seed: 4, autosave: { everyAgentSteps: 40 } }, { md5, name: 'lost' });
    const c = await RunControllerImpl.create(cfg, d);
    await c.subscribe({ onEvent: (e) => { events.push(e); } });
    await c.start();
    while (c.counters.agentSteps < 100) await new Promise((r) => setTimeout(r, 5));
    c.deviceLost('the WebGPU device was lost (simulated)');
    expect(c.state).toBe('error');
    const before = (await d.store.listCheckpoints(c.runId)).map((m) => m.id);
    const err = events.find((e) => e.kind === 'error') as Extract<RunEvent, { kind: 'error' }>;
    expect(err.fatal).toBe(true);
    // There is a save to reopen from, so the page does it by itself (recover 'auto'), and the text says so.
    expect(err.recover).toBe('auto');
    expect(err.message).toMatch(/^Training stopped: the WebGPU device was lost \(simulated\) at step [\d,]+\. Nothing was saved after that, so the last checkpoint \(step 80\) is intact\. The page reopens the run from it by itself in a new learner, on the GPU again if it is back, else on the next backend; if that fails, press "Resume from last save"\.$/);
    // A second report of the same loss (device.lost after an uncaptured error) says nothing more.
    c.deviceLost('the WebGPU device was lost (second report)');
    expect(events.filter((e) => e.kind === 'error')).toHaveLength(1);
    // The step in flight unwinds; the run stays stopped and nothing is saved from the suspect state.
    await new Promise((r) => setTimeout(r, 300));
    expect(c.state).toBe('error');
    await expect(c.saveCheckpoint()).rejects.toThrow(/stopped after an error/);
    expect((await d.store.listCheckpoints(c.runId)).map((m) => m.id)).toEqual(before);
    await c.close();
    // The last save is the run's last consistent state: it resumes from there.
    const latest = (await d.store.latest(c.runId))!;
    const r = await RunControllerImpl.fromCheckpoint(latest.id, d);
    open.push(r);
    expect(r.counters.agentSteps).toBe(80);
    await until(r, 120);
    expect(r.state).toBe('paused');
  }, 300_000);

  it('trains in single mode, switches to 2x2 and continues counters, replay and weights; resumes from a checkpoint', async () => {
    const d = await deps();
    const events: RunEvent[] = [];
    const c = await RunControllerImpl.create(resolveRunConfig({ env: { noopMax: 5 }, agent: hyper, mode: { kind: 'single' }, seed: 7 }, { md5, name: 'test' }), d);
    open.push(c);
    await c.subscribe({ onEvent: (e) => { events.push(e); } });
    await until(c, 300);
    const a = await c.snapshot();
    expect(a.counters.agentSteps).toBeGreaterThanOrEqual(300);
    expect(a.counters.gradientUpdates).toBe(Math.floor((a.counters.agentSteps - 64) / 4));
    expect(a.counters.frames).toBe(a.counters.agentSteps * 4);
    expect(a.loss).not.toBeNull();
    expect(Number.isFinite(a.meanQ)).toBe(true);
    expect(a.replaySize).toBeGreaterThan(250);
    const w1 = await c.weightsDigest();

    await c.switchMode({ kind: 'vectorized', workers: 2, envsPerWorker: 2 });
    expect(c.mode).toEqual({ kind: 'vectorized', workers: 2, envsPerWorker: 2 });
    expect(c.env.numEnvs).toBe(4);
    const b = await c.snapshot();
    expect(b.counters).toEqual(a.counters);
    expect(await c.weightsDigest()).toBe(w1);
    // Replay moved across (a few transitions at stream boundaries may become unsampleable).
    expect(Math.abs(b.replaySize - a.replaySize)).toBeLessThanOrEqual(8);
    expect(events.some((e) => e.kind === 'mode-switched')).toBe(true);

    await until(c, a.counters.agentSteps + 200);
    const after = c.counters;
    expect(after.agentSteps).toBeGreaterThanOrEqual(a.counters.agentSteps + 200);
    expect(after.vectorSteps).toBe(a.counters.vectorSteps + (after.agentSteps - a.counters.agentSteps) / 4);
    expect(after.gradientUpdates).toBe(Math.floor((after.agentSteps - 64) / 4));
    expect(after.frames).toBe(after.agentSteps * 4);
    expect(await c.weightsDigest()).not.toBe(w1); // it kept learning

    // Live frames of env 1 (84x84 gray in vectorized mode).
    await c.setViewEnv(1);
    const fs = await c.frames();
    const got = readFrame(fs.buffer, 0, (px) => expect(px.length).toBe(84 * 84));
    expect(got?.env).toBe(1);

    // Manual save, then reopen the checkpoint in single mode in a second controller.
    const info = await c.saveCheckpoint();
    expect(info.counters.agentSteps).toBe(after.agentSteps);
    const w2 = await c.weightsDigest();
    // Same-mode resume (2x2): env worker states come back too.
    const same = await RunControllerImpl.fromCheckpoint(info.id, d);
    open.push(same);
    expect(same.mode).toEqual({ kind: 'vectorized', workers: 2, envsPerWorker: 2 });
    expect(same.counters).toEqual(after);
    expect(await same.weightsDigest()).toBe(w2);
    await same.close();
    const r = await RunControllerImpl.fromCheckpoint(info.id, d, { mode: { kind: 'single' } });
    open.push(r);
    expect(r.runId).toBe(c.runId);
    expect(r.counters).toEqual(after);
    expect(await r.weightsDigest()).toBe(w2);
    expect((await r.history()).loss.length).toBeGreaterThan(0);
    await until(r, after.agentSteps + 20);
    expect(r.counters.agentSteps).toBeGreaterThanOrEqual(after.agentSteps + 20);
  }, 300_000);

  it('evaluates every eval_every steps on a separate env without changing training; the eval checkpoint carries evalReturn, keep-best keeps it, a resume keeps the config', async () => {
    const d = await deps();
    // total_timesteps ends both loops at exactly the same step (single mode steps by 1).
    const base = { env: { noopMax: 5 }, agent: { ...hyper, total_timesteps: 260, eval_episodes: 1 }, mode: { kind: 'single' } as const, seed: 11, autosave: { everyAgentSteps: 0 } };
    const evalCfg = resolveRunConfig({ ...base, eval_every: 100, retention: { keepLast: 1, keepBest: true } }, { md5, name: 'eval' });
    const c = await RunControllerImpl.create(evalCfg, d);
    open.push(c);
    const events: RunEvent[] = [];
    await c.subscribe({ onEvent: (e) => { events.push(e); } });
    await until(c, 260);
    const plain = await RunControllerImpl.create(resolveRunConfig({ ...base, eval_every: 0 }, { md5, name: 'plain' }), d);
    open.push(plain);
    await until(plain, 260);
    expect(c.state).toBe('done');
    expect(plain.state).toBe('done');

    // Training is untouched by the evaluations: same counters, weights, training RNG, episodes.
    expect(c.counters).toEqual(plain.counters);
    expect(await c.weightsDigest()).toBe(await plain.weightsDigest());
    expect(c.agent.rng.getState()).toEqual(plain.agent.rng.getState());
    expect((await c.history()).episodes).toEqual((await plain.history()).episodes);
    expect((await plain.history()).evals).toEqual([]);

    const evals = events.filter((e): e is Extract<RunEvent, { kind: 'eval' }> => e.kind === 'eval');
    expect(evals.map((e) => e.result.agentStep)).toEqual([100, 200]);
    expect(events.some((e) => e.kind === 'state' && e.state === 'evaluating')).toBe(true);
    for (const e of evals) {
      expect(e.result.returns.length).toBe(1);
      expect(e.result.meanReturn).toBe(e.result.returns[0]);
      expect(e.result.epsilon).toBe(c.agent.cfg.eval_epsilon);
      expect(e.checkpointId).not.toBeNull();
    }
    const h = await c.history();
    expect(h.evals.map((p) => [p.x, p.mean])).toEqual(evals.map((e) => [e.result.agentStep, e.result.meanReturn]));
    const snap = await c.snapshot();
    expect(snap.lastEval?.agentStep).toBe(200);
    expect(snap.nextEvalAt).toBe(300);

    // A manual save (no evaluation: evalReturn null); retention keeps it (last 1) and the best eval.
    const manual = await c.saveCheckpoint();
    expect(manual.evalReturn).toBeNull();
    const kept = await d.store.listCheckpoints(c.runId);
    const best = Math.max(...evals.map((e) => e.result.meanReturn));
    expect(kept.map((m) => m.id)).toContain(manual.id);
    expect(kept.length).toBe(2);
    const keptEval = kept.find((m) => m.reason === 'eval')!;
    expect(keptEval.evalReturn).toBe(best);
    expect(evals.find((e) => e.checkpointId === keptEval.id)!.result.meanReturn).toBe(best);

    // Resume: the whole config (eval schedule, retention, autosave) and the eval curve come back.
    const r = await RunControllerImpl.fromCheckpoint(manual.id, d);
    open.push(r);
    expect(r.config).toEqual(c.config);
    expect(r.config.eval_every).toBe(100);
    expect((await r.history()).evals).toEqual(h.evals);
    expect(r.nextEvalAt).toBe(300);
  }, 300_000);

  it('PQN: a DQN run switches to PQN keeping its conv/dense weights; PQN trains with N envs in-thread, switches to 2x2 workers and resumes from a replay-less checkpoint exactly', async () => {
    const d = await deps();
    const events: RunEvent[] = [];
    const c = await RunControllerImpl.create(resolveRunConfig({ env: { noopMax: 5 }, agent: hyper, mode: { kind: 'single' }, seed: 5 }, { md5, name: 'pqn' }), d);
    open.push(c);
    await c.subscribe({ onEvent: (e) => { events.push(e); } });
    await until(c, 100);
    const dqn = await c.agent.learner.getState();
    const before = c.counters;
    // PQN with 4 envs in the learner's thread: rollouts of 4 x 8 = 32 samples, 1 epoch x 2 minibatches.
    const pqnHyper = { ...PQN_PRESET.agent, network: NETWORKS.smoke, num_steps: 8, num_minibatches: 2, update_epochs: 1 };
    const sw = await c.switchAlgorithm({ algorithm: 'pqn', agent: pqnHyper, mode: { kind: 'single', envs: 4 } });
    expect(c.config.algorithm).toBe('pqn');
    expect(c.agent.algorithm).toBe('pqn');
    expect(c.env.numEnvs).toBe(4);
    expect(sw.kept).toEqual(['conv0/kernel', 'conv0/bias', 'q/dense0/kernel', 'q/dense0/bias', 'q/out/kernel', 'q/out/bias']);
    expect(sw.fresh).toEqual(['conv0/ln/scale', 'conv0/ln/bias', 'q/dense0/ln/scale', 'q/dense0/ln/bias']);
    expect(events.some((e) => e.kind === 'algorithm-switched' && e.kept.length === 6)).toBe(true);
    const pqnW = await c.agent.learner.getState();
    for (const name of sw.kept) expect(pqnW.online[pqnW.names.indexOf(name)]).toEqual(dqn.online[dqn.names.indexOf(name)]);
    expect(c.counters).toEqual(before);

    await until(c, before.agentSteps + 4 * 8 * 3);
    const a = c.counters;
    const updates = (c.agent as PQNAgent).updates;
    expect(updates).toBeGreaterThanOrEqual(2);
    expect(a.gradientUpdates - before.gradientUpdates).toBeGreaterThanOrEqual(updates * 2);
    expect(a.gradientUpdates - before.gradientUpdates).toBeLessThan((updates + 1) * 2);
    expect(a.frames).toBe(a.agentSteps * 4);
    const w1 = await c.weightsDigest();

    await c.switchMode({ kind: 'vectorized', workers: 2, envsPerWorker: 2 });
    expect(c.agent.algorithm).toBe('pqn');
    expect(c.counters).toEqual(a);
    expect(await c.weightsDigest()).toBe(w1);
    await until(c, a.agentSteps + 4 * 8 * 2);
    expect(await c.weightsDigest()).not.toBe(w1); // it kept learning

    // A save mid-rollout or mid-update: no replay, and a same-mode resume continues exactly.
    const info = await c.saveCheckpoint();
    expect(info.hasReplay).toBe(false);
    const same = await RunControllerImpl.fromCheckpoint(info.id, d);
    open.push(same);
    expect(same.config).toEqual(c.config);
    expect(same.counters).toEqual(c.counters);
    expect(await same.weightsDigest()).toBe(await c.weightsDigest());
    const target = c.counters.agentSteps + 4 * 8;
    for (const x of [c, same]) {
      while (x.counters.agentSteps < target || x.agent.updatePending) await x.agent.step();
    }
    expect(same.counters).toEqual(c.counters);
    expect(await same.weightsDigest()).toBe(await c.weightsDigest());
    await same.close();
  }, 300_000);

  it('watch mode publishes palette frames and training pauses meanwhile; bad modes are refused', async () => {
    const d = await deps();
    const c = await RunControllerImpl.create(resolveRunConfig({ env: { noopMax: 5 }, agent: hyper, mode: { kind: 'single' }, seed: 3 }, { md5 }), d);
    open.push(c);
    await expect(c.switchMode({ kind: 'vectorized', workers: 0, envsPerWorker: 2 })).rejects.toThrow(/workers/);
    expect(() => resolveRunConfig({ agent: hyper, mode: { kind: 'single' }, seed: 1 }, { md5: 'nope' })).toThrow(/gameMd5/);
    await c.watch({ realtime: false });
    const steps = c.counters.agentSteps;
    const fs = await c.frames();
    const t0 = Date.now();
    let seen: ReturnType<typeof readFrame> = null;
    while (!seen && Date.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 20));
      seen = readFrame(fs.buffer, 0, (px) => expect(Math.max(...px.subarray(0, 2000))).toBeLessThan(256));
    }
    expect(seen).not.toBeNull();
    expect(seen!.width).toBe(160);
    expect(seen!.kind).toBe(0);
    expect(c.state).toBe('watching');
    await c.stopWatch();
    expect(c.counters.agentSteps).toBe(steps);
    const snaps: MetricsSnapshot[] = [];
    await c.subscribe({ onMetrics: (m) => { snaps.push(m); } });
    await until(c, 40);
    expect((await c.snapshot()).state).toBe('paused');
  }, 120_000);
});
