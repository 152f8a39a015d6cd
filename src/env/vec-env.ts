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
 * This module is the API and the transport; the rest is delegated:
 *   worker-pool.ts        the workers, fault detection and recovery (restarts, made-up results)
 *   episode-stats.ts      per-env running and last-episode statistics
 *   env-state-codec.ts    the per-env state blob of getEnvStates()/setEnvStates()
 *   vec-env-test-hooks.ts injectFault() and pingMs()
 */
import { observationShape, resolveEnvOptions, type AtariEnvOptions } from './atari-env';
import type { EmulatorSpec } from './emulator';
import { packEnvState, unpackEnvState } from './env-state-codec';
import { EpisodeStats, type EnvStats, type EpisodeRecord } from './episode-stats';
import { entropySeed } from './rng';
import { CMD_TAIL, DONE_TAIL, QUEUE, RING, SharedState, splitEnvs } from './shared';
import { VecEnvError } from './vec-env-error';
import * as testHooks from './vec-env-test-hooks';
import type { FaultKind, Transport } from './worker-core';
import { browserWorkerFactory, type WorkerFactory } from './worker-handle';
import { WorkerPool, type VecEnvEvent, type WorkerPoolOptions } from './worker-pool';

export { VecEnvError } from './vec-env-error';
export type { EnvStats, EpisodeRecord } from './episode-stats';
export type { VecEnvEvent } from './worker-pool';

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


const enum EnvState { Idle, InFlight, Ready }

/** Whether this thread may use the blocking Atomics.wait (not on a browser's main thread). */
const CAN_BLOCK = (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0);
    return true;
  } catch {
    return false;
  }
})();

export class VecEnv {
  readonly numEnvs: number;
  readonly numWorkers: number;
  numActions = 0;
  actionSet: number[] = [];
  observationShape: number[] = [];
  obsSize = 0;
  readonly events: VecEnvEvent[] = [];

  private shared!: SharedState;
  private pool!: WorkerPool;
  private readonly opts: WorkerPoolOptions & { numEnvs: number; numWorkers: number };
  private seeds: number[] = [];
  private state: Uint8Array;
  private ringHead = 0;
  private readyCount = 0;
  private inFlightCount = 0;
  private closed = false;
  private resetDone = false;
  private readonly stats: EpisodeStats;
  private batchCache: VecBatch | null = null;
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
    this.mark = new Int32Array(n);
    this.kick = new Uint8Array(w);
    this.stats = new EpisodeStats(n);
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
    this.pool = new WorkerPool(this.shared, this.opts, this.events, {
      seedOf: (id) => this.seeds[id],
      isInFlight: (id) => this.state[id] === EnvState.InFlight,
    });
    const infos = await this.pool.start();
    const info = infos[0];
    this.numActions = info.numActions;
    this.actionSet = info.actionSet;
    this.observationShape = info.observationShape;
  }

  private async probeObsSize(): Promise<number> {
    return observationShape(resolveEnvOptions(this.opts.env)).reduce((a, b) => a * b, 1);
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
    const pool = this.pool;
    await Promise.all(pool.slots.map((s, w) => pool.control(s, s.api.reset(seeds.slice(s.first, s.first + s.count)), `env worker ${w} reset`)));
    this.resetDone = true;
    pool.clearRestartPending();
    this.stats.clearRunning();
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
    const s = this.shared;
    return inner.map((b, id) => packEnvState({
      seed: this.seeds[id], stats: this.stats.get(id), pendingRestart: this.pool.restartPending(id), finalObs: s.finalObsOf(id),
    }, b));
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
        return unpackEnvState(b, id, this.obsSize);
      } catch (e) {
        throw new RangeError(`setEnvStates: env state ${id}: ${(e as Error).message}`);
      }
    });
    const backup = await this.gatherWorkerStates();
    const pool = this.pool;
    const results = await Promise.allSettled(
      pool.slots.map((s, w) => pool.control(s, s.api.setStates(parsed.slice(s.first, s.first + s.count).map((p) => p.inner)), `env worker ${w} setStates`)),
    );
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      const why = ((results[failed] as PromiseRejectedResult).reason as Error)?.message ?? String((results[failed] as PromiseRejectedResult).reason);
      // A worker that rejected restored its own envs; put the others back too.
      const undo = await Promise.allSettled(pool.slots.map((s, w) => (results[w].status === 'fulfilled'
        ? pool.control(s, s.api.setStates(backup.slice(s.first, s.first + s.count)), `env worker ${w} setStates (undo)`)
        : Promise.resolve())));
      const undoFailed = undo.some((r) => r.status === 'rejected');
      throw new VecEnvError(`setEnvStates: worker ${failed} rejected its env states: ${why}; ${undoFailed ? 'and putting the other workers back FAILED (reset() the VecEnv)' : 'no env was changed'}`);
    }
    const s = this.shared;
    parsed.forEach((p, id) => {
      this.seeds[id] = p.seed;
      this.stats.restore(id, p.stats);
      pool.setRestartPending(id, p.pendingRestart);
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
      // Its worker was replaced since the last result: answered with the fresh episode.
      if (this.pool.answerIfRestarted(id)) continue;
      const w = this.workerOf(id);
      const slot = this.pool.slots[w];
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
        const slot = this.pool.slots[w];
        slot.api.drain().catch((e: unknown) => this.pool.fail(w, slot, `drain failed: ${(e as Error)?.message ?? String(e)}`));
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
      const ep = this.stats.account(s, id);
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
    const s = this.shared;
    const episodes: EpisodeRecord[] = [];
    for (const id of ids) {
      const ep = this.stats.account(s, id);
      if (ep) episodes.push(ep);
    }
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
  episodeStats(): readonly EnvStats[] { return this.stats.perEnv; }
  /** Whether env `id` has a step in flight. */
  isInFlight(id: number): boolean { this.checkId(id); return this.state[id] === EnvState.InFlight; }

  /** Terminates the workers and frees the shared memory. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // No pool yet if create() failed before the workers were started.
    await this.pool?.close();
    // Drop references so the buffer can be collected (the pool drops its own).
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

  // ---- test hooks (vec-env-test-hooks.ts) -----------------------------------------------------

  /** Test hook: make worker `w` throw, hang or exit (now, or at its next step). */
  async injectFault(w: number, kind: FaultKind, when: 'now' | 'nextStep' = 'nextStep'): Promise<void> {
    this.checkUsable();
    return testHooks.injectFault(this.pool, w, kind, when);
  }

  /** Round trip of an empty comlink call to worker w (ms), for measuring control overhead. */
  async pingMs(w = 0): Promise<number> {
    this.checkUsable();
    return testHooks.pingMs(this.pool, w);
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Usable, no step pending, no worker mid-restart (a control call needs every worker up). */
  private async quiesce(what: string): Promise<void> {
    this.checkUsable();
    if (this.inFlightCount > 0 || this.readyCount > 0) {
      throw new VecEnvError(`${what}() with ${this.inFlightCount + this.readyCount} step(s) not yet received: recv() them first`);
    }
    for (;;) {
      const pending = this.pool.recoveries();
      if (pending.length === 0) break;
      await Promise.all(pending);
      this.checkUsable();
    }
  }

  /** Every env's AtariEnv state, in env order. */
  private async gatherWorkerStates(): Promise<Uint8Array[]> {
    const pool = this.pool;
    const parts = await Promise.all(pool.slots.map((s, w) => pool.control(s, s.api.getStates(), `env worker ${w} getStates`)));
    const out = parts.flat();
    if (out.length !== this.numEnvs) throw new VecEnvError(`workers returned ${out.length} env states for ${this.numEnvs} envs`);
    return out;
  }

  /** Waits until `want` results are ready; returns their env ids in completion order. */
  private async collect(want: number): Promise<number[]> {
    const s = this.shared;
    const ctrl = s.ctrl;
    const out: number[] = [];
    const waitAsync = Atomics.waitAsync?.bind(Atomics);
    const hang = this.pool.watch();
    while (out.length < want) {
      if (this.pool.broken) throw new VecEnvError(`VecEnv is broken: ${this.pool.broken}`);
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
      if (advanced) { hang.progressed(); continue; }
      // Hang detection: a worker with queued work that has not progressed for stepTimeoutMs.
      const slice = hang.check();
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

  private workerOf(id: number): number {
    const starts = this.shared.layout.workerStarts;
    let w = 0;
    while (starts[w + 1] <= id) w++;
    return w;
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
    if (this.pool.broken) throw new VecEnvError(`VecEnv is broken: ${this.pool.broken}`);
  }
}
