import { Rng } from './rng';
import { SumTree } from './sumtree';

/**
 * Frame-deduplicated replay buffer for N interleaved env streams.
 *
 * Layout. The capacity is split into N equal per-env segments (rings). Each env stream appends
 * one ROW per frame it observes: the frame (H*W bytes, stored once), then — once the agent has
 * acted on it — the action taken, the reward received and flags. A transition is a row with an
 * action; its next state is the following row of the same stream. When an episode ends, the env's
 * final frame is appended as a FINAL row (never acted on) and the new episode starts with a START
 * row, so an episode of L steps costs L+1 rows. Per-env segments make N interleaved writers
 * trivially correct: a stream only ever looks at its own segment.
 *
 * Stacks are rebuilt from indices: the stack for row i is rows i-S+1..i, except that a walk back
 * stops at the episode's START row and repeats it (the usual frame-stack reset rule), so no stack
 * ever mixes two episodes. This is the ONE place frames are stacked (stackRows): sampling, the
 * agent's acting input (the latest row of each env, see writeLatestStacks) and the acting stacks
 * kept in checkpoints all read it, so the net acts on exactly what it later learns from.
 *
 * n-step: the return of row i sums rewards of rows i..i+k-1 where k = n, or fewer when the episode
 * ends (terminated or truncated flag on row i+k-1) or the stream was cut (row without action).
 * Terminated → discount 0 (no bootstrap). Truncated/cut → bootstrap from row i+k with gamma^k.
 *
 * Validity of row i (logical index L in its stream, `total` rows written so far):
 *   - row has an action (excludes FINAL rows and the pending latest row),
 *   - L + n <= total - 1: the rows the n-step return could need are all written (the last n
 *     transitions of each stream wait until more frames arrive — as in Dopamine),
 *   - L - (S-1) is still retained (stack rows not overwritten by the ring).
 *
 * Sampling allocates nothing: results go into a preallocated ReplayBatch whose observations are
 * float32 NHWC ([B, H, W, S], raw 0..255 values; the network scales by 1/255), ready to hand to
 * tf.tensor4d without conversion.
 */

export const FLAG_START = 1; // first frame of an episode
export const FLAG_ACTION = 2; // the agent acted on this frame (row is a transition)
export const FLAG_TERMINATED = 4; // the action ended the episode in a terminal state
export const FLAG_TRUNCATED = 8; // the action ended the episode by time limit
export const FLAG_FINAL = 16; // last frame of an ended episode (never acted on)

export interface ReplayOptions {
  numEnvs: number;
  /** Total rows over all envs (each env gets floor(capacity / numEnvs)). */
  capacity: number;
  frameHeight: number;
  frameWidth: number;
  stackSize: number;
  nStep: number;
  gamma: number;
  batchSize: number;
  rng: Rng;
  /** Proportional prioritized replay; omit for uniform sampling. */
  prioritized?: { alpha: number; eps: number };
  /** Largest single frame-storage ArrayBuffer (default 1 GiB). */
  maxChunkBytes?: number;
}

export class ReplayBatch {
  readonly size: number;
  /** [B, H, W, S] float32, values 0..255. */
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly actions: Int32Array;
  /** n-step discounted reward sum. */
  readonly returns: Float32Array;
  /** gamma^k for a bootstrapped target, 0 when the episode terminated within the n steps. */
  readonly discounts: Float32Array;
  /** Importance-sampling weights (all 1 for uniform replay). */
  readonly weights: Float32Array;
  /** Global row ids, to update priorities after the gradient step. */
  readonly rows: Int32Array;

  constructor(size: number, frameHeight: number, frameWidth: number, stackSize: number) {
    const per = frameHeight * frameWidth * stackSize;
    this.size = size;
    this.obs = new Float32Array(size * per);
    this.nextObs = new Float32Array(size * per);
    this.actions = new Int32Array(size);
    this.returns = new Float32Array(size);
    this.discounts = new Float32Array(size);
    this.weights = new Float32Array(size).fill(1);
    this.rows = new Int32Array(size);
  }
}

export interface ReplayState {
  version: 1;
  numEnvs: number;
  segmentCapacity: number;
  frameHeight: number;
  frameWidth: number;
  totals: number[];
  actions: Uint8Array;
  rewards: Float32Array;
  flags: Uint8Array;
  frameChunks: Uint8Array[];
  priorities: Float64Array | null;
  maxPriority: number;
  /**
   * How many times the buffer's contents were replaced (setState); appends never change it.
   * While it is unchanged, every row a checkpoint saved from this buffer is still the buffer's
   * row (unless the ring overwrote it): incremental replay saves (src/checkpoint/segments.ts)
   * reuse the rows of the previous save only then. Optional: states built by hand have none.
   */
  generation?: number;
}

export class ReplayBuffer {
  readonly numEnvs: number;
  readonly segmentCapacity: number;
  readonly frameHeight: number;
  readonly frameWidth: number;
  readonly frameSize: number;
  readonly stackSize: number;
  readonly nStep: number;
  readonly gamma: number;
  readonly batch: ReplayBatch;

  private readonly rng: Rng;
  private readonly actions: Uint8Array;
  private readonly rewards: Float32Array;
  private readonly flags: Uint8Array;
  private readonly chunks: Uint8Array[];
  private readonly chunkRows: number;
  /** Rows written per env stream (logical count, never wraps). */
  private readonly totals: Float64Array;
  // Scratch, preallocated so sampling allocates nothing.
  private readonly validPrefix: Float64Array;
  private readonly stackIds: Int32Array;
  private readonly stackChunks: Uint8Array[];
  private readonly stackOffsets: Int32Array;
  private readonly tree: SumTree | null;
  private readonly alpha: number;
  private readonly priorityEps: number;
  private maxPriority = 1;
  private generation = 0;

  constructor(o: ReplayOptions) {
    const posInt = (x: number): boolean => Number.isInteger(x) && x >= 1;
    if (!posInt(o.numEnvs)) throw new Error(`ReplayBuffer: numEnvs must be a positive integer, got ${o.numEnvs}`);
    if (!posInt(o.frameHeight) || !posInt(o.frameWidth)) throw new Error('ReplayBuffer: frame size must be positive integers');
    if (!posInt(o.stackSize) || !posInt(o.nStep) || !posInt(o.batchSize)) {
      throw new Error('ReplayBuffer: stackSize, nStep and batchSize must be positive integers');
    }
    if (!(o.gamma >= 0 && o.gamma <= 1)) throw new Error(`ReplayBuffer: gamma must be in [0, 1], got ${o.gamma}`);
    const seg = Math.floor(o.capacity / o.numEnvs);
    const minSeg = o.stackSize + o.nStep + 2;
    if (!Number.isFinite(o.capacity) || seg < minSeg) {
      throw new Error(
        `ReplayBuffer: capacity ${o.capacity} gives ${seg} rows per env; need at least ${minSeg} (stack + n_step + 2) per env`,
      );
    }
    this.numEnvs = o.numEnvs;
    this.segmentCapacity = seg;
    this.frameHeight = o.frameHeight;
    this.frameWidth = o.frameWidth;
    this.frameSize = o.frameHeight * o.frameWidth;
    this.stackSize = o.stackSize;
    this.nStep = o.nStep;
    this.gamma = o.gamma;
    this.rng = o.rng;
    const rows = seg * o.numEnvs;
    this.actions = new Uint8Array(rows);
    this.rewards = new Float32Array(rows);
    this.flags = new Uint8Array(rows);
    const maxChunk = o.maxChunkBytes ?? 1024 ** 3;
    this.chunkRows = Math.max(1, Math.floor(maxChunk / this.frameSize));
    this.chunks = [];
    for (let start = 0; start < rows; start += this.chunkRows) {
      this.chunks.push(new Uint8Array(Math.min(this.chunkRows, rows - start) * this.frameSize));
    }
    this.totals = new Float64Array(o.numEnvs);
    this.validPrefix = new Float64Array(o.numEnvs);
    this.stackIds = new Int32Array(o.stackSize);
    this.stackChunks = new Array<Uint8Array>(o.stackSize).fill(this.chunks[0]);
    this.stackOffsets = new Int32Array(o.stackSize);
    this.batch = new ReplayBatch(o.batchSize, o.frameHeight, o.frameWidth, o.stackSize);
    if (o.prioritized) {
      if (!(o.prioritized.alpha >= 0) || !(o.prioritized.eps > 0)) throw new Error('ReplayBuffer: prioritized alpha >= 0 and eps > 0 required');
      this.tree = new SumTree(rows);
      this.alpha = o.prioritized.alpha;
      this.priorityEps = o.prioritized.eps;
    } else {
      this.tree = null;
      this.alpha = 0;
      this.priorityEps = 0;
    }
  }

  get prioritized(): boolean {
    return this.tree !== null;
  }

  /** Total rows (frames) held, over all envs. */
  get size(): number {
    let s = 0;
    for (let e = 0; e < this.numEnvs; e++) s += Math.min(this.totals[e], this.segmentCapacity);
    return s;
  }

  /** Rows written so far by env e's stream (logical, not wrapped). */
  rowsWritten(env: number): number {
    return this.totals[env];
  }

  /** Global row id of logical row `logical` of env `env`. */
  rowId(env: number, logical: number): number {
    return env * this.segmentCapacity + (logical % this.segmentCapacity);
  }

  rowFlags(env: number, logical: number): number {
    return this.flags[this.rowId(env, logical)];
  }

  // ---------------------------------------------------------------- writing

  /** First frame of a new episode in env `env` (after reset or autoreset). */
  startEpisode(env: number, frames: Uint8Array, offset: number): void {
    this.writeRow(env, frames, offset, FLAG_START);
  }

  /** Record the agent's action on the latest (pending) frame of env `env` and what it led to. */
  completeStep(env: number, action: number, reward: number, terminated: boolean, truncated: boolean): void {
    const t = this.totals[env];
    if (t === 0) throw new Error(`ReplayBuffer.completeStep: env ${env} has no frame yet (call startEpisode first)`);
    const id = this.rowId(env, t - 1);
    const f = this.flags[id];
    if (f & (FLAG_ACTION | FLAG_FINAL)) {
      throw new Error(`ReplayBuffer.completeStep: env ${env}'s latest row already has an outcome; append the next frame first`);
    }
    if (!(Number.isInteger(action) && action >= 0 && action <= 255)) throw new Error(`ReplayBuffer: bad action ${action}`);
    if (!Number.isFinite(reward)) throw new Error(`ReplayBuffer.completeStep: env ${env} reported a non-finite reward (${reward})`);
    this.actions[id] = action;
    this.rewards[id] = reward;
    // Terminated wins over truncated (Gymnasium: a terminal state has no future to bootstrap).
    this.flags[id] = f | FLAG_ACTION | (terminated ? FLAG_TERMINATED : truncated ? FLAG_TRUNCATED : 0);
  }

  /** Next frame of an ongoing episode (final = last frame of an ended one). */
  appendFrame(env: number, frames: Uint8Array, offset: number, final = false): void {
    const t = this.totals[env];
    if (t === 0 || !(this.flags[this.rowId(env, t - 1)] & FLAG_ACTION)) {
      throw new Error(`ReplayBuffer.appendFrame: env ${env}'s latest frame has no action recorded (call completeStep first)`);
    }
    this.writeRow(env, frames, offset, final ? FLAG_FINAL : 0);
  }

  /**
   * Resume an env's episode from a saved acting stack (S frames of H*W, oldest first, at
   * frames[offset..]) when the replay itself was not saved: S rows whose stack, rebuilt by
   * stackRows, is exactly the saved one. Only the newest is pending (the agent acts on it next);
   * the rows before it carry no action, so they are never sampled as transitions.
   */
  startEpisodeFromStack(env: number, frames: Uint8Array, offset: number): void {
    const fs = this.frameSize;
    this.writeRow(env, frames, offset, FLAG_START);
    for (let c = 1; c < this.stackSize; c++) this.writeRow(env, frames, offset + c * fs, 0);
  }

  /** After an env reset: one START row per env from obs [N, H, W]. */
  startEpisodes(obs: Uint8Array): void {
    for (let e = 0; e < this.numEnvs; e++) this.startEpisode(e, obs, e * this.frameSize);
  }

  /** One vector step: outcome of actions for every env, then the next frames (autoreset aware). */
  addVectorStep(
    actions: Int32Array,
    rewards: Float32Array,
    terminated: Uint8Array,
    truncated: Uint8Array,
    obs: Uint8Array,
    finalObs: Uint8Array,
  ): void {
    const fs = this.frameSize;
    for (let e = 0; e < this.numEnvs; e++) {
      const term = terminated[e] !== 0;
      const trunc = truncated[e] !== 0;
      this.completeStep(e, actions[e], rewards[e], term, trunc);
      if (term || trunc) {
        this.appendFrame(e, finalObs, e * fs, true);
        this.startEpisode(e, obs, e * fs);
      } else {
        this.appendFrame(e, obs, e * fs, false);
      }
    }
  }

  private writeRow(env: number, frames: Uint8Array, offset: number, flags: number): void {
    if (!(env >= 0 && env < this.numEnvs) || !Number.isInteger(env)) throw new Error(`ReplayBuffer: env ${env} out of range`);
    if (!(offset >= 0 && offset + this.frameSize <= frames.length)) {
      throw new Error(`ReplayBuffer: frame at offset ${offset} runs past the source (${frames.length} bytes)`);
    }
    const t = this.totals[env];
    const id = this.rowId(env, t);
    const chunk = this.chunks[(id / this.chunkRows) | 0];
    // Plain loop instead of set(subarray()): no view object allocated per row in the hot path.
    const fs = this.frameSize;
    const dst = (id % this.chunkRows) * fs;
    for (let p = 0; p < fs; p++) chunk[dst + p] = frames[offset + p];
    this.actions[id] = 0;
    this.rewards[id] = 0;
    this.flags[id] = flags;
    this.totals[env] = t + 1;
    if (this.tree) this.updateValidityPriorities(env, t, id);
  }

  /**
   * Prioritized replay keeps priority mass only on rows that are valid now, so stratified
   * sampling never lands on a stretch that cannot be sampled. After writing logical row t:
   * the new row has no priority yet; row t - n just got its n-step successors, so it enters
   * with the maximum priority seen (new transitions are replayed at least once, as in Schaul et
   * al.); rows whose stacks lost their oldest frame to the ring leave with priority 0.
   */
  private updateValidityPriorities(env: number, t: number, id: number): void {
    const tree = this.tree as SumTree;
    const c = this.segmentCapacity;
    tree.set(id, 0);
    const oldLow = t > c ? t - c + this.stackSize - 1 : 0;
    const newLow = this.lowestValid(env);
    for (let L = Math.max(oldLow, t + 1 - c); L < newLow; L++) tree.set(this.rowId(env, L), 0);
    const entering = t - this.nStep;
    if (entering >= newLow) {
      const eid = this.rowId(env, entering);
      if (this.flags[eid] & FLAG_ACTION) tree.set(eid, this.maxPriority ** this.alpha);
    }
  }

  // ---------------------------------------------------------------- validity

  private lowestValid(env: number): number {
    const t = this.totals[env];
    return t > this.segmentCapacity ? t - this.segmentCapacity + this.stackSize - 1 : 0;
  }

  private highestValid(env: number): number {
    return this.totals[env] - 1 - this.nStep;
  }

  /** Whether logical row `logical` of env `env` can be sampled as a transition now. */
  isValid(env: number, logical: number): boolean {
    if (!Number.isInteger(logical) || logical < this.lowestValid(env) || logical > this.highestValid(env)) return false;
    return (this.flags[this.rowId(env, logical)] & FLAG_ACTION) !== 0;
  }

  /** Number of rows in the valid window (an upper bound on sampleable transitions; FINAL rows inside are skipped). */
  validCount(): number {
    let s = 0;
    for (let e = 0; e < this.numEnvs; e++) s += Math.max(0, this.highestValid(e) - this.lowestValid(e) + 1);
    return s;
  }

  /**
   * Whether at least one transition can be sampled now. validCount() is only an upper bound: right
   * after a resume without the replay the window holds just the acting stacks (no action taken
   * from them yet), and sample() would search in vain. Scans from the newest row down, which is
   * nearly always a transition, so this costs O(1) outside that case.
   */
  hasTransition(): boolean {
    for (let e = 0; e < this.numEnvs; e++) {
      for (let L = this.highestValid(e); L >= this.lowestValid(e); L--) if (this.flags[this.rowId(e, L)] & FLAG_ACTION) return true;
    }
    return false;
  }

  /** Logical index of a global row id in its stream (the most recent write to that slot). */
  private logicalOf(id: number): number {
    const env = (id / this.segmentCapacity) | 0;
    const phys = id - env * this.segmentCapacity;
    const last = this.totals[env] - 1;
    const lastPhys = last % this.segmentCapacity;
    return last - ((lastPhys - phys + this.segmentCapacity) % this.segmentCapacity);
  }

  // ---------------------------------------------------------------- sampling

  /**
   * Fill this.batch with batchSize transitions. Uniform over valid rows, or proportional to
   * priority^alpha with importance weights (N·P(i))^-beta normalised by the batch maximum.
   * Returns the batch (the same object every call).
   */
  sample(beta = 1): ReplayBatch {
    const b = this.batch;
    if (this.validCount() < 1) throw new Error('ReplayBuffer.sample: no valid transitions yet (warm up longer before learning)');
    if (this.tree) return this.samplePrioritized(beta);
    // Prefix sums of per-env valid windows; a global uniform draw maps to (env, logical).
    let acc = 0;
    for (let e = 0; e < this.numEnvs; e++) {
      acc += Math.max(0, this.highestValid(e) - this.lowestValid(e) + 1);
      this.validPrefix[e] = acc;
    }
    for (let i = 0; i < b.size; i++) {
      let tries = 0;
      for (;;) {
        const u = this.rng.nextInt(acc);
        let e = 0;
        while (u >= this.validPrefix[e]) e++;
        const start = e === 0 ? 0 : this.validPrefix[e - 1];
        const logical = this.lowestValid(e) + (u - start);
        if (this.flags[this.rowId(e, logical)] & FLAG_ACTION) {
          this.fillSlot(i, e, logical);
          b.weights[i] = 1;
          break;
        }
        // FINAL rows are inside the window but are not transitions: draw again.
        if (++tries > 10000) throw new Error('ReplayBuffer.sample: could not find a valid transition (buffer almost all episode ends?)');
      }
    }
    return b;
  }

  private samplePrioritized(beta: number): ReplayBatch {
    const b = this.batch;
    const tree = this.tree as SumTree;
    const total = tree.total;
    if (!(total > 0)) throw new Error('ReplayBuffer.sample: all priorities are zero');
    const n = this.validCount();
    let maxW = 0;
    for (let i = 0; i < b.size; i++) {
      let tries = 0;
      for (;;) {
        // Stratified: one draw per equal slice of the priority mass (a few tries), then anywhere.
        const u = tries < 8 ? ((i + this.rng.nextFloat()) / b.size) * total : this.rng.nextFloat() * total;
        const id = tree.find(Math.min(u, total * (1 - 1e-12)));
        const env = (id / this.segmentCapacity) | 0;
        const logical = this.logicalOf(id);
        if (this.isValid(env, logical)) {
          this.fillSlot(i, env, logical);
          const p = tree.get(id) / total;
          const w = Math.pow(n * p, -beta);
          b.weights[i] = w;
          if (b.weights[i] > maxW) maxW = b.weights[i]; // the stored float32 value, so the max normalises to exactly 1
          break;
        }
        // Only float rounding at a leaf boundary can land here (invalid rows carry no mass).
        if (++tries > 1000) throw new Error('ReplayBuffer.sample: could not find a valid prioritized transition');
      }
    }
    for (let i = 0; i < b.size; i++) b.weights[i] /= maxW;
    return b;
  }

  /** After a gradient step: new priorities from |TD error| of the sampled rows (prioritized only). */
  updatePriorities(rows: Int32Array, tdErrors: ArrayLike<number>): void {
    const tree = this.tree;
    if (!tree) return;
    for (let i = 0; i < rows.length; i++) {
      const id = rows[i];
      // Skip rows that stopped being sampleable since the batch was drawn (ring moved on).
      if (!this.isValid((id / this.segmentCapacity) | 0, this.logicalOf(id))) continue;
      const p = Math.abs(tdErrors[i]) + this.priorityEps;
      if (!Number.isFinite(p)) throw new Error(`ReplayBuffer.updatePriorities: non-finite TD error ${tdErrors[i]}`);
      if (p > this.maxPriority) this.maxPriority = p;
      tree.set(id, p ** this.alpha);
    }
  }

  /**
   * Write transition (env, logical) into slot i of the batch: stacked state, action, n-step
   * return, bootstrap discount, next stacked state. Public so tests can check hand-computed cases.
   */
  fillSlot(i: number, env: number, logical: number): void {
    if (!this.isValid(env, logical)) throw new Error(`ReplayBuffer.fillSlot: row ${logical} of env ${env} is not a valid transition`);
    const b = this.batch;
    const per = this.frameSize * this.stackSize;
    const id0 = this.rowId(env, logical);
    b.rows[i] = id0;
    b.actions[i] = this.actions[id0];
    let g = 0;
    let disc = 1;
    let k = 0;
    for (let j = 0; j < this.nStep; j++) {
      const id = this.rowId(env, logical + j);
      const f = this.flags[id];
      if (!(f & FLAG_ACTION)) break; // stream was cut here (reset mid-episode): bootstrap from it
      g += disc * this.rewards[id];
      disc *= this.gamma;
      k = j + 1;
      if (f & FLAG_TERMINATED) { disc = 0; break; }
      if (f & FLAG_TRUNCATED) break;
    }
    b.returns[i] = g;
    b.discounts[i] = disc;
    this.writeStack(env, logical, b.obs, i * per);
    this.writeStack(env, logical + k, b.nextObs, i * per);
  }

  /**
   * THE frame-stacking rule: the row ids of the stack ending at logical row `logical` of env
   * `env`, oldest first, into out[0..S-1]. The walk back stops at the episode's START row and
   * repeats it, so a stack never mixes two episodes.
   */
  stackRows(env: number, logical: number, out: Int32Array): void {
    let cur = logical;
    for (let c = this.stackSize - 1; c >= 0; c--) {
      const id = this.rowId(env, cur);
      out[c] = id;
      if (c > 0 && !(this.flags[id] & FLAG_START)) cur--;
    }
  }

  /** The network input for acting: each env's stack ending at its newest row, as [N, H, W, S] float32. */
  writeLatestStacks(out: Float32Array): void {
    const per = this.frameSize * this.stackSize;
    for (let e = 0; e < this.numEnvs; e++) this.writeStack(e, this.totals[e] - 1, out, e * per);
  }

  /** Each env's newest stack as bytes [N, S, H*W] (oldest first): what checkpoints keep to resume acting. */
  latestStackBytes(): Uint8Array {
    const fs = this.frameSize;
    const s = this.stackSize;
    const out = new Uint8Array(this.numEnvs * s * fs);
    for (let e = 0; e < this.numEnvs; e++) {
      if (this.totals[e] === 0) continue;
      this.stackRows(e, this.totals[e] - 1, this.stackIds);
      for (let c = 0; c < s; c++) {
        const id = this.stackIds[c];
        const chunk = this.chunks[(id / this.chunkRows) | 0];
        const from = (id % this.chunkRows) * fs;
        out.set(chunk.subarray(from, from + fs), (e * s + c) * fs);
      }
    }
    return out;
  }

  /**
   * Stacked frames ending at logical row `logical` of env `env` into out[base..] as [H, W, S]
   * (channel S-1 = newest), rows chosen by stackRows.
   */
  writeStack(env: number, logical: number, out: Float32Array, base: number): void {
    const s = this.stackSize;
    this.stackRows(env, logical, this.stackIds);
    const fs = this.frameSize;
    for (let c = 0; c < s; c++) {
      const id = this.stackIds[c];
      this.stackChunks[c] = this.chunks[(id / this.chunkRows) | 0];
      this.stackOffsets[c] = (id % this.chunkRows) * fs;
    }
    if (s === 4) {
      // The Atari case: write each output pixel's 4 channels contiguously from 4 source frames.
      const c0 = this.stackChunks[0], c1 = this.stackChunks[1], c2 = this.stackChunks[2], c3 = this.stackChunks[3];
      const o0 = this.stackOffsets[0], o1 = this.stackOffsets[1], o2 = this.stackOffsets[2], o3 = this.stackOffsets[3];
      let o = base;
      for (let p = 0; p < fs; p++) {
        out[o] = c0[o0 + p];
        out[o + 1] = c1[o1 + p];
        out[o + 2] = c2[o2 + p];
        out[o + 3] = c3[o3 + p];
        o += 4;
      }
      return;
    }
    for (let c = 0; c < s; c++) {
      const chunk = this.stackChunks[c];
      const off = this.stackOffsets[c];
      let o = base + c;
      for (let p = 0; p < fs; p++, o += s) out[o] = chunk[off + p];
    }
  }

  // ---------------------------------------------------------------- state

  /**
   * Everything needed to restore the buffer exactly. Returns views of the live arrays (no copy);
   * serialise them before the buffer is written again.
   */
  getState(): ReplayState {
    return {
      version: 1,
      numEnvs: this.numEnvs,
      segmentCapacity: this.segmentCapacity,
      frameHeight: this.frameHeight,
      frameWidth: this.frameWidth,
      totals: Array.from(this.totals),
      actions: this.actions,
      rewards: this.rewards,
      flags: this.flags,
      frameChunks: this.chunks,
      priorities: this.tree ? this.tree.getLeaves() : null,
      maxPriority: this.maxPriority,
      generation: this.generation,
    };
  }

  /** Restore from getState() output of a buffer with the same geometry (copies the data in). */
  setState(s: ReplayState): void {
    if (s.version !== 1) throw new Error(`ReplayBuffer.setState: unsupported version ${String(s.version)}`);
    if (s.numEnvs !== this.numEnvs || s.segmentCapacity !== this.segmentCapacity || s.frameHeight !== this.frameHeight || s.frameWidth !== this.frameWidth) {
      throw new Error(
        `ReplayBuffer.setState: geometry mismatch (state ${s.numEnvs} envs x ${s.segmentCapacity} rows of ${s.frameHeight}x${s.frameWidth}, ` +
          `buffer ${this.numEnvs} x ${this.segmentCapacity} of ${this.frameHeight}x${this.frameWidth})`,
      );
    }
    const rows = this.actions.length;
    if (s.actions.length !== rows || s.rewards.length !== rows || s.flags.length !== rows || s.totals.length !== this.numEnvs) {
      throw new Error('ReplayBuffer.setState: array lengths do not match the buffer');
    }
    let bytes = 0;
    for (const c of s.frameChunks) bytes += c.length;
    if (bytes !== rows * this.frameSize) throw new Error('ReplayBuffer.setState: frame data has the wrong size');
    if ((s.priorities === null) !== (this.tree === null)) throw new Error('ReplayBuffer.setState: prioritized / uniform mismatch');
    this.generation++;
    this.actions.set(s.actions);
    this.rewards.set(s.rewards);
    this.flags.set(s.flags);
    for (let e = 0; e < this.numEnvs; e++) {
      const t = s.totals[e];
      if (!Number.isInteger(t) || t < 0) throw new Error(`ReplayBuffer.setState: bad row count ${t}`);
      this.totals[e] = t;
    }
    // Copy frames chunk-agnostically (the saved chunking may differ from ours).
    let row = 0;
    for (const src of s.frameChunks) {
      for (let off = 0; off < src.length; off += this.frameSize, row++) {
        this.chunks[(row / this.chunkRows) | 0].set(src.subarray(off, off + this.frameSize), (row % this.chunkRows) * this.frameSize);
      }
    }
    if (this.tree && s.priorities) this.tree.setLeaves(s.priorities);
    this.maxPriority = s.maxPriority;
  }
}
