import { epsilonAt, priorityBetaAt, type DQNConfig } from '../agent/config';
import type { AnyAgentState } from '../agent/family';
import { numEnvsOf, validateRunConfig } from '../run/config';
import { CheckpointError } from './errors';
import { segmentPhysicalStart, type SegmentPlan } from './segments';
import type { ArrayEntry, CheckpointMeta, Counters, RunConfig } from './types';

/**
 * Turning a run's state into (meta JSON + named arrays) and back. Big arrays are never
 * concatenated or copied whole: a source hands out fresh copies of byte ranges, one part at a
 * time, so a save's extra memory is one part (a few MiB), not the replay's size.
 */

/** Everything one checkpoint captures (the agent's own state plus what only the caller knows). */
export interface CheckpointContent {
  run: RunConfig;
  /** DQNAgent/PQNAgent getState() output (replay and rollout arrays are live views: the agent must not step during the save). */
  agent: AnyAgentState;
  /** Emulator frames so far (the agent counts agent steps, the envs count frames). */
  frames: number;
  /** One opaque state per env (AtariEnv.cloneState()), or null when the envs cannot be captured. */
  envStates?: Uint8Array[] | null;
  /** The metric history the charts draw (any JSON value). */
  metrics?: unknown;
  /** Mean evaluation return of the policy saved here, if evaluated (drives "keep best"). */
  evalReturn?: number | null;
}

export interface ArraySource {
  name: string;
  dtype: ArrayEntry['dtype'];
  byteLength: number;
  /** Parts are cut at multiples of this many bytes (element size, or one frame for replay frames). */
  align: number;
  /** A fresh copy of bytes [offset, offset + length) (its own ArrayBuffer, safe to structured-clone). */
  read(offset: number, length: number): Uint8Array;
  /**
   * The same bytes copied into `out` (length bytes from its start): lets a save that compresses
   * reuse one scratch buffer for every part. Fresh 8 MiB buffers cost more than the copy itself
   * in Chromium (first-touch page faults: 100+ ms per part measured on the loaded 2-core machine).
   */
  readInto(offset: number, length: number, out: Uint8Array): void;
  /**
   * Segmented replay arrays only (segments.ts): the byte range of each part, parallel to
   * meta.replay.segments (part j = segment j), instead of cutting at the part size. The store
   * writes the ranges of new segments and references the stored blobs of reused ones.
   */
  segmentRanges?: Array<[number, number]>;
}

/** read() in terms of readInto(). */
function withRead(s: Omit<ArraySource, 'read'>): ArraySource {
  return { ...s, read: (o, n) => { const out = new Uint8Array(n); s.readInto(o, n, out); return out; } };
}

export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;

function typedSource(name: string, dtype: ArrayEntry['dtype'], arr: Uint8Array | Float32Array | Float64Array): ArraySource {
  const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  return {
    name,
    dtype,
    byteLength: bytes.length,
    align: arr.BYTES_PER_ELEMENT,
    read: (o, n) => bytes.slice(o, o + n),
    readInto: (o, n, out) => out.set(bytes.subarray(o, o + n)),
  };
}

function concatF32(list: readonly Float32Array[]): Float32Array {
  let n = 0;
  for (const a of list) n += a.length;
  const out = new Float32Array(n);
  let o = 0;
  for (const a of list) { out.set(a, o); o += a.length; }
  return out;
}

/** A byte source over a list of chunks seen as one array (the replay's frame storage). */
export function chunkedSource(name: string, chunks: readonly Uint8Array[], align: number): ArraySource {
  const starts: number[] = [];
  let total = 0;
  for (const c of chunks) { starts.push(total); total += c.length; }
  return withRead({
    name,
    dtype: 'u8',
    byteLength: total,
    align,
    readInto(offset, length, out) {
      let ci = 0;
      while (ci + 1 < chunks.length && starts[ci + 1] <= offset) ci++;
      let done = 0;
      while (done < length) {
        const c = chunks[ci];
        const from = offset + done - starts[ci];
        const take = Math.min(c.length - from, length - done);
        out.set(c.subarray(from, from + take), done);
        done += take;
        ci++;
      }
    },
  });
}

/**
 * The rows of a replay that hold data, as [first physical row, row count] per env (env-major).
 * Env e's ring is segment [e*seg, (e+1)*seg); its logical row L sits at physical row L % seg, so
 * until the ring wraps the written rows are exactly the segment's first `totals[e]` rows, and
 * once it wraps all `seg` are. Rows past that were never written (zeros in a fresh buffer).
 */
export function filledRowRanges(totals: readonly number[], segmentCapacity: number): Array<[number, number]> {
  return totals.map((t, e): [number, number] => [e * segmentCapacity, Math.min(t, segmentCapacity)]);
}

/** Total rows stored by a schema-2 checkpoint (Σ per-env filled rows). */
export function filledRowCount(totals: readonly number[], segmentCapacity: number): number {
  let n = 0;
  for (const t of totals) n += Math.min(t, segmentCapacity);
  return n;
}

/** The rows `rows` of a per-row source (`rowBytes` each), back to back, as one source. */
export function rowsSource(base: ArraySource, rowBytes: number, rows: ReadonlyArray<readonly [number, number]>): ArraySource {
  // Byte runs of the base, and where each starts in the compact (virtual) array.
  const runs: Array<{ at: number; from: number; len: number }> = [];
  let total = 0;
  for (const [first, n] of rows) {
    if (n <= 0) continue;
    runs.push({ at: total, from: first * rowBytes, len: n * rowBytes });
    total += n * rowBytes;
  }
  if (runs.length && runs[runs.length - 1].from + runs[runs.length - 1].len > base.byteLength) {
    throw new CheckpointError('incompatible', `${base.name}: row ranges run past the array (${base.byteLength} bytes)`);
  }
  return withRead({
    name: base.name,
    dtype: base.dtype,
    byteLength: total,
    align: base.align,
    readInto(offset, length, out) {
      let i = 0;
      while (i + 1 < runs.length && runs[i + 1].at <= offset) i++;
      let done = 0;
      while (done < length) {
        const r = runs[i];
        const inRun = offset + done - r.at;
        const take = Math.min(r.len - inRun, length - done);
        base.readInto(r.from + inRun, take, out.subarray(done, done + take));
        done += take;
        i++;
      }
    },
  });
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/**
 * Meta + array sources for a checkpoint. `includeReplay` false = the fast path (no replay data).
 * With the replay, `plan` (segments.ts planReplaySegments over the agent's replay totals) says
 * which segments make up the replay; the segmented arrays' sources cover all of them, and the
 * store reads only the new ones.
 */
export function encodeContent(c: CheckpointContent, includeReplay: boolean, plan: SegmentPlan | null = null): { meta: CheckpointMeta; sources: ArraySource[] } {
  const a = c.agent;
  const L = a.learner;
  const cfg = c.run.agent;
  const problems = validateRunConfig(c.run);
  if (problems.length) throw new CheckpointError('incompatible', `run config: ${problems.join('; ')}`);
  const numEnvs = numEnvsOf(c.run.mode);
  if (cfg.num_envs !== numEnvs) {
    throw new CheckpointError('incompatible', `run mode says ${numEnvs} envs, agent config ${cfg.num_envs}`);
  }
  const r = a.replay; // null for PQN (no replay; its frame store's geometry is a.frames)
  const geo = r ?? (a as Extract<AnyAgentState, { algorithm: 'pqn' }>).frames;
  const withReplay = includeReplay && r !== null;
  if (withReplay && !plan) throw new CheckpointError('incompatible', 'internal: a replay save needs its segment plan');
  const sizes = L.online.map((w) => w.length);
  const counters: Counters = {
    agentSteps: a.globalStep,
    vectorSteps: a.vectorSteps,
    frames: c.frames,
    episodes: a.episodes,
    gradientUpdates: L.gradientSteps,
  };
  const envStates = c.envStates ?? null;
  if (envStates && envStates.length !== numEnvs) {
    throw new CheckpointError('incompatible', `${envStates.length} env states for ${numEnvs} envs`);
  }
  const hasMetrics = c.metrics !== undefined;
  const meta: CheckpointMeta = {
    schema: 3,
    run: c.run,
    counters,
    // PQN: epsilon as its agent computes it (after global_step += num_envs, CleanRL), no priorities.
    exploration: c.run.algorithm === 'pqn'
      ? { epsilon: epsilonAt(cfg, a.globalStep + cfg.num_envs), priorityBeta: 0 }
      : { epsilon: epsilonAt(cfg, a.globalStep), priorityBeta: priorityBetaAt(cfg as DQNConfig, a.globalStep) },
    rng: { agent: [...a.rng] as unknown as CheckpointMeta['rng']['agent'], eval: [...a.evalRng] as unknown as CheckpointMeta['rng']['eval'] },
    learner: {
      gradientSteps: L.gradientSteps,
      names: L.names.slice(),
      sizes,
      adam: L.adam ? { iterations: L.adam.iterations, accBeta1: L.adam.accBeta1, accBeta2: L.adam.accBeta2 } : null,
    },
    replayGeometry: {
      numEnvs: geo.numEnvs,
      segmentCapacity: geo.segmentCapacity,
      frameHeight: geo.frameHeight,
      frameWidth: geo.frameWidth,
      stackSize: cfg.frame_stack,
      prioritized: r !== null && r.priorities !== null,
    },
    replay: withReplay ? { totals: r.totals.slice(), maxPriority: r.maxPriority, segments: plan!.segments } : null,
    envStates: envStates ? envStates.length : 0,
    hasMetrics,
    evalReturn: c.evalReturn ?? null,
  };
  const sources: ArraySource[] = [typedSource('net/online', 'f32', concatF32(L.online))];
  // PQN has no target network (FORMAT.md: net/target is required for DQN runs only).
  if (L.target) sources.push(typedSource('net/target', 'f32', concatF32(L.target)));
  if (L.adam) {
    sources.push(typedSource('adam/m', 'f32', concatF32(L.adam.m)), typedSource('adam/v', 'f32', concatF32(L.adam.v)));
  }
  sources.push(typedSource('agent/stacks', 'u8', a.stacks));
  const ro = 'rollout' in a ? a.rollout : null;
  if (ro) {
    // PQN's position in its rollout/update cycle (FORMAT.md, "PQN rollout"): exact resume anywhere.
    meta.rollout = { steps: ro.steps, startStep: ro.startStep, training: ro.training ? { epoch: ro.training.epoch, minibatch: ro.training.minibatch } : null };
    const flags = new Uint8Array(ro.terminated.length);
    for (let i = 0; i < flags.length; i++) flags[i] = (ro.terminated[i] ? 1 : 0) | (ro.truncated[i] ? 2 : 0);
    sources.push(
      typedSource('rollout/obs', 'u8', ro.obs),
      typedSource('rollout/actions', 'u8', Uint8Array.from(ro.actions)),
      typedSource('rollout/rewards', 'f32', ro.rewards),
      typedSource('rollout/flags', 'u8', flags),
      typedSource('rollout/qmax', 'f32', ro.qMax),
      typedSource('rollout/qfinal', 'f32', ro.qFinal),
    );
    if (ro.training) sources.push(typedSource('rollout/perm', 'f64', Float64Array.from(ro.training.perm)), typedSource('rollout/lastq', 'f32', ro.training.lastQ));
  }
  if (withReplay) {
    // Schema 3: actions, rewards, flags and frames as segments (each array's rows of every
    // segment back to back, one part per segment), so a save writes only its new segments.
    const seg = r.segmentCapacity;
    const rows = plan!.segments.map((s): [number, number] => [segmentPhysicalStart(s, seg), s.rows]);
    const segmented = (base: ArraySource, rowBytes: number): ArraySource => {
      const src = rowsSource(base, rowBytes, rows);
      let o = 0;
      src.segmentRanges = rows.map(([, n]): [number, number] => { const at = o; o += n * rowBytes; return [at, n * rowBytes]; });
      return src;
    };
    const fs = r.frameHeight * r.frameWidth;
    sources.push(
      segmented(typedSource('replay/actions', 'u8', r.actions), 1),
      segmented(typedSource('replay/rewards', 'f32', r.rewards), 4),
      segmented(typedSource('replay/flags', 'u8', r.flags), 1),
    );
    // Priorities change for old rows (sampling updates them): every filled row, every save (schema-2 layout).
    if (r.priorities) sources.push(rowsSource(typedSource('replay/priorities', 'f64', r.priorities), 8, filledRowRanges(r.totals, seg)));
    sources.push(segmented(chunkedSource('replay/frames', r.frameChunks, fs), fs));
  }
  if (envStates) envStates.forEach((s, i) => sources.push(typedSource(`env/${i}`, 'u8', s)));
  if (hasMetrics) sources.push(typedSource('metrics', 'u8', utf8(JSON.stringify(c.metrics))));
  return { meta, sources };
}

/** Part boundaries of a source: [offset, length] pairs, each a multiple of `align` except possibly none. */
export function partRanges(byteLength: number, align: number, partBytes: number): Array<[number, number]> {
  const step = Math.max(align, Math.floor(partBytes / align) * align);
  const out: Array<[number, number]> = [];
  for (let o = 0; o < byteLength; o += step) out.push([o, Math.min(step, byteLength - o)]);
  if (byteLength === 0) out.push([0, 0]);
  return out;
}

/** Split a concatenated f32 array back into per-parameter arrays. */
export function splitF32(bytes: Uint8Array, sizes: readonly number[], what: string): Float32Array[] {
  let total = 0;
  for (const s of sizes) total += s;
  if (bytes.length !== total * 4) throw new CheckpointError('incompatible', `${what}: ${bytes.length} bytes for ${total} float32 values`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const out: Float32Array[] = [];
  let o = 0;
  for (const s of sizes) { out.push(all.slice(o, o + s)); o += s; }
  return out;
}

export function asF32(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

export function asF64(bytes: Uint8Array): Float64Array {
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}
