import { FLAG_ACTION, FLAG_START, FLAG_TERMINATED, FLAG_TRUNCATED } from '../agent/replay';

/**
 * Moving a replay buffer between env layouts (mode switch: 1 env <-> N envs, any W x K).
 *
 * The buffer keeps one ring segment per env stream (see src/agent/replay.ts). A different env
 * count means different segments, so rows are redistributed: the retained rows of every old
 * stream, oldest first, are laid end to end and cut into M consecutive pieces, one per new
 * stream (each fits the new segment; if the new buffer is smaller, every old stream loses its
 * oldest rows in proportion). Inside a piece the rows stay consecutive rows of ONE old stream,
 * so stacks and n-step returns computed there are exactly the old ones, with two repairs at the
 * seams, where a piece touches rows that did not come with it:
 *   - the first rows of a piece that does not start at an episode START cannot rebuild their
 *     frame stack (the older frames stayed behind): their action flag is cleared so they are
 *     never sampled (the old buffer treated the oldest S-1 retained rows the same way);
 *   - the last row of a piece loses its action flag: it becomes a cut, so returns of earlier
 *     rows bootstrap from its frame (a true next frame) instead of running into the next piece
 *     or into the new envs' first frames.
 * With an unchanged env count (only the capacity differs) stream e maps to stream e, keeping its
 * newest rows, so running episodes can continue from restored emulator states.
 * No counter changes; transitions lost = the rows cut off by a smaller capacity plus at most
 * S per seam.
 *
 * planRelayout works on full-capacity arrays indexed by old physical row. Checkpoints store only
 * the filled rows (meta schema 2): restore.ts expands the small per-row arrays back to full
 * capacity before planning and maps each stored frame to its old physical row before looking it
 * up in `map`, so frames are never expanded.
 */

export interface ReplayGeometry {
  numEnvs: number;
  segmentCapacity: number;
}

export interface RelayoutPlan {
  /** For each old physical row id: the new physical row id, or -1 if dropped. */
  map: Int32Array;
  /** Rows written per new stream. */
  totals: number[];
  actions: Uint8Array;
  rewards: Float32Array;
  flags: Uint8Array;
  priorities: Float64Array | null;
  /** Transitions (rows with an action) that are no longer sampleable after the move. */
  lostTransitions: number;
  keptRows: number;
}

export function planRelayout(
  from: ReplayGeometry & { totals: readonly number[] },
  old: { actions: Uint8Array; rewards: Float32Array; flags: Uint8Array; priorities: Float64Array | null },
  to: ReplayGeometry,
  stackSize: number,
): RelayoutPlan {
  const segO = from.segmentCapacity;
  const segN = to.segmentCapacity;
  const M = to.numEnvs;
  // Retained logical ranges of every old stream.
  const lo: number[] = [];
  const len: number[] = [];
  let R = 0;
  for (let e = 0; e < from.numEnvs; e++) {
    const t = from.totals[e];
    const l = Math.max(0, t - segO);
    lo.push(l);
    len.push(t - l);
    R += t - l;
  }
  const budget = M * segN;
  // Same env count (only the capacity changed): stream e stays stream e, so each env's newest
  // row is still its own pending frame and a restored emulator state continues it.
  const identity = from.numEnvs === M;
  if (identity) {
    R = 0;
    for (let e = 0; e < M; e++) {
      const k = Math.min(len[e], segN);
      lo[e] += len[e] - k;
      len[e] = k;
      R += k;
    }
  } else if (R > budget) {
    // Keep the newest rows of each old stream, in proportion.
    let kept = 0;
    for (let e = 0; e < from.numEnvs; e++) {
      const k = Math.floor((len[e] * budget) / R);
      lo[e] += len[e] - k;
      len[e] = k;
      kept += k;
    }
    R = kept;
  }
  const rowsN = M * segN;
  const map = new Int32Array(from.numEnvs * segO).fill(-1);
  const actions = new Uint8Array(rowsN);
  const rewards = new Float32Array(rowsN);
  const flags = new Uint8Array(rowsN);
  const priorities = old.priorities ? new Float64Array(rowsN) : null;
  const totals = new Array<number>(M).fill(0);
  const q = Math.ceil(R / M);
  let lost = 0;
  let oldWithAction = 0;
  for (let e = 0; e < from.numEnvs; e++) {
    for (let L = from.totals[e] - Math.min(from.totals[e], segO); L < from.totals[e]; L++) {
      if (old.flags[e * segO + (L % segO)] & FLAG_ACTION) oldWithAction++;
    }
  }
  // Walk the virtual sequence; a new piece starts at each old-stream start and each new-stream start.
  let v = 0; // index in the virtual sequence
  let pieceStart = -1; // new physical id of the current piece's first row
  let pieceLen = 0;
  let pieceStream = -1;
  let pieceOldEnv = -1;
  let needStack = 0; // rows at the piece start still lacking a full stack
  const closePiece = (): void => {
    if (pieceLen > 0) {
      const last = pieceStart + pieceLen - 1;
      if (flags[last] & FLAG_ACTION) {
        flags[last] &= ~(FLAG_ACTION | FLAG_TERMINATED | FLAG_TRUNCATED);
        if (priorities) priorities[last] = 0;
      }
    }
    pieceLen = 0;
  };
  for (let e = 0; e < from.numEnvs; e++) {
    for (let k = 0; k < len[e]; k++, v++) {
      const L = lo[e] + k;
      const oldId = e * segO + (L % segO);
      const stream = identity ? e : Math.floor(v / q);
      if (stream !== pieceStream || e !== pieceOldEnv) {
        closePiece();
        pieceStream = stream;
        pieceOldEnv = e;
        pieceStart = stream * segN + totals[stream];
        needStack = stackSize - 1;
      }
      const newId = stream * segN + totals[stream];
      totals[stream]++;
      pieceLen++;
      map[oldId] = newId;
      let f = old.flags[oldId];
      if (f & FLAG_START) needStack = 0;
      if (needStack > 0) {
        // Its stack would need frames older than the piece: never sample it.
        f &= ~(FLAG_ACTION | FLAG_TERMINATED | FLAG_TRUNCATED);
        needStack--;
      }
      flags[newId] = f;
      actions[newId] = old.actions[oldId];
      rewards[newId] = old.rewards[oldId];
      if (priorities && old.priorities) priorities[newId] = f & FLAG_ACTION ? old.priorities[oldId] : 0;
    }
  }
  closePiece();
  let newWithAction = 0;
  for (let s = 0; s < M; s++) for (let i = 0; i < totals[s]; i++) if (flags[s * segN + i] & FLAG_ACTION) newWithAction++;
  lost = oldWithAction - newWithAction;
  return { map, totals, actions, rewards, flags, priorities, lostTransitions: lost, keptRows: R };
}
