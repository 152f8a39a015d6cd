/**
 * The env workers of a VecEnv and their fault recovery.
 *
 * One slot per worker: its handle, its comlink proxy, its env range and restart count. A worker
 * fails when its handle reports an error or exit, or when a HangWatch sees it make no progress
 * for stepTimeoutMs with steps queued. A failed worker is fenced (epoch bump, stop flag, so it can
 * publish nothing more), terminated and respawned; its envs are re-seeded from their seeds
 * (deriveSeed(seed, 1000 + restarts)) and reset; their steps in flight are answered with made-up
 * truncated results (`restarted` = 1), idle ones get a restart notice that their next send()
 * answers the same way. Every fault and restart is reported as a VecEnvEvent. After
 * maxRestartsPerWorker failures, or if a replacement cannot start, the pool is `broken`.
 *
 * The pool knows nothing of the VecEnv: it gets the shared buffer, the options and two questions
 * about the envs (their seeds, whether one has a step in flight) when it is made.
 */
import * as Comlink from 'comlink';
import type { AtariEnvOptions } from './atari-env';
import type { EmulatorSpec } from './emulator';
import { deriveSeed } from './rng';
import { CMD_HEAD, CMD_TAIL, DONE_TAIL, EPOCH, PROGRESS, SharedState, STOP } from './shared';
import { VecEnvError } from './vec-env-error';
import type { EnvWorkerApi, Transport, WorkerInfo } from './worker-core';
import type { WorkerFactory, WorkerHandle } from './worker-handle';

export interface VecEnvEvent {
  kind: 'worker-failed' | 'worker-restarted' | 'restart-failed';
  worker: number;
  envIds: number[];
  reason: string;
  time: number;
  restarts: number;
}

/** What the pool needs of the VecEnv's options (all defaults already applied). */
export interface WorkerPoolOptions {
  emulator: EmulatorSpec;
  env: AtariEnvOptions;
  workerFactory: WorkerFactory;
  transport: Transport;
  stepTimeoutMs: number;
  controlTimeoutMs: number;
  maxRestartsPerWorker: number;
  onEvent?: (e: VecEnvEvent) => void;
}

/** What the pool asks about the envs. */
export interface PoolEnvs {
  /** Env `id`'s current seed (restart seeds derive from it). */
  seedOf(id: number): number;
  /** Whether env `id` has a step in flight (recovery answers those). */
  isInFlight(id: number): boolean;
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

/** A worker slot as the VecEnv sees it. */
export type WorkerSlot = Readonly<Pick<Slot, 'api' | 'first' | 'count' | 'restarts' | 'recovering' | 'alive' | 'dead'>>;

export const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

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

export class WorkerPool {
  private slotList: Slot[] = [];
  /** Every worker started and not yet terminated (close() ends them all, even mid-restart). */
  private readonly handles = new Set<WorkerHandle>();
  /** Envs whose worker was restarted while they were idle: their next send() returns at once. */
  private readonly pendingRestart: Uint8Array;
  private closed = false;
  private brokenWhy: string | null = null;

  constructor(
    private readonly shared: SharedState,
    private readonly opts: WorkerPoolOptions,
    /** Where events are recorded (the VecEnv's `events`). */
    private readonly events: VecEnvEvent[],
    private readonly envs: PoolEnvs,
  ) {
    this.pendingRestart = new Uint8Array(shared.layout.numEnvs);
  }

  /** Slot w for worker w (the array is the pool's: do not keep it across close()). */
  get slots(): readonly WorkerSlot[] { return this.slotList; }
  /** Why the pool gave up (a worker could not be restarted), or null. */
  get broken(): string | null { return this.brokenWhy; }
  get stepTimeoutMs(): number { return this.opts.stepTimeoutMs; }

  /** Starts one worker per range of shared.layout.workerStarts; resolves with their infos. */
  start(): Promise<WorkerInfo[]> {
    const starts = this.shared.layout.workerStarts;
    return Promise.all(
      Array.from({ length: starts.length - 1 }, (_, w) => this.spawn(w, starts[w], starts[w + 1] - starts[w], 0, null)),
    );
  }

  /** A control call to a worker: fails fast if the worker dies, and after controlTimeoutMs. */
  control<T>(slot: WorkerSlot, p: Promise<T>, what: string): Promise<T> {
    return withTimeout(Promise.race([p, slot.dead]), this.opts.controlTimeoutMs, what);
  }

  /** The recoveries in progress (a control call that needs every worker waits for them). */
  recoveries(): Promise<void>[] {
    return this.slotList.map((sl) => sl.recovering).filter((p): p is Promise<void> => p !== null);
  }

  /** Steps completed so far by worker w (its liveness counter). */
  progressOf(w: number): number {
    return Atomics.load(this.shared.ctrl, this.shared.workerBase(w) + PROGRESS);
  }

  /** A new watch for one wait on step results. */
  watch(): HangWatch {
    return new HangWatch(this);
  }

  // ---- restart notices (part of each env's saved state) -----------------------------------------

  restartPending(id: number): boolean { return this.pendingRestart[id] === 1; }
  setRestartPending(id: number, pending: boolean): void { this.pendingRestart[id] = pending ? 1 : 0; }
  clearRestartPending(): void { this.pendingRestart.fill(0); }

  /**
   * For send(): if env `id` (just marked in flight) has a restart notice, answers its step with
   * the fresh episode its replacement worker started and returns true; its worker is not asked.
   */
  answerIfRestarted(id: number): boolean {
    if (!this.pendingRestart[id]) return false;
    this.pendingRestart[id] = 0;
    this.madeUpResult(id);
    return true;
  }

  // ---- failure and recovery ---------------------------------------------------------------------

  /** Worker `w` failed: replace it, reset its envs, answer their pending steps. */
  fail(w: number, slot: WorkerSlot, reason: string): void {
    const sl = this.slotList[w];
    if (this.closed || sl !== slot || !sl.alive) return;
    sl.alive = false;
    sl.markDead(reason);
    const envIds = Array.from({ length: sl.count }, (_, k) => sl.first + k);
    this.report({ kind: 'worker-failed', worker: w, envIds, reason, time: Date.now(), restarts: sl.restarts });
    sl.recovering = this.recover(w, sl, envIds, reason);
  }

  /**
   * Fails every live worker that has a step in flight (called when none progressed for
   * stepTimeoutMs). Throws if no worker is busy or recovering: then nobody can answer.
   */
  failHung(): void {
    const ms = this.opts.stepTimeoutMs;
    const stuck = this.slotList.map((slot, w) => ({ slot, w })).filter(({ slot }) => slot.alive && !slot.recovering && this.hasInFlight(slot));
    if (stuck.length === 0 && !this.slotList.some((sl) => sl.recovering)) {
      throw new VecEnvError(`no step finished within ${ms} ms and no worker is busy (internal error)`);
    }
    for (const { slot, w } of stuck) this.fail(w, slot, `no progress for ${ms} ms (hung)`);
  }

  /** Stops and terminates every worker, even one being restarted. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slotList;
    this.slotList = [];
    const ctrl = this.shared.ctrl;
    slots.forEach((slot, w) => {
      if (!slot) return;
      slot.alive = false;
      Atomics.store(ctrl, this.shared.workerBase(w) + STOP, 1);
      Atomics.notify(ctrl, this.shared.workerBase(w) + CMD_TAIL);
      release(slot.api);
    });
    const handles = [...this.handles];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.terminate().catch(() => undefined)));
    // Drop the buffer so it can be collected while the VecEnv is still referenced.
    (this as unknown as { shared: SharedState | null }).shared = null;
  }

  /** `recovering`: the recovery this replacement is part of (null for a first start). */
  private async spawn(w: number, first: number, count: number, restarts: number, recovering: Promise<void> | null): Promise<WorkerInfo> {
    if (this.closed) throw new VecEnvError('VecEnv is closed');
    const handle = this.opts.workerFactory();
    this.handles.add(handle);
    const api = Comlink.wrap<EnvWorkerApi>(handle.endpoint);
    // A replacement counts as recovering until recover() has also reset its envs, so hang
    // detection leaves it alone while it starts. Its `recovering` is that recover() call's own
    // promise: a control call waiting on recoveries() must wait for the reset too (an
    // already-resolved placeholder here made quiesce() spin on microtasks and never return).
    let markDead: (reason: string) => void = () => undefined;
    const dead = new Promise<never>((_, reject) => {
      markDead = (reason) => reject(new VecEnvError(`env worker ${w} failed: ${reason}`));
    });
    dead.catch(() => undefined);
    const slot: Slot = {
      handle, api, first, count, restarts, recovering, alive: true, dead, markDead,
    };
    this.slotList[w] = slot;
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
    Atomics.store(ctrl, base + CMD_HEAD, 0);
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
    const obsSize = this.shared.layout.obsSize;
    if (info.obsSize !== obsSize) throw new VecEnvError(`worker ${w} reports observation size ${info.obsSize}, expected ${obsSize}`);
    return info;
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
      await this.spawn(w, old.first, old.count, restarts, old.recovering);
      // New seeds: replaying the failed run's seeds would repeat its episodes exactly.
      const seeds = envIds.map((id) => deriveSeed(this.envs.seedOf(id), 1000 + restarts));
      const fresh = this.slotList[w];
      await this.control(fresh, fresh.api.reset(seeds), `env worker ${w} reset`);
    } catch (e) {
      if (this.closed) return;
      const msg = `env worker ${w} could not be restarted after "${reason}": ${(e as Error)?.message ?? String(e)}`;
      this.brokenWhy = msg;
      this.report({ kind: 'restart-failed', worker: w, envIds, reason: msg, time: Date.now(), restarts });
      Atomics.notify(ctrl, DONE_TAIL);
      return;
    }
    if (this.closed) return;
    for (const id of envIds) {
      if (this.envs.isInFlight(id)) this.madeUpResult(id);
      else this.pendingRestart[id] = 1;
    }
    this.slotList[w].recovering = null;
    this.report({ kind: 'worker-restarted', worker: w, envIds, reason, time: Date.now(), restarts });
  }

  /** A result for env `id` that no worker computed: its worker was replaced (truncation). */
  private madeUpResult(id: number): void {
    const s = this.shared;
    s.setResult(id, { reward: 0, rawReward: 0, truncated: true, restarted: true });
    s.finalObsOf(id).set(s.obsOf(id));
    s.publish(id);
  }

  private hasInFlight(slot: Slot): boolean {
    for (let id = slot.first; id < slot.first + slot.count; id++) if (this.envs.isInFlight(id)) return true;
    return false;
  }

  private report(e: VecEnvEvent): void {
    this.events.push(e);
    try {
      this.opts.onEvent?.(e);
    } catch {
      // A throwing listener must not break fault recovery.
    }
  }
}

/**
 * Hang detection for one wait on step results: tracks when any worker last made progress and,
 * after stepTimeoutMs without any, fails the workers that have steps in flight.
 */
export class HangWatch {
  private readonly seen: number[];
  private last = now();

  constructor(private readonly pool: WorkerPool) {
    this.seen = pool.slots.map((_, w) => pool.progressOf(w));
  }

  /** The waiter received results. */
  progressed(): void {
    this.last = now();
  }

  /** Polls the workers' progress, fails hung ones; returns how long to wait (ms) before the next check. */
  check(): number {
    const pool = this.pool;
    const ms = pool.stepTimeoutMs;
    const t = now();
    for (let w = 0; w < pool.slots.length; w++) {
      const p = pool.progressOf(w);
      if (p !== this.seen[w]) { this.seen[w] = p; this.last = t; }
    }
    if (t - this.last > ms) {
      pool.failHung();
      this.last = t;
    }
    return Math.max(1, Math.min(50, ms - (t - this.last)));
  }
}
