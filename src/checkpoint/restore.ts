import type { AgentState } from '../agent/agent';
import type { AgentConfig, AnyAgent } from '../agent/family';
import type { LearnerState } from '../agent/learner';
import type { PQNRolloutState } from '../agent/pqn';
import type { ReplayState } from '../agent/replay';
import { asF32, asF64, filledRowRanges, splitF32, type CheckpointContent } from './codec';
import { CheckpointCorruptError, CheckpointError } from './errors';
import { planRelayout } from './relayout';
import { checkSegments, forgetReplayBase, noteReplayBase, segmentRowMap } from './segments';
import { rawBytesOf, type CheckpointStore, type SaveOptions } from './store';
import type { BlobEntry, Manifest, RunConfig } from './types';

/**
 * Capturing a live agent into a checkpoint and restoring a checkpoint into a (fresh) agent,
 * with the same env layout (exact resume) or a different one (mode switch).
 */

/**
 * Per-env emulator state, when the env layer can provide it. The agent's VecEnv contract has no
 * such call yet (src/env's VecEnv exposes none; AtariEnv has cloneState/restoreState), so the
 * caller passes an adapter; without one a resume restarts the envs' episodes (counters, replay,
 * weights, RNG still exact).
 */
export interface EnvStateIO {
  getEnvStates(): Promise<Uint8Array[] | null> | Uint8Array[] | null;
  setEnvStates(states: Uint8Array[]): Promise<void> | void;
}

/** Duck-typed: an env object that itself implements EnvStateIO. */
export function envStateIOOf(env: unknown): EnvStateIO | null {
  const e = env as Partial<EnvStateIO> | null;
  return e && typeof e.getEnvStates === 'function' && typeof e.setEnvStates === 'function' ? (e as EnvStateIO) : null;
}

export interface CaptureOptions {
  /** The run's config (src/run/config.ts); its agent config and seed are taken from the agent. */
  run: Omit<RunConfig, 'agent'>;
  frames: number;
  envs?: EnvStateIO | null;
  metrics?: unknown;
  evalReturn?: number | null;
}

/** Builds the content of a checkpoint from a live agent. */
export async function captureAgent(agent: AnyAgent, o: CaptureOptions): Promise<CheckpointContent> {
  const io = o.envs === undefined ? envStateIOOf(agent.env) : o.envs;
  const envStates = io ? await io.getEnvStates() : null;
  return {
    run: { ...o.run, mode: { ...o.run.mode }, seed: agent.cfg.seed, algorithm: agent.algorithm, agent: { ...agent.cfg } },
    agent: await agent.getState(),
    frames: o.frames,
    envStates,
    metrics: o.metrics,
    evalReturn: o.evalReturn ?? null,
  };
}

/** Convenience: capture and save in one call (the agent must not step until it settles). */
export async function saveAgent(store: CheckpointStore, runId: string, agent: AnyAgent, o: CaptureOptions & SaveOptions): Promise<Manifest> {
  return store.save(runId, await captureAgent(agent, o), o);
}

export interface RestoreOptions {
  envs?: EnvStateIO | null;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface RestoreResult {
  manifest: Manifest;
  /** The agent's env count differs from the checkpoint's (replay was redistributed, envs reset). */
  modeChanged: boolean;
  /** Env emulator states were restored (exact continuation of the running episodes). */
  envsRestored: boolean;
  /** Replay data was in the checkpoint and is now in the agent's buffer. */
  replayRestored: boolean;
  /** Transitions that can no longer be sampled after a mode switch (0 for a same-mode resume). */
  lostTransitions: number;
  /** Emulator frames so far (the envs' counter to continue from). */
  frames: number;
  metrics: unknown;
}

/** Config fields that may differ between checkpoint and agent: the env count (mode switch). */
const MAY_DIFFER: ReadonlySet<string> = new Set(['num_envs']);

export function configDifferences(saved: AgentConfig, now: AgentConfig): string[] {
  const out: string[] = [];
  const a = saved as unknown as Record<string, unknown>;
  const b = now as unknown as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (MAY_DIFFER.has(k)) continue;
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${k}: saved ${JSON.stringify(a[k])}, agent ${JSON.stringify(b[k])}`);
  }
  return out;
}

/**
 * Restores checkpoint `id` into `agent`, which should be freshly built for the run (same config
 * except num_envs, same replay capacity). Every blob's checksum is verified as it is read; on
 * any error the agent may be partly overwritten and must be discarded (the stored checkpoint is
 * never modified by a restore). Replay frames are streamed into the agent's buffer part by part,
 * so a restore needs one part of extra memory, not a second replay.
 *
 * If the env layout changed, or env states were not saved / no EnvStateIO is given, the envs
 * are reset through agent.start() at the end: new episodes begin, everything else continues.
 */
export async function restoreAgent(store: CheckpointStore, id: string, agent: AnyAgent, o: RestoreOptions = {}): Promise<RestoreResult> {
  const m = await store.getManifest(id);
  const meta = m.meta;
  const seen = new Set<string>();
  const readArray = (name: string): Promise<Uint8Array> => { seen.add(name); return store.readArray(m, name); };
  if (meta.schema !== 1 && meta.schema !== 2 && meta.schema !== 3) throw new CheckpointError('version', `checkpoint schema ${String(meta.schema)} is not supported`);
  const savedAlgorithm = meta.run.algorithm ?? 'dqn';
  if (savedAlgorithm !== agent.algorithm) throw new CheckpointError('incompatible', `checkpoint ${id} is of a ${savedAlgorithm.toUpperCase()} run, the agent is ${agent.algorithm.toUpperCase()}`);
  const diffs = configDifferences(meta.run.agent, agent.cfg);
  if (diffs.length) throw new CheckpointError('incompatible', `agent config differs from the checkpoint's: ${diffs.join('; ')}`);
  const live = agent.buffer.getState();
  // The buffer's rows are about to be overwritten: whatever checkpoint it matched, it no longer does.
  forgetReplayBase(live);
  const g = meta.replayGeometry;
  if (g.frameHeight !== live.frameHeight || g.frameWidth !== live.frameWidth) {
    throw new CheckpointError('incompatible', `frames are ${g.frameHeight}x${g.frameWidth} in the checkpoint, ${live.frameHeight}x${live.frameWidth} in the agent`);
  }
  const N = agent.env.numEnvs;
  const sameMode = N === g.numEnvs;
  const fs = live.frameHeight * live.frameWidth;
  let done = 0;
  const total = rawBytesOf(m); // progress counts decoded bytes (what the agent gets back)
  const progress = (n: number): void => { done += n; o.onProgress?.(done, total); };

  // Learner.
  const L = meta.learner;
  const online = splitF32(await readArray('net/online'), L.sizes, 'net/online');
  // PQN has no target network (and so no net/target array).
  const target = agent.algorithm === 'pqn' ? null : splitF32(await readArray('net/target'), L.sizes, 'net/target');
  progress(online.length ? L.sizes.reduce((a, b) => a + b, 0) * 8 : 0);
  let adam: LearnerState['adam'] = null;
  if (L.adam) {
    const mm = splitF32(await readArray('adam/m'), L.sizes, 'adam/m');
    const vv = splitF32(await readArray('adam/v'), L.sizes, 'adam/v');
    adam = { iterations: L.adam.iterations, m: mm, v: vv, accBeta1: L.adam.accBeta1, accBeta2: L.adam.accBeta2 };
  }
  const learner: LearnerState = { version: 1, gradientSteps: L.gradientSteps, names: L.names.slice(), online, target, adam };

  // Replay.
  let replay: ReplayState = live;
  let lostTransitions = 0;
  const replayRestored = meta.replay !== null;
  if (meta.replay) {
    const savedRows = g.numEnvs * g.segmentCapacity;
    const totals = meta.replay.totals;
    if (!Array.isArray(totals) || totals.length !== g.numEnvs || !totals.every((t) => Number.isInteger(t) && t >= 0)) {
      throw new CheckpointCorruptError(`checkpoint ${id}: replay row counts are invalid`);
    }
    // Stored row i (the parts of an array back to back) is saved physical row map[i], or -1
    // for a row not restored. Schema 3: actions, rewards, flags and frames are segments
    // (segments.ts; rows the ring overwrote since a segment was written are not live), and
    // priorities are the filled rows as in schema 2. Schema 2: only each env's written rows
    // (its ring's first min(total, capacity) rows), env after env. Schema 1: the whole capacity.
    // Everything not restored of the saved buffer was never written (zeros).
    const mapOf = (ranges: ReadonlyArray<readonly [number, number]>): Int32Array => {
      let n = 0;
      for (const [, k] of ranges) n += k;
      const map = new Int32Array(n);
      let i = 0;
      for (const [first, k] of ranges) for (let j = 0; j < k; j++) map[i++] = first + j;
      return map;
    };
    const filled = mapOf(meta.schema === 1 ? [[0, savedRows]] : filledRowRanges(totals, g.segmentCapacity));
    let rowMap = filled;
    if (meta.schema === 3) {
      checkSegments(meta.replay.segments, totals, g.segmentCapacity, `checkpoint ${id}`);
      rowMap = segmentRowMap(meta.replay.segments, g.segmentCapacity);
    }
    const expand = <T extends Uint8Array | Float32Array | Float64Array>(name: string, compact: T, make: (n: number) => T, map = rowMap): T => {
      if (compact.length !== map.length) throw new CheckpointCorruptError(`checkpoint ${id}: ${name} holds ${compact.length} rows, expected ${map.length}`);
      if (meta.schema === 1) return compact; // already the whole capacity in physical order
      const full = make(savedRows);
      for (let i = 0; i < map.length; i++) if (map[i] >= 0) full[map[i]] = compact[i];
      return full;
    };
    const actions = expand('replay/actions', await readArray('replay/actions'), (n) => new Uint8Array(n));
    const rewards = expand('replay/rewards', asF32(await readArray('replay/rewards')), (n) => new Float32Array(n));
    const flags = expand('replay/flags', await readArray('replay/flags'), (n) => new Uint8Array(n));
    const priorities = g.prioritized ? expand('replay/priorities', asF64(await readArray('replay/priorities')), (n) => new Float64Array(n), filled) : null;
    const frames = m.arrays.find((a) => a.name === 'replay/frames');
    if (!frames) throw new CheckpointCorruptError(`checkpoint ${id}: replay frames missing`);
    seen.add('replay/frames');
    if (frames.byteLength !== rowMap.length * fs) throw new CheckpointCorruptError(`checkpoint ${id}: replay frames have the wrong size`);
    const chunkRows = live.frameChunks[0].length / fs;
    const writeRow = (dstRow: number, src: Uint8Array, srcOff: number): void => {
      live.frameChunks[(dstRow / chunkRows) | 0].set(src.subarray(srcOff, srcOff + fs), (dstRow % chunkRows) * fs);
    };
    // Rows the restored buffer does not fill get zeros, as in a buffer that never wrote them
    // (the agent's buffer may hold older data).
    const zeroUnfilled = (newTotals: readonly number[]): void => {
      for (let e = 0; e < live.numEnvs; e++) {
        let row = e * live.segmentCapacity + Math.min(newTotals[e], live.segmentCapacity);
        const end = (e + 1) * live.segmentCapacity;
        while (row < end) {
          const c = (row / chunkRows) | 0;
          const upto = Math.min(end, (c + 1) * chunkRows);
          live.frameChunks[c].fill(0, (row - c * chunkRows) * fs, (upto - c * chunkRows) * fs);
          row = upto;
        }
      }
    };
    // Compressed frame parts decode into one reused buffer (rows are copied out of it at once).
    let scratch: Uint8Array | null = null;
    const frameScratch = (p: BlobEntry): Uint8Array | undefined => {
      if (!p.codec) return undefined;
      if (!scratch || scratch.length < p.rawSize!) scratch = new Uint8Array(p.rawSize!);
      return scratch;
    };
    if (sameMode && g.segmentCapacity === live.segmentCapacity) {
      let row = 0;
      for (const p of frames.parts) {
        const b = await store.readPart(id, p, frameScratch(p));
        if (b.length % fs !== 0) throw new CheckpointCorruptError(`checkpoint ${id}: frame part ${p.key} is not a whole number of frames`);
        for (let off = 0; off < b.length; off += fs, row++) if (rowMap[row] >= 0) writeRow(rowMap[row], b, off);
        progress(b.length);
      }
      zeroUnfilled(totals);
      replay = { ...live, totals: totals.slice(), actions, rewards, flags, priorities, maxPriority: meta.replay.maxPriority };
    } else {
      const plan = planRelayout(
        { numEnvs: g.numEnvs, segmentCapacity: g.segmentCapacity, totals },
        { actions, rewards, flags, priorities },
        { numEnvs: live.numEnvs, segmentCapacity: live.segmentCapacity },
        g.stackSize,
      );
      let row = 0;
      for (const p of frames.parts) {
        const b = await store.readPart(id, p, frameScratch(p));
        if (b.length % fs !== 0) throw new CheckpointCorruptError(`checkpoint ${id}: frame part ${p.key} is not a whole number of frames`);
        for (let off = 0; off < b.length; off += fs, row++) {
          const dst = rowMap[row] >= 0 ? plan.map[rowMap[row]] : -1;
          if (dst >= 0) writeRow(dst, b, off);
        }
        progress(b.length);
      }
      zeroUnfilled(plan.totals);
      lostTransitions = plan.lostTransitions;
      replay = { ...live, totals: plan.totals, actions: plan.actions, rewards: plan.rewards, flags: plan.flags, priorities: plan.priorities, maxPriority: meta.replay.maxPriority };
    }
  }

  // Agent-level state.
  const S = agent.cfg.frame_stack;
  const stacks = sameMode ? await readArray('agent/stacks') : new Uint8Array(N * S * fs);
  // Envs: read (and so verify) their states now, before anything is applied.
  const io = o.envs === undefined ? envStateIOOf(agent.env) : o.envs;
  let envStates: Uint8Array[] | null = null;
  if (sameMode && meta.envStates === N && io) {
    envStates = [];
    for (let i = 0; i < N; i++) envStates.push(await readArray(`env/${i}`));
  }
  const metrics = meta.hasMetrics ? JSON.parse(new TextDecoder().decode(await readArray('metrics'))) as unknown : undefined;
  // PQN's rollout position continues only with the same envs (a mode switch starts a new rollout).
  const rollout = agent.algorithm === 'pqn' && sameMode && meta.rollout ? await readRollout(meta.rollout, readArray) : null;
  // Every other blob is checked too: a load verifies the whole checkpoint, used or not.
  for (const a of m.arrays) if (!seen.has(a.name)) await readArray(a.name);
  const common = {
    version: 1 as const,
    globalStep: meta.counters.agentSteps,
    vectorSteps: meta.counters.vectorSteps,
    episodes: meta.counters.episodes,
    rng: meta.rng.agent,
    evalRng: meta.rng.eval,
    stacks,
    learner,
  };
  try {
    if (agent.algorithm === 'pqn') await agent.setState({ ...common, algorithm: 'pqn', config: { ...agent.cfg }, rollout });
    else await agent.setState({ ...common, config: { ...agent.cfg }, replay } satisfies AgentState);
  } catch (e) {
    throw new CheckpointError('incompatible', `checkpoint ${id} does not fit this agent: ${(e as Error).message}`, { cause: e });
  }

  // Same layout: the buffer now holds this checkpoint's rows, so the next save writes only new ones.
  if (replayRestored && sameMode && g.segmentCapacity === live.segmentCapacity && meta.schema === 3) {
    noteReplayBase(agent.buffer.getState(), { dbName: store.dbName, runId: m.runId, checkpointId: m.id });
  }

  // Envs.
  let envsRestored = false;
  if (envStates && io) {
    await io.setEnvStates(envStates);
    envsRestored = true;
  }
  if (envsRestored && !replayRestored) {
    // Fast-path checkpoint (no replay) but the episodes continue: the fresh buffer gets each
    // env's saved acting stack, so the agent acts on exactly the frames it acted on before.
    for (let e = 0; e < N; e++) agent.buffer.startEpisodeFromStack(e, stacks, e * S * fs);
  }
  if (!envsRestored) await agent.start();
  return { manifest: m, modeChanged: !sameMode, envsRestored, replayRestored, lostTransitions, frames: meta.counters.frames, metrics };
}

/** PQN's rollout arrays (FORMAT.md, "PQN rollout") back into the agent's state shape. */
async function readRollout(r: NonNullable<Manifest['meta']['rollout']>, readArray: (name: string) => Promise<Uint8Array>): Promise<PQNRolloutState> {
  const flags = await readArray('rollout/flags');
  const terminated = new Uint8Array(flags.length);
  const truncated = new Uint8Array(flags.length);
  for (let i = 0; i < flags.length; i++) { terminated[i] = flags[i] & 1; truncated[i] = (flags[i] >> 1) & 1; }
  return {
    steps: r.steps,
    startStep: r.startStep,
    training: r.training ? {
      epoch: r.training.epoch, minibatch: r.training.minibatch,
      perm: Int32Array.from(asF64(await readArray('rollout/perm'))), lastQ: asF32(await readArray('rollout/lastq')),
    } : null,
    obs: (await readArray('rollout/obs')).slice(),
    actions: Int32Array.from(await readArray('rollout/actions')),
    rewards: asF32(await readArray('rollout/rewards')),
    terminated,
    truncated,
    qMax: asF32(await readArray('rollout/qmax')),
    qFinal: asF32(await readArray('rollout/qfinal')),
  };
}
