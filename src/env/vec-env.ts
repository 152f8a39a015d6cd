/**
 * N Atari environments across W workers (K = N/W per worker, each worker one EmulatorHost).
 *
 * Data path: observations, rewards, flags and actions live in one SharedArrayBuffer (see
 * shared.ts); comlink carries only control calls (init, reset, close). The per-step hot path is
 * shared memory plus Atomics: send() writes actions and queues env ids for their workers and
 * wakes them (Atomics.notify); workers publish each finished env to a completion ring; recv()
 * waits (Atomics.waitAsync, never blocking the page's thread) for the first `batchSize`
 * completions. step() = send(all) + recv(N). Transport 'comlink' replaces the notify by a
 * comlink drain() call per worker, for measuring what the round trip costs.
 *
 * Auto-reset: an env whose episode ended is reset by its worker right away; the result carries
 * the final observation (finalObsOf) and the episode's statistics (return, length, raw score).
 *
 * Faults: a worker that throws, exits or stops making progress for stepTimeoutMs is terminated
 * and replaced; its envs are re-seeded and reset, their pending (or next) results come back as
 * truncated with `restarted` set, and a VecEnvEvent is reported. Other workers are not touched.
 * If a replacement cannot be started, the VecEnv is marked broken and every call throws.
 */
import * as Comlink from 'comlink';
import { fnv1a, observationShape, resolveEnvOptions, type AtariEnvOptions } from './atari-env';
import type { EmulatorSpec } from './emulator';
import { deriveSeed, entropySeed } from './rng';
import { CMD_TAIL, DONE_TAIL, EPOCH, PROGRESS, QUEUE, RING, SharedState, splitEnvs, STOP } from './shared';
import type { EnvWorkerApi, FaultKind, Transport, WorkerInfo } from './worker-core';
import { browserWorkerFactory, type WorkerFactory, type WorkerHandle } from './worker-handle';

export interface VecEnvOptions {
  numEnvs: number;
  numWorkers: number;
  emulator: EmulatorSpec;
  env?: AtariEnvOptions;
  /** Env i is seeded with seed + i (like Gymnasium's vector envs), unless `seeds` is given. */
  seed?: number;
  seeds?: number[];
  /** How workers are made (default: browser module workers). */
  workerFactory?: WorkerFactory;
  transport?: Transport;
  /** A worker with queued steps and no progress for this long is declared hung (default 10 s). */
  stepTimeoutMs?: number;
  /** Limit for control calls (init, reset) to a worker (default 30 s). */
  controlTimeoutMs?: number;
  /** Restarts allowed per worker before the VecEnv gives up and is marked broken (default 5). */
  maxRestartsPerWorker?: number;
  /** Called for every fault and restart. */
  onEvent?: (e: VecEnvEvent) => void;
}

export interface VecEnvEvent {
  kind: 'worker-failed' | 'worker-restarted' | 'restart-failed';
  worker: number;
  envIds: number[];
  reason: string;
  time: number;
  restarts: number;
}

export interface EpisodeRecord {
  envId: number;
  /** Sum of the training rewards (clipped when clipRewards is on). */
  return: number;
  /** Sum of the raw rewards: the game score. */
  rawScore: number;
  /** Agent steps. */
  length: number;
  /** Emulated frames (episode frame number at the end). */
  frames: number;
  /** Whether it ended by truncation (time limit or worker restart). */
  truncated: boolean;
}

export interface EnvStats {
  episodes: number;
  last: EpisodeRecord | null;
  currentReturn: number;
  currentRawScore: number;
  currentLength: number;
}

/** Results of recv(): rows in envIds order; arrays are reused by the next recv() of the same size. */
export interface VecBatch {
  envIds: Int32Array;
  obs: Uint8Array;
  reward: Float32Array;
  rawReward: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  lives: Int32Array;
  /** Episodes (games) that ended in this batch. */
  episodes: EpisodeRecord[];
}

/** Results of step(): views on the shared buffer in env order, valid until the next send/step. */
export interface VecStepResult {
  obs: Uint8Array;
  reward: Float32Array;
  rawReward: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  lives: Int32Array;
  episodeFrame: Int32Array;
  restarted: Uint8Array;
  episodes: EpisodeRecord[];
}

export class VecEnvError extends Error {
  override name = 'VecEnvError';
}

interface Slot {
  handle: WorkerHandle;
  api: Comlink.Remote<EnvWorkerApi>;
  first: number;
  count: number;
  restarts: number;
  /** Failure handling in progress. */
  recovering: Promise<void> | null;
  alive: boolean;
  /** Rejects when the worker fails, so calls to it never wait on a dead worker. */
  dead: Promise<never>;
  markDead: (reason: string) => void;
}

const enum EnvState { Idle, InFlight, Ready }

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new VecEnvError(`${what} timed out after ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}

/** Drops a comlink proxy; releasing twice (after a failed restart) is harmless here. */
function release(api: Comlink.Remote<EnvWorkerApi>): void {
  try {
    api[Comlink.releaseProxy]();
  } catch {
    // already released
  }
}

/** Whether this thread may use the blocking Atomics.wait (not on a browser's main thread). */
const CAN_BLOCK = (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0);
    return true;
  } catch {
    return false;
  }
})();

/** Per-env VecEnv state blob: 'AVEC', version, checksum, then the fields of packEnvState(). */
const VSTATE_MAGIC = 0x43455641;
const VSTATE_VERSION = 1;
const VSTATE_HEAD = 96;

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class VecEnv {
  readonly numEnvs: number;
  readonly numWorkers: number;
  numActions = 0;
  actionSet: number[] = [];
  observationShape: number[] = [];
  obsSize = 0;
  readonly events: VecEnvEvent[] = [];

  private shared!: SharedState;
  private slots: Slot[] = [];
  private readonly opts: Required<Omit<VecEnvOptions, 'seed' | 'seeds' | 'onEvent' | 'env'>> & Pick<VecEnvOptions, 'onEvent'> & { env: AtariEnvOptions };
  private seeds: number[] = [];
  private state: Uint8Array;
  /** Envs whose worker was restarted while they were idle: their next send() returns at once. */
  private pendingRestart: Uint8Array;
  private ringHead = 0;
  private readyCount = 0;
  private inFlightCount = 0;
  private closed = false;
  private broken: string | null = null;
  private resetDone = false;
  private stats: EnvStats[];
  private batchCache: VecBatch | null = null;
  /** Every worker started and not yet terminated (close() ends them all, even mid-restart). */
  private readonly handles = new Set<WorkerHandle>();
  private readonly mark: Int32Array;
  private markStamp = 0;
  private readonly kick: Uint8Array;

  private constructor(opts: VecEnvOptions) {
    const n = opts.numEnvs;
    const w = opts.numWorkers;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`numEnvs must be a positive integer, got ${n}`);
    if (!Number.isInteger(w) || w < 1 || w > n) throw new RangeError(`numWorkers must be an integer in [1, numEnvs=${n}], got ${w}`);
    if (opts.seeds && opts.seeds.length !== n) throw new RangeError(`seeds has ${opts.seeds.length} entries for ${n} envs`);
    if (typeof SharedArrayBuffer === 'undefined') {
      throw new VecEnvError('SharedArrayBuffer is unavailable: the page must be cross-origin isolated (COOP/COEP headers)');
    }
    this.numEnvs = n;
    this.numWorkers = w;
    this.opts = {
      numEnvs: n,
      numWorkers: w,
      emulator: opts.emulator,
      env: opts.env ?? {},
      workerFactory: opts.workerFactory ?? browserWorkerFactory,
      transport: opts.transport ?? 'atomics',
      stepTimeoutMs: opts.stepTimeoutMs ?? 10_000,
      controlTimeoutMs: opts.controlTimeoutMs ?? 30_000,
      maxRestartsPerWorker: opts.maxRestartsPerWorker ?? 5,
      onEvent: opts.onEvent,
    };
    if (this.opts.transport !== 'atomics' && this.opts.transport !== 'comlink') throw new RangeError(`transport must be 'atomics' or 'comlink'`);
    const base = opts.seed ?? entropySeed();
    this.seeds = opts.seeds ? [...opts.seeds] : Array.from({ length: n }, (_, i) => base + i);
    for (const s of this.seeds) if (!Number.isInteger(s)) throw new TypeError(`seeds must be integers, got ${s}`);
    this.state = new Uint8Array(n);
    this.pendingRestart = new Uint8Array(n);
    this.mark = new Int32Array(n);
    this.kick = new Uint8Array(w);
    this.stats = Array.from({ length: n }, () => ({ episodes: 0, last: null, currentReturn: 0, currentRawScore: 0, currentLength: 0 }));
  }

  /** Starts the workers and their envs (not yet reset: call reset()). */
  static async create(opts: VecEnvOptions): Promise<VecEnv> {
    const v = new VecEnv(opts);
    try {
      await v.start();
    } catch (e) {
      await v.close();
      throw e;
    }
    return v;
  }

  private async start(): Promise<void> {
    const starts = splitEnvs(this.numEnvs, this.numWorkers);
    // The shared buffer is sized from the options; workers confirm the size at init.
    this.obsSize = await this.probeObsSize();
    this.shared = new SharedState({ numEnvs: this.numEnvs, obsSize: this.obsSize, workerStarts: starts });
    const infos = await Promise.all(
      Array.from({ length: this.numWorkers }, (_, w) => this.spawn(w, starts[w], starts[w + 1] - starts[w], 0)),
    );
    const info = infos[0];
    this.numActions = info.numActions;
    this.actionSet = info.actionSet;
    this.observationShape = info.observationShape;
  }

  private async probeObsSize(): Promise<number> {
    return observationShape(resolveEnvOptions(this.opts.env)).reduce((a, b) => a * b, 1);
  }

  private async spawn(w: number, first: number, count: number, restarts: number): Promise<WorkerInfo> {
    if (this.closed) throw new VecEnvError('VecEnv is closed');
    const handle = this.opts.workerFactory();
    this.handles.add(handle);
    const api = Comlink.wrap<EnvWorkerApi>(handle.endpoint);
    // A replacement counts as recovering until recover() has also reset its envs, so hang
    // detection leaves it alone while it starts.
    let markDead: (reason: string) => void = () => undefined;
    const dead = new Promise<never>((_, reject) => {
      markDead = (reason) => reject(new VecEnvError(`env worker ${w} failed: ${reason}`));
    });
    dead.catch(() => undefined);
    const slot: Slot = {
      handle, api, first, count, restarts, recovering: restarts > 0 ? Promise.resolve() : null, alive: true, dead, markDead,
    };
    this.slots[w] = slot;
    let initializing = true;
    handle.onFailure((reason) => {
      slot.markDead(reason);
      if (!initializing) this.fail(w, slot, reason);
    });
    const base = this.shared.workerBase(w);
    // Fresh control block: queue empty, not stopped.
    const ctrl = this.shared.ctrl;
    Atomics.store(ctrl, base + STOP, 0);
    Atomics.store(ctrl, base + CMD_TAIL, 0);
    Atomics.store(ctrl, base + 1 /* CMD_HEAD */, 0);
    const info = await withTimeout(
      Promise.race([dead, api.init({
        buffer: this.shared.buffer,
        layout: this.shared.layout,
        worker: w,
        emulator: this.opts.emulator,
        env: this.opts.env,
        transport: this.opts.transport,
      })]),
      this.opts.controlTimeoutMs,
      `env worker ${w} init`,
    ).catch(async (e: unknown) => {
      slot.alive = false;
      this.handles.delete(handle);
      await handle.terminate().catch(() => undefined);
      throw e;
    });
    initializing = false;
    if (this.closed) throw new VecEnvError('VecEnv was closed while a worker was starting');
    if (info.obsSize !== this.obsSize) throw new VecEnvError(`worker ${w} reports observation size ${info.obsSize}, expected ${this.obsSize}`);
    return info;
  }

  /**
   * Resets every env. With `seed`, env i gets seed + i (or seeds[i] with an array); without, the
   * first reset uses the seeds given at creation and later ones continue each env's RNG.
   * Returns the observations of all envs ([N][...obsShape], a view on the shared buffer).
   */
  async reset(seed?: number | number[]): Promise<Uint8Array> {
    this.checkUsable();
    if (this.inFlightCount > 0 || this.readyCount > 0) {
      throw new VecEnvError(`reset() with ${this.inFlightCount + this.readyCount} step(s) not yet received: recv() them first`);
    }
    let seeds: (number | null)[];
    if (Array.isArray(seed)) {
      if (seed.length !== this.numEnvs) throw new RangeError(`reset: ${seed.length} seeds for ${this.numEnvs} envs`);
      this.seeds = [...seed];
      seeds = [...seed];
    } else if (seed !== undefined) {
      if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${seed}`);
      this.seeds = Array.from({ length: this.numEnvs }, (_, i) => seed + i);
      seeds = [...this.seeds];
    } else {
      seeds = this.resetDone ? this.seeds.map(() => null) : [...this.seeds];
    }
    await Promise.all(this.slots.map((s, w) => this.control(s, s.api.reset(seeds.slice(s.first, s.first + s.count)), `env worker ${w} reset`)));
    this.resetDone = true;
    this.pendingRestart.fill(0);
    for (const st of this.stats) { st.currentReturn = 0; st.currentRawScore = 0; st.currentLength = 0; }
    return this.shared.obs;
  }

  /**
   * Each env's full state, one blob per env in env order: the worker's AtariEnv.cloneState()
   * (emulator with its sticky-action RNG, no-op RNG, episode flags, observation stack) wrapped
   * with what the VecEnv itself keeps per env (its seed, running and last-episode statistics, the
   * final observation, a pending restart notice) and a checksum. Gathered over comlink (control
   * path). No step may be in flight. Blobs do not depend on the worker layout: setEnvStates() on
   * a VecEnv with the same number of envs and env options, any W, continues every env exactly.
   */
  async getEnvStates(): Promise<Uint8Array[]> {
    await this.quiesce('getEnvStates');
    if (!this.resetDone) throw new VecEnvError('getEnvStates() before reset(): the envs have no state yet');
    const inner = await this.gatherWorkerStates();
    return inner.map((b, id) => this.packEnvState(id, b));
  }

  /**
   * Restores getEnvStates() results (one per env). Every blob is checked (count, sizes, checksum,
   * env options) before anything is applied; if a worker still rejects its part, the workers
   * already restored are put back, so a failed call leaves every env as it was. Afterwards the
   * VecEnv counts as reset: the next step() continues the saved episodes.
   */
  async setEnvStates(states: Uint8Array[]): Promise<void> {
    await this.quiesce('setEnvStates');
    if (!Array.isArray(states)) throw new TypeError('setEnvStates: states must be an array of Uint8Array');
    if (states.length !== this.numEnvs) throw new RangeError(`setEnvStates: ${states.length} env states for ${this.numEnvs} envs`);
    const parsed = states.map((b, id) => {
      try {
        return this.unpackEnvState(b, id);
      } catch (e) {
        throw new RangeError(`setEnvStates: env state ${id}: ${(e as Error).message}`);
      }
    });
    const backup = await this.gatherWorkerStates();
    const results = await Promise.allSettled(
      this.slots.map((s, w) => this.control(s, s.api.setStates(parsed.slice(s.first, s.first + s.count).map((p) => p.inner)), `env worker ${w} setStates`)),
    );
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      const why = ((results[failed] as PromiseRejectedResult).reason as Error)?.message ?? String((results[failed] as PromiseRejectedResult).reason);
      // A worker that rejected restored its own envs; put the others back too.
      const undo = await Promise.allSettled(this.slots.map((s, w) => (results[w].status === 'fulfilled'
        ? this.control(s, s.api.setStates(backup.slice(s.first, s.first + s.count)), `env worker ${w} setStates (undo)`)
        : Promise.resolve())));
      const undoFailed = undo.some((r) => r.status === 'rejected');
      throw new VecEnvError(`setEnvStates: worker ${failed} rejected its env states: ${why}; ${undoFailed ? 'and putting the other workers back FAILED (reset() the VecEnv)' : 'no env was changed'}`);
    }
    const s = this.shared;
    parsed.forEach((p, id) => {
      this.seeds[id] = p.seed;
      this.stats[id] = p.stats;
      this.pendingRestart[id] = p.pendingRestart ? 1 : 0;
      s.finalObsOf(id).set(p.finalObs);
    });
    this.resetDone = true;
  }

  /**
   * Queues one step for each env of `envIds` with the matching action (actions[k] for
   * envIds[k]; with envIds omitted, all envs and actions[i] for env i). Returns at once.
   */
  send(actions: ArrayLike<number>, envIds?: ArrayLike<number>): void {
    this.checkUsable();
    if (!this.resetDone) throw new VecEnvError('send() before reset(): call reset() first');
    const n = this.numEnvs;
    const ids = envIds ?? null;
    const count = ids ? ids.length : n;
    if (!actions || typeof actions.length !== 'number') throw new TypeError('actions must be an array of integers');
    if (actions.length !== count) {
      throw new RangeError(ids ? `send: ${actions.length} actions for ${count} env ids` : `send: ${actions.length} actions for ${n} envs`);
    }
    // Validate everything before touching shared state, so a bad call changes nothing.
    const stamp = ++this.markStamp;
    for (let k = 0; k < count; k++) {
      const id = ids ? ids[k] : k;
      if (!Number.isInteger(id) || id < 0 || id >= n) throw new RangeError(`invalid env id ${id}: must be an integer in [0, ${n - 1}]`);
      if (this.mark[id] === stamp) throw new RangeError(`env id ${id} appears twice in one send()`);
      this.mark[id] = stamp;
      if (this.state[id] !== EnvState.Idle) throw new VecEnvError(`env ${id} already has a step in flight or a result not yet received`);
      const a = actions[k];
      if (!Number.isInteger(a) || a < 0 || a >= this.numActions) {
        throw new RangeError(`invalid action ${a} for env ${id}: must be an integer in [0, ${this.numActions - 1}]`);
      }
    }
    const s = this.shared;
    const kick = this.kick;
    kick.fill(0);
    for (let k = 0; k < count; k++) {
      const id = ids ? ids[k] : k;
      s.actions[id] = actions[k];
      this.state[id] = EnvState.InFlight;
      this.inFlightCount++;
      if (this.pendingRestart[id]) {
        // Its worker was replaced since the last result: answer with the fresh episode.
        this.pendingRestart[id] = 0;
        this.madeUpResult(id);
        continue;
      }
      const w = this.workerOf(id);
      const slot = this.slots[w];
      // A failed worker, or its replacement before its envs are reset: recovery answers.
      if (!slot.alive || slot.recovering) continue;
      const base = s.workerBase(w);
      const tail = Atomics.load(s.ctrl, base + CMD_TAIL);
      Atomics.store(s.ctrl, base + QUEUE + (tail % slot.count), id);
      Atomics.store(s.ctrl, base + CMD_TAIL, tail + 1);
      kick[w] = 1;
    }
    for (let w = 0; w < this.numWorkers; w++) {
      if (!kick[w]) continue;
      if (this.opts.transport === 'atomics') {
        Atomics.notify(s.ctrl, s.workerBase(w) + CMD_TAIL);
      } else {
        const slot = this.slots[w];
        slot.api.drain().catch((e: unknown) => this.fail(w, slot, `drain failed: ${(e as Error)?.message ?? String(e)}`));
      }
    }
  }

  /**
   * Waits for the first `batchSize` envs to finish their step (default: all in flight) and
   * returns their results in completion order.
   */
  async recv(batchSize?: number): Promise<VecBatch> {
    this.checkUsable();
    if (batchSize === undefined && this.inFlightCount + this.readyCount === 0) {
      throw new VecEnvError('recv() with no env step in flight: send() first');
    }
    const want = batchSize ?? this.inFlightCount + this.readyCount;
    if (!Number.isInteger(want) || want < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    if (want > this.inFlightCount + this.readyCount) {
      throw new VecEnvError(`recv(${want}) but only ${this.inFlightCount + this.readyCount} env step(s) are in flight: send() first`);
    }
    const ids = await this.collect(want);
    const b = this.batchBuffers(want);
    const s = this.shared;
    const os = this.obsSize;
    b.episodes = [];
    for (let k = 0; k < want; k++) {
      const id = ids[k];
      b.envIds[k] = id;
      b.obs.set(s.obsOf(id), k * os);
      b.reward[k] = s.reward[id];
      b.rawReward[k] = s.rawReward[id];
      b.terminated[k] = s.terminated[id];
      b.truncated[k] = s.truncated[id];
      b.lives[k] = s.lives[id];
      const ep = this.account(id);
      if (ep) b.episodes.push(ep);
    }
    return b;
  }

  /** Steps all envs (actions[i] for env i) and waits for all of them. */
  async step(actions: ArrayLike<number>): Promise<VecStepResult> {
    this.checkUsable();
    if (this.inFlightCount > 0 || this.readyCount > 0) {
      throw new VecEnvError('step() while async steps are pending: recv() them first');
    }
    this.send(actions);
    const ids = await this.collect(this.numEnvs);
    const episodes: EpisodeRecord[] = [];
    for (const id of ids) {
      const ep = this.account(id);
      if (ep) episodes.push(ep);
    }
    const s = this.shared;
    return {
      obs: s.obs, reward: s.reward, rawReward: s.rawReward, terminated: s.terminated, truncated: s.truncated,
      lives: s.lives, episodeFrame: s.episodeFrame, restarted: s.restarted, episodes,
    };
  }

  /** Every env's observation, [N][obs] (a view on the shared buffer, what reset() and step() return). */
  sharedObs(): Uint8Array { this.checkUsable(); return this.shared.obs; }
  /** Observation of env `id` (a view on the shared buffer). */
  obsOf(id: number): Uint8Array { this.checkId(id); return this.shared.obsOf(id); }
  /** Observation the env's last finished episode ended on (before its auto-reset). */
  finalObsOf(id: number): Uint8Array { this.checkId(id); return this.shared.finalObsOf(id); }
  /** Per-env episode statistics for the dashboard. */
  episodeStats(): readonly EnvStats[] { return this.stats; }
  /** Whether env `id` has a step in flight. */
  isInFlight(id: number): boolean { this.checkId(id); return this.state[id] === EnvState.InFlight; }

  /** Terminates the workers and frees the shared memory. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(
      slots.map(async (slot, w) => {
        if (!slot) return;
        slot.alive = false;
        if (this.shared) {
          Atomics.store(this.shared.ctrl, this.shared.workerBase(w) + STOP, 1);
          Atomics.notify(this.shared.ctrl, this.shared.workerBase(w) + CMD_TAIL);
        }
        release(slot.api);
      }),
    );
    const handles = [...this.handles];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.terminate().catch(() => undefined)));
    // Drop references so the buffer can be collected.
    (this as unknown as { shared: SharedState | null }).shared = null;
    this.batchCache = null;
  }

  /**
   * Changes N and/or W without reloading the page: closes this VecEnv and returns a new, reset
   * one with the same options otherwise (seeds continue as seed + i of the original base).
   */
  async resize(numEnvs: number, numWorkers: number, extra: Partial<VecEnvOptions> = {}): Promise<VecEnv> {
    const base = this.seeds[0];
    const opts: VecEnvOptions = { ...this.opts, seeds: undefined, seed: base, ...extra, numEnvs, numWorkers };
    // Validate before tearing down, so a bad size leaves this one working.
    new VecEnv({ ...opts, workerFactory: () => { throw new Error('unused'); } });
    await this.close();
    const v = await VecEnv.create(opts);
    await v.reset();
    return v;
  }

  /** Test hook: make worker `w` throw, hang or exit (now, or at its next step). */
  async injectFault(w: number, kind: FaultKind, when: 'now' | 'nextStep' = 'nextStep'): Promise<void> {
    this.checkUsable();
    const slot = this.slots[w];
    if (!slot) throw new RangeError(`no worker ${w}`);
    const call = slot.api.injectFault(kind, when);
    // A worker told to hang or exit now never answers.
    if (when === 'now' && kind !== 'throw') {
      call.catch(() => undefined);
      return;
    }
    await this.control(slot, call, `env worker ${w} injectFault`).catch(() => undefined);
  }

  /** Round trip of an empty comlink call to worker w (ms), for measuring control overhead. */
  async pingMs(w = 0): Promise<number> {
    this.checkUsable();
    const slot = this.slots[w];
    if (!slot) throw new RangeError(`no worker ${w}`);
    const t = now();
    await this.control(slot, slot.api.ping(), `env worker ${w} ping`);
    return now() - t;
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Usable, no step pending, no worker mid-restart (a control call needs every worker up). */
  private async quiesce(what: string): Promise<void> {
    this.checkUsable();
    if (this.inFlightCount > 0 || this.readyCount > 0) {
      throw new VecEnvError(`${what}() with ${this.inFlightCount + this.readyCount} step(s) not yet received: recv() them first`);
    }
    for (;;) {
      const pending = this.slots.map((sl) => sl.recovering).filter((p): p is Promise<void> => p !== null);
      if (pending.length === 0) break;
      await Promise.all(pending);
      this.checkUsable();
    }
  }

  /** Every env's AtariEnv state, in env order. */
  private async gatherWorkerStates(): Promise<Uint8Array[]> {
    const parts = await Promise.all(this.slots.map((s, w) => this.control(s, s.api.getStates(), `env worker ${w} getStates`)));
    const out = parts.flat();
    if (out.length !== this.numEnvs) throw new VecEnvError(`workers returned ${out.length} env states for ${this.numEnvs} envs`);
    return out;
  }

  private packEnvState(id: number, inner: Uint8Array): Uint8Array {
    const os = this.obsSize;
    const out = new Uint8Array(VSTATE_HEAD + os + inner.length);
    const dv = new DataView(out.buffer);
    const st = this.stats[id];
    const last = st.last;
    dv.setUint32(0, VSTATE_MAGIC, true);
    dv.setUint32(4, VSTATE_VERSION, true);
    dv.setUint32(12, os, true);
    dv.setUint32(16, inner.length, true);
    dv.setUint32(20, (this.pendingRestart[id] ? 1 : 0) | (last ? 2 : 0) | (last?.truncated ? 4 : 0), true);
    dv.setFloat64(24, this.seeds[id], true);
    dv.setFloat64(32, st.episodes, true);
    dv.setFloat64(40, st.currentLength, true);
    dv.setFloat64(48, st.currentReturn, true);
    dv.setFloat64(56, st.currentRawScore, true);
    dv.setFloat64(64, last?.return ?? 0, true);
    dv.setFloat64(72, last?.rawScore ?? 0, true);
    dv.setFloat64(80, last?.length ?? 0, true);
    dv.setFloat64(88, last?.frames ?? 0, true);
    out.set(this.shared.finalObsOf(id), VSTATE_HEAD);
    out.set(inner, VSTATE_HEAD + os);
    dv.setUint32(8, fnv1a(out, 12), true);
    return out;
  }

  private unpackEnvState(b: Uint8Array, id: number): { inner: Uint8Array; finalObs: Uint8Array; seed: number; stats: EnvStats; pendingRestart: boolean } {
    if (!(b instanceof Uint8Array)) throw new TypeError('not a Uint8Array');
    if (b.length < VSTATE_HEAD) throw new RangeError(`${b.length} bytes, too short for a VecEnv env state`);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (dv.getUint32(0, true) !== VSTATE_MAGIC) throw new RangeError('not a VecEnv env state (bad magic)');
    const version = dv.getUint32(4, true);
    if (version !== VSTATE_VERSION) throw new RangeError(`VecEnv env state version ${version} is not supported (expected ${VSTATE_VERSION})`);
    const os = dv.getUint32(12, true);
    const innerLen = dv.getUint32(16, true);
    if (os !== this.obsSize) throw new RangeError(`it holds ${os}-byte observations, these envs have ${this.obsSize}-byte ones (other env options?)`);
    if (b.length !== VSTATE_HEAD + os + innerLen) throw new RangeError(`${b.length} bytes, its header says ${VSTATE_HEAD + os + innerLen} (truncated?)`);
    if (dv.getUint32(8, true) !== fnv1a(b, 12)) throw new RangeError('corrupt (checksum mismatch)');
    const flags = dv.getUint32(20, true);
    const seed = dv.getFloat64(24, true);
    if (!Number.isInteger(seed)) throw new RangeError('corrupt (seed is not an integer)');
    const f = (o: number) => dv.getFloat64(o, true);
    const stats: EnvStats = {
      episodes: f(32), currentLength: f(40), currentReturn: f(48), currentRawScore: f(56),
      last: flags & 2 ? { envId: id, return: f(64), rawScore: f(72), length: f(80), frames: f(88), truncated: (flags & 4) !== 0 } : null,
    };
    return {
      inner: b.slice(VSTATE_HEAD + os), finalObs: b.subarray(VSTATE_HEAD, VSTATE_HEAD + os), seed, stats, pendingRestart: (flags & 1) !== 0,
    };
  }

  /** Waits until `want` results are ready; returns their env ids in completion order. */
  private async collect(want: number): Promise<number[]> {
    const s = this.shared;
    const ctrl = s.ctrl;
    const out: number[] = [];
    const waitAsync = Atomics.waitAsync?.bind(Atomics);
    const progressSeen = this.slots.map((_, w) => Atomics.load(ctrl, s.workerBase(w) + PROGRESS));
    let lastProgress = now();
    while (out.length < want) {
      if (this.broken) throw new VecEnvError(`VecEnv is broken: ${this.broken}`);
      if (this.closed) throw new VecEnvError('VecEnv was closed while waiting for steps');
      const tail = Atomics.load(ctrl, DONE_TAIL);
      let advanced = false;
      while (this.ringHead < tail && out.length < want) {
        const slot = RING + (this.ringHead % s.ringCapacity);
        const v = Atomics.load(ctrl, slot);
        if (v === 0) break; // reserved but not yet written: wait for it below
        Atomics.store(ctrl, slot, 0);
        this.ringHead++;
        advanced = true;
        const id = v - 1;
        if (this.state[id] === EnvState.InFlight) {
          this.state[id] = EnvState.Ready;
          this.inFlightCount--;
          this.readyCount++;
          out.push(id);
        } // else: a stale completion from an abandoned worker; ignore
      }
      if (out.length >= want) break;
      if (advanced) { lastProgress = now(); continue; }
      // Hang detection: a worker with queued work that has not progressed for stepTimeoutMs.
      const t = now();
      for (let w = 0; w < this.slots.length; w++) {
        const p = Atomics.load(ctrl, s.workerBase(w) + PROGRESS);
        if (p !== progressSeen[w]) { progressSeen[w] = p; lastProgress = t; }
      }
      if (t - lastProgress > this.opts.stepTimeoutMs) {
        const stuck = this.slots.map((slot, w) => ({ slot, w })).filter(({ slot }) => slot.alive && !slot.recovering && this.hasInFlight(slot));
        if (stuck.length === 0 && !this.slots.some((sl) => sl.recovering)) {
          throw new VecEnvError(`no step finished within ${this.opts.stepTimeoutMs} ms and no worker is busy (internal error)`);
        }
        for (const { slot, w } of stuck) this.fail(w, slot, `no progress for ${this.opts.stepTimeoutMs} ms (hung)`);
        lastProgress = t;
      }
      const slice = Math.max(1, Math.min(50, this.opts.stepTimeoutMs - (t - lastProgress)));
      const idx = this.ringHead < tail ? RING + (this.ringHead % s.ringCapacity) : DONE_TAIL;
      const expect = this.ringHead < tail ? 0 : tail;
      // Where this thread may block (a worker, or Node's main thread), a short futex wait wakes
      // within microseconds of the worker's notify; waitAsync alone resolves through the event
      // loop, which is slow to wake in Node. The page's main thread cannot block: waitAsync only.
      if (CAN_BLOCK && Atomics.wait(ctrl, idx, expect, Math.min(2, slice)) !== 'timed-out') continue;
      if (waitAsync) {
        const r = waitAsync(ctrl, idx, expect, slice);
        if (r.async) await r.value;
      } else {
        await new Promise((res) => setTimeout(res, 1));
      }
    }
    // Ready results are handed out now, in completion (ring) order.
    for (const id of out) {
      this.state[id] = EnvState.Idle;
      this.readyCount--;
    }
    return out;
  }

  /** A control call to a worker: fails fast if the worker dies, and after controlTimeoutMs. */
  private control<T>(slot: Slot, p: Promise<T>, what: string): Promise<T> {
    return withTimeout(Promise.race([p, slot.dead]), this.opts.controlTimeoutMs, what);
  }

  private hasInFlight(slot: Slot): boolean {
    for (let id = slot.first; id < slot.first + slot.count; id++) if (this.state[id] === EnvState.InFlight) return true;
    return false;
  }

  /** Updates the running episode statistics with env `id`'s latest result. */
  private account(id: number): EpisodeRecord | null {
    const s = this.shared;
    const st = this.stats[id];
    st.currentReturn += s.reward[id];
    st.currentRawScore += s.rawReward[id];
    st.currentLength++;
    if (!s.gameOver[id] && !s.restarted[id]) return null;
    const rec: EpisodeRecord = {
      envId: id,
      return: st.currentReturn,
      rawScore: st.currentRawScore,
      length: st.currentLength,
      frames: s.restarted[id] ? -1 : s.episodeFrame[id],
      truncated: s.truncated[id] === 1,
    };
    if (s.restarted[id]) {
      st.currentReturn = 0; st.currentRawScore = 0; st.currentLength = 0;
      return null; // a cut episode is not a game result
    }
    st.episodes++;
    st.last = rec;
    st.currentReturn = 0;
    st.currentRawScore = 0;
    st.currentLength = 0;
    return rec;
  }

  private workerOf(id: number): number {
    const starts = this.shared.layout.workerStarts;
    let w = 0;
    while (starts[w + 1] <= id) w++;
    return w;
  }

  /** A result for env `id` that no worker computed: its worker was replaced (truncation). */
  private madeUpResult(id: number): void {
    const s = this.shared;
    s.reward[id] = 0;
    s.rawReward[id] = 0;
    s.terminated[id] = 0;
    s.truncated[id] = 1;
    s.gameOver[id] = 0;
    s.restarted[id] = 1;
    s.finalObsOf(id).set(s.obsOf(id));
    s.publish(id);
  }

  /** Worker `w` failed: replace it, reset its envs, answer their pending steps. */
  private fail(w: number, slot: Slot, reason: string): void {
    if (this.closed || !slot.alive || this.slots[w] !== slot) return;
    slot.alive = false;
    slot.markDead(reason);
    const envIds = Array.from({ length: slot.count }, (_, k) => slot.first + k);
    this.report({ kind: 'worker-failed', worker: w, envIds, reason, time: Date.now(), restarts: slot.restarts });
    slot.recovering = this.recover(w, slot, envIds, reason);
  }

  private async recover(w: number, old: Slot, envIds: number[], reason: string): Promise<void> {
    const s = this.shared;
    const ctrl = s.ctrl;
    const base = s.workerBase(w);
    // Fence: the old worker must not publish anything from now on.
    Atomics.add(ctrl, base + EPOCH, 1);
    Atomics.store(ctrl, base + STOP, 1);
    Atomics.notify(ctrl, base + CMD_TAIL);
    release(old.api);
    this.handles.delete(old.handle);
    await withTimeout(old.handle.terminate(), 5000, `terminating env worker ${w}`).catch(() => undefined);
    if (this.closed) return;
    const restarts = old.restarts + 1;
    try {
      if (restarts > this.opts.maxRestartsPerWorker) {
        throw new VecEnvError(`it already failed ${old.restarts} times (maxRestartsPerWorker = ${this.opts.maxRestartsPerWorker})`);
      }
      await this.spawn(w, old.first, old.count, restarts);
      // New seeds: replaying the failed run's seeds would repeat its episodes exactly.
      const seeds = envIds.map((id) => deriveSeed(this.seeds[id], 1000 + restarts));
      const fresh = this.slots[w];
      await this.control(fresh, fresh.api.reset(seeds), `env worker ${w} reset`);
    } catch (e) {
      if (this.closed) return;
      const msg = `env worker ${w} could not be restarted after "${reason}": ${(e as Error)?.message ?? String(e)}`;
      this.broken = msg;
      this.report({ kind: 'restart-failed', worker: w, envIds, reason: msg, time: Date.now(), restarts });
      Atomics.notify(ctrl, DONE_TAIL);
      return;
    }
    if (this.closed) return;
    for (const id of envIds) {
      if (this.state[id] === EnvState.InFlight) this.madeUpResult(id);
      else this.pendingRestart[id] = 1;
    }
    this.slots[w].recovering = null;
    this.report({ kind: 'worker-restarted', worker: w, envIds, reason, time: Date.now(), restarts });
  }

  private report(e: VecEnvEvent): void {
    this.events.push(e);
    try {
      this.opts.onEvent?.(e);
    } catch {
      // A throwing listener must not break fault recovery.
    }
  }

  private batchBuffers(n: number): VecBatch {
    const c = this.batchCache;
    if (c && c.envIds.length === n) return c;
    const b: VecBatch = {
      envIds: new Int32Array(n),
      obs: new Uint8Array(n * this.obsSize),
      reward: new Float32Array(n),
      rawReward: new Float64Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
      lives: new Int32Array(n),
      episodes: [],
    };
    this.batchCache = b;
    return b;
  }

  private checkId(id: number): void {
    this.checkUsable();
    if (!Number.isInteger(id) || id < 0 || id >= this.numEnvs) throw new RangeError(`invalid env id ${id}: must be an integer in [0, ${this.numEnvs - 1}]`);
  }

  private checkUsable(): void {
    if (this.closed) throw new VecEnvError('VecEnv is closed');
    if (this.broken) throw new VecEnvError(`VecEnv is broken: ${this.broken}`);
  }
}
