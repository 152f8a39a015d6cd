import { describe, expect, it } from 'vitest';
import type { DQNAgent } from '../agent/agent';
import { restoreAgent, saveAgent } from './restore';
import type { CheckpointStore } from './store';
import { quickConfig, runConfig, snapshot, stepTo, rewriteAsOldSchema } from './test-helpers';
import { checkpointTestPrelude } from './test-prelude';
import type { Manifest } from './types';

// A checkpoint stores only the replay rows written so far (schema 2 and 3), not the whole capacity.

const kit = checkpointTestPrelude({ partBytes: 4096 });
const store = (partBytes = 4096): Promise<CheckpointStore> => kit.store({ partBytes });
const agent = kit.agent;

async function saveAt(s: CheckpointStore, runId: string, a: DQNAgent): Promise<Manifest> {
  const { agent: _cfg, ...run } = runConfig(a.cfg);
  return saveAgent(s, runId, a, { run, frames: a.globalStep * 4, metrics: { step: a.globalStep }, evalReturn: null, includeReplay: true });
}

const replayBytes = (m: Manifest): number => m.arrays.filter((a) => a.name.startsWith('replay/')).reduce((n, a) => n + a.byteLength, 0);
// actions u8 + rewards f32 + flags u8 + priorities f64 + one 6x6 frame.
const BYTES_PER_ROW = 1 + 4 + 1 + 8 + 36;

describe('replay in checkpoints: only the written rows are stored', () => {
  it('a mostly empty buffer saves k-proportional bytes and restores bit-exactly (training continues identically)', async () => {
    const cfg = quickConfig({ num_envs: 2, prioritized_replay: true });
    const C = 40_000; // rows of capacity (2 envs x 20 000)
    const k = 60; // agent steps (transitions) before the save
    const s = await store(256); // 7 frames a part: parts straddle the two envs' segments
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, C);
    await stepTo(A, k);
    const m = await saveAt(s, run.runId, A);
    expect(m.meta.schema).toBe(3);
    // Each transition adds one row, plus one START row per env and one FINAL row per ended episode
    // (at most one per transition): rows <= 2k + N.
    const maxRows = 2 * k + cfg.num_envs;
    const bytes = replayBytes(m);
    expect(A.buffer.size).toBeGreaterThan(k);
    expect(bytes).toBe(A.buffer.size * BYTES_PER_ROW);
    expect(bytes).toBeLessThanOrEqual(maxRows * BYTES_PER_ROW);
    expect(bytes * 100).toBeLessThan(C * BYTES_PER_ROW); // the old layout stored C rows
    const frames = m.arrays.find((a) => a.name === 'replay/frames')!;
    expect(frames.parts.length).toBeGreaterThan(1); // cut into parts across the env boundary too
    const before = await snapshot(A);

    const B = agent(cfg, C, 777);
    const r = await restoreAgent(s, m.id, B);
    expect(r.replayRestored).toBe(true);
    expect(r.modeChanged).toBe(false);
    expect(await snapshot(B)).toEqual(before);
    await stepTo(A, k + 80);
    await stepTo(B, k + 80);
    expect(await snapshot(B)).toEqual(await snapshot(A));
    expect(A.learner.gradientSteps).toBeGreaterThan(0);
  });

  it('restoring into a used agent leaves no stale frames in the rows the checkpoint did not fill', async () => {
    const cfg = quickConfig({ num_envs: 2 });
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, 2000);
    await stepTo(A, 100); // past learning_starts: both agents have optimizer state
    expect(A.learner.gradientSteps).toBeGreaterThan(0);
    const m = await saveAt(s, run.runId, A);
    const before = await snapshot(A);
    const B = agent(cfg, 2000, 31);
    await stepTo(B, 400); // writes far more rows than A had
    await restoreAgent(s, m.id, B);
    expect(await snapshot(B)).toEqual(before);
  });

  it('a full (wrapped) buffer still round-trips and stores exactly its capacity', async () => {
    const cfg = quickConfig({ num_envs: 2, prioritized_replay: true });
    const C = 600;
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, C);
    await stepTo(A, 400); // 2 envs x >= 200 rows each... > 300 per env: both rings wrapped
    expect(A.buffer.rowsWritten(0)).toBeGreaterThan(300);
    expect(A.buffer.rowsWritten(1)).toBeGreaterThan(300);
    const m = await saveAt(s, run.runId, A);
    expect(replayBytes(m)).toBe(C * BYTES_PER_ROW);
    const before = await snapshot(A);
    const B = agent(cfg, C, 5);
    await restoreAgent(s, m.id, B);
    expect(await snapshot(B)).toEqual(before);
    await stepTo(A, 460);
    await stepTo(B, 460);
    expect(await snapshot(B)).toEqual(await snapshot(A));
  });

  it('a small-fill checkpoint restores into a different env count (mode switch) like a full-layout one', async () => {
    const cfg = quickConfig({ num_envs: 2 });
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, 6000);
    await stepTo(A, 120);
    const m = await saveAt(s, run.runId, A);
    const cfg3 = { ...cfg, num_envs: 3 };
    const B = agent(cfg3, 6000, 4);
    const r = await restoreAgent(s, m.id, B);
    expect(r.modeChanged).toBe(true);
    // Every retained row moved (no capacity pressure); at most a stack's worth lost per seam.
    expect(B.buffer.size).toBe(A.buffer.size + 3); // + one START row per new env from agent.start()
    expect(r.lostTransitions).toBeLessThanOrEqual(4 * 4);
    await stepTo(B, 200);
    expect(B.globalStep).toBeGreaterThanOrEqual(200);
  });

  it('still reads schema-1 checkpoints (whole-capacity replay arrays)', async () => {
    const cfg = quickConfig({ num_envs: 2, prioritized_replay: true });
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, 3000);
    await stepTo(A, 90);
    const m = await saveAt(s, run.runId, A);
    const before = await snapshot(A);
    // Rewrite it as the previous layout: every replay array over the whole capacity, one blob each.
    const st = await A.getState();
    const r = st.replay;
    let frameBytes = 0;
    for (const c of r.frameChunks) frameBytes += c.length;
    const frames = new Uint8Array(frameBytes);
    let o = 0;
    for (const c of r.frameChunks) { frames.set(c, o); o += c.length; }
    const full: Record<string, Uint8Array> = {
      'replay/actions': r.actions.slice(),
      'replay/rewards': new Uint8Array(r.rewards.slice().buffer),
      'replay/flags': r.flags.slice(),
      'replay/priorities': new Uint8Array(r.priorities!.slice().buffer),
      'replay/frames': frames,
    };
    expect(frames.length).toBe(3000 * 36);
    await rewriteAsOldSchema(s.dbName, m, full, 'legacy', { ...m.meta, schema: 1 });
    expect((await s.getManifest(m.id)).meta.schema).toBe(1);
    const B = agent(cfg, 3000, 12);
    await restoreAgent(s, m.id, B);
    expect(await snapshot(B)).toEqual(before);
  });
});
