/**
 * The SharedArrayBuffer through which the VecEnv and its workers exchange per-step data.
 *
 * One buffer holds, per env: the observation, the observation that ended the last episode
 * (before auto-reset), the rewards, flags and the action; plus an Int32 control area used with
 * Atomics:
 *   ctrl[DONE_TAIL]         completions published so far (workers Atomics.add it)
 *   ctrl[RING + k]          completion ring (capacity RING_FACTOR*N): envId+1, 0 = empty
 *   per worker w, at base = workerBase(w):
 *     [base+CMD_TAIL]       commands queued by the VecEnv (only it writes)
 *     [base+CMD_HEAD]       commands taken by the worker (only it writes)
 *     [base+PROGRESS]       steps completed by the worker (liveness for hang detection)
 *     [base+EPOCH]          bumped by the VecEnv when it abandons the worker (fences stale writes)
 *     [base+STOP]           1 = leave the wait loop
 *     [base+QUEUE .. +cap]  command queue of env ids (capacity = envs of that worker)
 * Everything is a view on one buffer, so the same object is rebuilt from (buffer, layout) in
 * each worker.
 */

export const DONE_TAIL = 0;
export const RING = 4;
/** The ring is larger than N so that stale completions of an abandoned worker cannot overrun it. */
export const RING_FACTOR = 4;
export const CMD_TAIL = 0;
export const CMD_HEAD = 1;
export const PROGRESS = 2;
export const EPOCH = 3;
export const STOP = 4;
export const QUEUE = 8;

export interface SharedLayout {
  numEnvs: number;
  obsSize: number;
  /** First env id of each worker, plus numEnvs at the end (length numWorkers+1). */
  workerStarts: number[];
}

function align(n: number, a = 8): number {
  return Math.ceil(n / a) * a;
}

export class SharedState {
  readonly buffer: SharedArrayBuffer;
  readonly obs: Uint8Array;
  readonly finalObs: Uint8Array;
  readonly reward: Float32Array;
  readonly rawReward: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** 1 when the game itself ended on this step (an episode for the statistics). */
  readonly gameOver: Uint8Array;
  /** 1 when the result was made up because the env's worker failed and was restarted. */
  readonly restarted: Uint8Array;
  readonly lives: Int32Array;
  readonly episodeFrame: Int32Array;
  readonly actions: Int32Array;
  readonly ctrl: Int32Array;
  readonly ringCapacity: number;

  constructor(readonly layout: SharedLayout, buffer?: SharedArrayBuffer) {
    const n = layout.numEnvs;
    const sizes: [string, number][] = [
      ['obs', n * layout.obsSize],
      ['finalObs', n * layout.obsSize],
      ['reward', 4 * n],
      ['rawReward', 8 * n],
      ['terminated', n],
      ['truncated', n],
      ['gameOver', n],
      ['restarted', n],
      ['lives', 4 * n],
      ['episodeFrame', 4 * n],
      ['actions', 4 * n],
      ['ctrl', 4 * SharedState.ctrlWords(layout)],
    ];
    const offsets: Record<string, number> = {};
    let total = 0;
    for (const [name, bytes] of sizes) {
      offsets[name] = total;
      total = align(total + bytes);
    }
    if (buffer && buffer.byteLength !== total) throw new RangeError(`shared buffer has ${buffer.byteLength} bytes, layout needs ${total}`);
    this.buffer = buffer ?? new SharedArrayBuffer(total);
    const b = this.buffer;
    this.obs = new Uint8Array(b, offsets.obs, n * layout.obsSize);
    this.finalObs = new Uint8Array(b, offsets.finalObs, n * layout.obsSize);
    this.reward = new Float32Array(b, offsets.reward, n);
    this.rawReward = new Float64Array(b, offsets.rawReward, n);
    this.terminated = new Uint8Array(b, offsets.terminated, n);
    this.truncated = new Uint8Array(b, offsets.truncated, n);
    this.gameOver = new Uint8Array(b, offsets.gameOver, n);
    this.restarted = new Uint8Array(b, offsets.restarted, n);
    this.lives = new Int32Array(b, offsets.lives, n);
    this.episodeFrame = new Int32Array(b, offsets.episodeFrame, n);
    this.actions = new Int32Array(b, offsets.actions, n);
    this.ctrl = new Int32Array(b, offsets.ctrl, SharedState.ctrlWords(layout));
    this.ringCapacity = RING_FACTOR * n;
  }

  static ctrlWords(layout: SharedLayout): number {
    const workers = layout.workerStarts.length - 1;
    return RING + RING_FACTOR * layout.numEnvs + workers * QUEUE + layout.numEnvs;
  }

  /** Index in ctrl of worker w's control block. */
  workerBase(w: number): number {
    const { workerStarts, numEnvs } = this.layout;
    return RING + RING_FACTOR * numEnvs + w * QUEUE + workerStarts[w];
  }

  /**
   * Writes env `id`'s step-result words that are not the obs: after a reset or restore
   * (terminated = truncated = 0) and for a result no worker computed (truncated + restarted).
   * One writer for the three places that fill a slot outside a real step.
   */
  setResult(id: number, r: { reward: number; rawReward: number; truncated: boolean; restarted: boolean; lives?: number; episodeFrame?: number }): void {
    this.reward[id] = r.reward;
    this.rawReward[id] = r.rawReward;
    this.terminated[id] = 0;
    this.truncated[id] = r.truncated ? 1 : 0;
    this.gameOver[id] = 0;
    this.restarted[id] = r.restarted ? 1 : 0;
    if (r.lives !== undefined) this.lives[id] = r.lives;
    if (r.episodeFrame !== undefined) this.episodeFrame[id] = r.episodeFrame;
  }

  obsOf(env: number): Uint8Array {
    const s = this.layout.obsSize;
    return this.obs.subarray(env * s, (env + 1) * s);
  }

  finalObsOf(env: number): Uint8Array {
    const s = this.layout.obsSize;
    return this.finalObs.subarray(env * s, (env + 1) * s);
  }

  /** Publishes that `env` has a result ready (called by workers, and by the VecEnv for made-up results). */
  publish(env: number): void {
    const slot = Atomics.add(this.ctrl, DONE_TAIL, 1) % this.ringCapacity;
    Atomics.store(this.ctrl, RING + slot, env + 1);
    Atomics.notify(this.ctrl, RING + slot);
    Atomics.notify(this.ctrl, DONE_TAIL);
  }
}

/** Splits N envs over W workers as evenly as possible (contiguous ranges). */
export function splitEnvs(numEnvs: number, numWorkers: number): number[] {
  const starts = [0];
  for (let w = 0; w < numWorkers; w++) {
    starts.push(starts[w] + Math.floor(numEnvs / numWorkers) + (w < numEnvs % numWorkers ? 1 : 0));
  }
  return starts;
}
