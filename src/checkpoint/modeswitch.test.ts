import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DQNAgent } from '../agent/agent';
import { FLAG_ACTION, ReplayBuffer } from '../agent/replay';
import { Rng } from '../agent/rng';
import { switchMode } from './manager';
import { planRelayout } from './relayout';
import { restoreAgent, saveAgent } from './restore';
import type { CheckpointStore } from './store';
import { freshStore, makeAgent, quickConfig, runConfig, StatefulCueEnv, stepTo } from './test-helpers';

// Agents train on the tfjs cpu backend here: give slow, shared machines room (default 30 s).
vi.setConfig({ testTimeout: 180_000 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const FH = 3;
const FW = 4;
const FS = FH * FW;

/** Fills a buffer with random frames (each unique with overwhelming probability) and random episode ends. */
function filledBuffer(numEnvs: number, capacity: number, steps: number, nStep: number, seed: number): ReplayBuffer {
  return filledPair(numEnvs, capacity, steps, nStep, seed).b;
}

/**
 * The buffer, plus a shadow fed the same data that never wraps (the whole history), so "true
 * transition" can be checked even for rows the small buffer could not sample.
 */
function filledPair(numEnvs: number, capacity: number, steps: number, nStep: number, seed: number): { b: ReplayBuffer; history: ReplayBuffer } {
  const rng = new Rng(seed);
  const mk = (cap: number) => new ReplayBuffer({ numEnvs, capacity: cap, frameHeight: FH, frameWidth: FW, stackSize: 4, nStep, gamma: 0.9, batchSize: 1, rng: new Rng(1) });
  const b = mk(capacity);
  const history = mk(numEnvs * (2 * steps + 4));
  const both = {
    startEpisodes: (f: Uint8Array) => { b.startEpisodes(f); history.startEpisodes(f); },
    addVectorStep: (...a: Parameters<ReplayBuffer['addVectorStep']>) => { b.addVectorStep(...a); history.addVectorStep(...a); },
  };
  const frame = () => { const f = new Uint8Array(numEnvs * FS); for (let i = 0; i < f.length; i++) f[i] = rng.nextInt(256); return f; };
  both.startEpisodes(frame());
  const actions = new Int32Array(numEnvs);
  const rewards = new Float32Array(numEnvs);
  const term = new Uint8Array(numEnvs);
  const trunc = new Uint8Array(numEnvs);
  for (let t = 0; t < steps; t++) {
    for (let e = 0; e < numEnvs; e++) {
      actions[e] = rng.nextInt(6);
      rewards[e] = rng.nextInt(5) - 2;
      const u = rng.nextFloat();
      term[e] = u < 0.05 ? 1 : 0;
      trunc[e] = u >= 0.05 && u < 0.08 ? 1 : 0;
    }
    both.addVectorStep(actions, rewards, term, trunc, frame(), frame());
  }
  return { b, history };
}

/** Every sampleable transition as a string key: stacked state, action, return, discount, next state. */
function transitions(b: ReplayBuffer): string[] {
  const out: string[] = [];
  for (let e = 0; e < b.numEnvs; e++) {
    const t = b.rowsWritten(e);
    for (let L = Math.max(0, t - b.segmentCapacity); L < t; L++) {
      if (!b.isValid(e, L)) continue;
      b.fillSlot(0, e, L);
      const x = b.batch;
      out.push(`${Array.from(x.obs).join(',')}|${x.actions[0]}|${x.returns[0]}|${x.discounts[0]}|${Array.from(x.nextObs).join(',')}`);
    }
  }
  return out;
}

/** The new buffer built from a plan (what restoreAgent does with IndexedDB parts, here in memory). */
function applyPlan(old: ReplayBuffer, numEnvs: number, capacity: number, nStep: number): { nb: ReplayBuffer; lost: number } {
  const s = old.getState();
  const nb = new ReplayBuffer({ numEnvs, capacity, frameHeight: FH, frameWidth: FW, stackSize: 4, nStep, gamma: 0.9, batchSize: 1, rng: new Rng(1) });
  const plan = planRelayout({ numEnvs: s.numEnvs, segmentCapacity: s.segmentCapacity, totals: s.totals }, s, { numEnvs, segmentCapacity: nb.segmentCapacity }, 4);
  const live = nb.getState();
  const src = s.frameChunks[0];
  for (let id = 0; id < plan.map.length; id++) if (plan.map[id] >= 0) live.frameChunks[0].set(src.subarray(id * FS, (id + 1) * FS), plan.map[id] * FS);
  nb.setState({ ...live, totals: plan.totals, actions: plan.actions, rewards: plan.rewards, flags: plan.flags, priorities: null, maxPriority: 1 });
  return { nb, lost: plan.lostTransitions };
}

describe('replay relayout (mode switch)', () => {
  const cases: Array<[string, number, number, number, number, number]> = [
    // name, old envs, new envs, old capacity, new capacity, steps
    ['1 -> 4 (ring wrapped)', 1, 4, 400, 400, 700],
    ['4 -> 1', 4, 1, 400, 400, 150],
    ['3 -> 2, smaller buffer', 3, 2, 600, 300, 260],
    ['2 -> 8 (WxK = 2x4)', 2, 8, 800, 800, 500],
    ['2 -> 2, smaller buffer (capacity changed only)', 2, 2, 600, 300, 400],
    ['2 -> 2, bigger buffer', 2, 2, 300, 600, 400],
  ];
  for (const [name, n0, n1, c0, c1, steps] of cases) {
    it(`${name}: every transition after the move is a true one of the history (1-step), few are lost`, () => {
      const { b: old, history } = filledPair(n0, c0, steps, 1, 7 + n0 * 13 + n1);
      const truth = new Set(transitions(history));
      const before = new Set(transitions(old));
      for (const t of before) expect(truth.has(t)).toBe(true); // the reference itself is sound
      const { nb, lost } = applyPlan(old, n1, c1, 1);
      if (n0 === n1) {
        // Same env count: every stream keeps its own newest (pending) frame, so envs may continue.
        const nsLive = nb.getState();
        const os = old.getState();
        for (let e = 0; e < n1; e++) {
          const oldLast = e * os.segmentCapacity + ((os.totals[e] - 1) % os.segmentCapacity);
          const newLast = e * nsLive.segmentCapacity + ((nsLive.totals[e] - 1) % nsLive.segmentCapacity);
          expect(Array.from(nsLive.frameChunks[0].subarray(newLast * FS, (newLast + 1) * FS))).toEqual(Array.from(os.frameChunks[0].subarray(oldLast * FS, (oldLast + 1) * FS)));
        }
      }
      // New envs start episodes right after the move: the seam rows must not leak into them.
      const rng = new Rng(5);
      const f = new Uint8Array(n1 * FS).map(() => rng.nextInt(256));
      nb.startEpisodes(f);
      const after = transitions(nb);
      expect(after.filter((t) => !truth.has(t)).length).toBe(0);
      // Nothing the old buffer could sample is lost except around the seams (<= 4 rows per seam).
      const kept = after.filter((t) => before.has(t)).length;
      expect(new Set(after).size).toBe(after.length);
      const seams = n0 + n1 + 1;
      if (c1 >= c0) {
        expect(kept).toBeGreaterThanOrEqual(before.size - seams * 4);
      } else {
        expect(kept).toBeGreaterThan(before.size * (c1 / c0) - seams * 4 - n0 * 4);
        expect(lost).toBeGreaterThan(0);
      }
      // The moved buffer keeps working: more steps, sampling.
      const acts = new Int32Array(n1);
      nb.addVectorStep(acts, new Float32Array(n1), new Uint8Array(n1), new Uint8Array(n1), f, f);
      expect(nb.validCount()).toBeGreaterThan(0);
    });
  }

  it('3-step returns: transitions keep their state, action and first reward; seams only shorten the bootstrap', () => {
    const { b: old, history } = filledPair(2, 400, 300, 3, 99);
    // (state, action) of every acted-on row of the history, also the newest ones whose n-step window was incomplete.
    const beforeKeys = new Set<string>();
    const stack = new Float32Array(FS * 4);
    for (let e = 0; e < history.numEnvs; e++) {
      for (let L = 0; L < history.rowsWritten(e); L++) {
        if (!(history.rowFlags(e, L) & FLAG_ACTION)) continue;
        history.writeStack(e, L, stack, 0);
        beforeKeys.add(`${Array.from(stack).join(',')}|${history.getState().actions[history.rowId(e, L)]}`);
      }
    }
    const truth = new Set(transitions(history));
    let exact = 0;
    const { nb } = applyPlan(old, 5, 400, 3);
    let n = 0;
    for (const t of transitions(nb)) {
      const [obs, a, , disc] = t.split('|');
      expect(beforeKeys.has(`${obs}|${a}`)).toBe(true);
      if (truth.has(t)) exact++;
      expect([0, 0.9, 0.81, 0.9 ** 3].some((d) => Math.abs(Number(disc) - d) < 1e-6)).toBe(true);
      n++;
    }
    expect(n).toBeGreaterThan(300);
    expect(exact).toBeGreaterThan(n - 6 * 3); // only rows within n of a seam have a shortened return
  });
});

describe('switchMode (single env <-> vectorized, with IndexedDB)', () => {
  const open: CheckpointStore[] = [];
  afterEach(() => { for (const s of open.splice(0)) s.close(); });

  it('1 env -> 4 envs (2x2) -> 1 env: counters, weights, optimizer and replay continue, training goes on', async () => {
    const s = await freshStore({ partBytes: 2048 });
    open.push(s);
    const cfg1 = quickConfig({ num_envs: 1 });
    const run = await s.createRun(runConfig(cfg1));
    let agent: DQNAgent = makeAgent(cfg1, 400);
    await stepTo(agent, 300);
    const steps0 = agent.globalStep;
    const grads0 = agent.learner.gradientSteps;
    const episodes0 = agent.episodes;
    const online0 = (await agent.learner.online.getWeights()).map((w) => Array.from(w));
    const replay0 = agent.buffer.validCount();
    const { agent: _a, ...baseRun } = runConfig(cfg1);
    let closed = 0;
    const build = async (cfg: typeof cfg1, _mode: unknown, capacity: number) => {
      const a = makeAgent(cfg, capacity, 77);
      return { agent: a, envs: a.env as StatefulCueEnv };
    };
    const r1 = await switchMode({
      store: s, runId: run.runId, agent, mode: { kind: 'vectorized', workers: 2, envsPerWorker: 2 },
      capture: { run: baseRun, frames: steps0 * 4, metrics: { points: [1, 2, 3] } },
      closeOldEnvs: () => { closed++; }, build,
    });
    agent = r1.agent;
    expect(closed).toBe(1);
    expect(r1.restored.modeChanged).toBe(true);
    expect(r1.restored.metrics).toEqual({ points: [1, 2, 3] });
    expect(agent.env.numEnvs).toBe(4);
    expect(agent.globalStep).toBe(steps0);
    expect(agent.learner.gradientSteps).toBe(grads0);
    expect(agent.episodes).toBe(episodes0);
    expect((await agent.learner.online.getWeights()).map((w) => Array.from(w))).toEqual(online0);
    const adam = (await agent.learner.getState()).adam!;
    expect(adam.iterations).toBe(grads0);
    expect(agent.buffer.validCount()).toBeGreaterThanOrEqual(replay0 - 3 * 4 - 4);
    await stepTo(agent, steps0 + 200);
    expect(agent.learner.gradientSteps).toBe(grads0 + 50);

    const steps1 = agent.globalStep;
    const r2 = await switchMode({
      store: s, runId: run.runId, agent, mode: { kind: 'single' },
      capture: { run: { ...baseRun, mode: { kind: 'vectorized', workers: 2, envsPerWorker: 2 } }, frames: steps1 * 4 },
      closeOldEnvs: () => { closed++; }, build,
    });
    agent = r2.agent;
    expect(agent.env.numEnvs).toBe(1);
    expect(agent.globalStep).toBe(steps1);
    await stepTo(agent, steps1 + 40);
    expect(agent.learner.gradientSteps).toBe(grads0 + 60);
    // The run record follows the latest mode.
    expect((await s.getRun(run.runId))!.mode).toEqual({ kind: 'vectorized', workers: 2, envsPerWorker: 2 });
    agent.dispose();
  });

  it('restoring a 2-env checkpoint into a 3-env agent directly (restoreAgent) reports the mode change', async () => {
    const s = await freshStore({ partBytes: 1024 });
    open.push(s);
    const cfg = quickConfig({ num_envs: 2 });
    const run = await s.createRun(runConfig(cfg));
    const A = makeAgent(cfg, 600);
    await stepTo(A, 200);
    const { agent: _a, ...baseRun } = runConfig(cfg);
    const m = await saveAgent(s, run.runId, A, { run: baseRun, frames: 800 });
    const B = makeAgent(quickConfig({ num_envs: 3 }), 600);
    const r = await restoreAgent(s, m.id, B);
    expect(r.modeChanged).toBe(true);
    expect(r.envsRestored).toBe(false);
    expect(B.globalStep).toBe(200);
    expect(B.buffer.validCount()).toBeGreaterThan(A.buffer.validCount() - 40);
    await stepTo(B, 230);
    A.dispose();
    B.dispose();
  });
});
