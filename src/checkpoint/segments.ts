import type { ReplayState } from '../agent/replay';
import { CheckpointCorruptError } from './errors';

/**
 * Incremental replay saves (meta schema 3, FORMAT.md "Replay segments").
 *
 * A replay ring only ever appends: env e's logical row L is written once (at physical row
 * e*seg + L % seg) and stays as it is until the ring comes round and overwrites it. So a
 * checkpoint's replay is stored as immutable **segments**: runs of consecutive logical rows of
 * one env, one blob per replay array each. A save writes only the rows appended since the
 * previous save of the same buffer and references that save's segments for the rest; the ring's
 * wrap is handled by each reference's `live` sub-range (rows the ring has overwritten since are
 * never read from an old segment). Which checkpoint's rows the live buffer still holds is the
 * "base" tracked below; the store keeps a referenced segment alive (store.ts, sweep) as long as
 * any checkpoint names it.
 */

/** One segment a checkpoint's replay is made of (meta.replay.segments). */
export interface ReplaySegment {
  /** The env whose ring the rows belong to. */
  env: number;
  /** Logical row (of env `env`) of the segment's first stored row. */
  first: number;
  /** Rows stored in each of the segment's blobs (logical rows first .. first+rows-1, physically contiguous). */
  rows: number;
  /** The logical rows [from, to) of the segment this checkpoint uses; the rest are stale or re-saved elsewhere. */
  live: [number, number];
}

/**
 * The replay arrays stored as segments: part j of each is segment j's rows. Priorities are not
 * among them: sampling updates old rows' priorities, so they are saved whole (filled rows, the
 * schema-2 layout) at every save.
 */
export const SEGMENTED_REPLAY_ARRAYS: ReadonlySet<string> = new Set(['replay/actions', 'replay/rewards', 'replay/flags', 'replay/frames']);

/** Key of segment `s`'s blob of array `name`, unique within the checkpoint that writes it (and the file it exports to). */
export function segmentKey(name: string, s: ReplaySegment): string {
  return `${name}@e${s.env}:${s.first}`;
}

export interface SegmentPlan {
  /** The new checkpoint's segments, env after env, by logical row. */
  segments: ReplaySegment[];
  /** Parallel to segments: index of the same segment in the base checkpoint's list (reused, not written), or -1 (new, written now). */
  from: number[];
}

/**
 * Which segments a save references and which rows it writes. `base` is the previous save of the
 * same buffer (its totals and segments) or null (everything is written). Per env, live rows are
 * [max(0, T - seg), T). Rows the base saved are reused except its newest row per env: that row
 * was the pending one (the agent records its action, reward and flags at the next step), so it
 * is written again. New rows are cut at the ring's laps (a segment is physically contiguous) and
 * at `maxRows` (one blob of frames stays within the store's part size).
 */
export function planReplaySegments(
  totals: readonly number[],
  segmentCapacity: number,
  maxRows: number,
  base: { totals: readonly number[]; segments: readonly ReplaySegment[] } | null,
): SegmentPlan {
  const seg = segmentCapacity;
  const step = Math.max(1, Math.floor(maxRows));
  // A base that does not describe an earlier state of these rings (fewer envs, or rows it has
  // and the buffer has not) is not used at all.
  const usable = base !== null && base.totals.length === totals.length && totals.every((t, e) => t >= base.totals[e]);
  const segments: ReplaySegment[] = [];
  const from: number[] = [];
  let bi = 0; // base segments are env-major, so one pass over them serves every env
  for (let e = 0; e < totals.length; e++) {
    const hi = totals[e];
    const lo = Math.max(0, hi - seg);
    let covered = lo;
    if (usable) {
      const sealed = base.totals[e] - 1;
      for (; bi < base.segments.length && base.segments[bi].env === e; bi++) {
        const s = base.segments[bi];
        const a = Math.max(s.live[0], lo);
        const b = Math.min(s.live[1], sealed);
        if (b <= a) continue;
        if (a !== covered) break; // not contiguous with what is covered: write the rest anew (never expected)
        segments.push({ env: e, first: s.first, rows: s.rows, live: [a, b] });
        from.push(bi);
        covered = b;
      }
      while (bi < base.segments.length && base.segments[bi].env <= e) bi++;
    }
    for (let L = covered; L < hi;) {
      const end = Math.min(hi, L + step, (Math.floor(L / seg) + 1) * seg);
      segments.push({ env: e, first: L, rows: end - L, live: [L, end] });
      from.push(-1);
      L = end;
    }
  }
  return { segments, from };
}

/** First physical row of a segment's stored rows. */
export function segmentPhysicalStart(s: ReplaySegment, segmentCapacity: number): number {
  return s.env * segmentCapacity + (s.first % segmentCapacity);
}

/**
 * Checks that a segment list describes exactly the live rows of every env's ring: segments in
 * env order, each physically contiguous and within one lap, live ranges inside their segment,
 * and per env the live ranges tiling [max(0, T - seg), T) without gaps or overlaps.
 */
export function checkSegments(segments: unknown, totals: readonly number[], segmentCapacity: number, what: string): asserts segments is ReplaySegment[] {
  const bad = (why: string): never => { throw new CheckpointCorruptError(`${what}: replay segments are invalid (${why})`); };
  if (!Array.isArray(segments)) bad('not a list');
  const list = segments as unknown[];
  const int = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  let i = 0;
  for (let e = 0; e < totals.length; e++) {
    let covered = Math.max(0, totals[e] - segmentCapacity);
    for (; i < list.length && (list[i] as ReplaySegment)?.env === e; i++) {
      const s = list[i] as ReplaySegment;
      if (!int(s.first) || !int(s.rows) || s.rows === 0 || !Array.isArray(s.live) || !int(s.live[0]) || !int(s.live[1])) bad(`segment ${i} is malformed`);
      if ((s.first % segmentCapacity) + s.rows > segmentCapacity) bad(`segment ${i} runs past its ring's lap`);
      if (s.live[0] !== covered || s.live[1] <= s.live[0] || s.live[0] < s.first || s.live[1] > s.first + s.rows) bad(`segment ${i} (env ${e}) does not continue at row ${covered}`);
      covered = s.live[1];
    }
    if (covered !== totals[e]) bad(`env ${e}'s rows end at ${covered}, it wrote ${totals[e]}`);
  }
  if (i !== list.length) bad(`segment ${i} names env ${String((list[i] as ReplaySegment)?.env)}`);
}

/**
 * For the rows of the segments back to back (what each segmented array's parts hold, in
 * order): the saved buffer's physical row of each, or -1 where the row is not live.
 */
export function segmentRowMap(segments: readonly ReplaySegment[], segmentCapacity: number): Int32Array {
  let n = 0;
  for (const s of segments) n += s.rows;
  const map = new Int32Array(n).fill(-1);
  let o = 0;
  for (const s of segments) {
    const p0 = segmentPhysicalStart(s, segmentCapacity);
    for (let L = s.live[0]; L < s.live[1]; L++) map[o + L - s.first] = p0 + L - s.first;
    o += s.rows;
  }
  return map;
}

// ------------------------------------------------------------------ base tracking

/** The checkpoint whose replay rows a live buffer still holds (all of them, except where the ring has since wrapped). */
interface ReplayBase {
  dbName: string;
  runId: string;
  checkpointId: string;
  generation: number;
}

/**
 * Keyed by the buffer's frame chunk list (ReplayState.frameChunks: the buffer's own array, the
 * same object in every getState()), so nothing here keeps a buffer alive. Set after a save
 * commits and after a same-layout restore; valid only while the buffer's `generation` is the
 * one noted (ReplayBuffer.setState replaces the rows and bumps it).
 */
const bases = new WeakMap<object, ReplayBase>();

/** Records that buffer `r` now holds exactly the replay rows of checkpoint `checkpointId`. */
export function noteReplayBase(r: ReplayState, b: Omit<ReplayBase, 'generation'>): void {
  if (r.generation === undefined) return; // a hand-built state: no identity to track
  bases.set(r.frameChunks, { ...b, generation: r.generation });
}

/** The checkpoint of store `dbName` and run `runId` whose rows buffer `r` still holds, or null. */
export function replayBaseOf(r: ReplayState, dbName: string, runId: string): string | null {
  const b = bases.get(r.frameChunks);
  if (!b || b.generation !== r.generation || b.dbName !== dbName || b.runId !== runId) return null;
  return b.checkpointId;
}

/** Forgets buffer `r`'s base (a restore is about to overwrite its rows). */
export function forgetReplayBase(r: ReplayState): void {
  bases.delete(r.frameChunks);
}
