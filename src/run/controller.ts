/**
 * One training run: the loop that drives a DQNAgent on a RunEnv, pause/resume, mode switches,
 * checkpoints (autosave, manual, page-hide), watch mode, metrics and events.
 *
 * Platform-neutral: the learner worker (browser) and the vitest suite (Node, tfjs cpu) both use
 * it. Everything platform-specific comes in through RunDeps (how to build envs, tf.memory(),
 * which backend). The tfjs backend must be selected before a controller is built.
 *
 * Concurrency rule: agent.step() and anything that reads/writes the agent's state (save,
 * mode switch, watch) never overlap. The loop runs in slices of ~SLICE_MS and yields a macrotask
 * between slices so control calls (comlink messages) get in; every state-touching operation
 * first stops the loop and awaits its last step (quiesce()).
 */
import { DQNAgent } from '../agent/agent';
import { FrameStacker } from '../agent/stacker';
import type { CheckpointStore } from '../checkpoint/store';
import { CheckpointManager } from '../checkpoint/manager';
import { captureAgent, restoreAgent, type CaptureOptions, type EnvStateIO } from '../checkpoint/restore';
import { switchMode as switchCheckpointMode } from '../checkpoint/manager';
import type { Manifest } from '../checkpoint/types';
import { checkMode, validateRunConfig, withMode, RunConfigError, type RunConfig } from './config';
import type { RunEnv, SingleEnv } from './envs';
import { FrameWriter } from './frames';
import { RunHistory } from './history';
import {
  METRICS_INTERVAL_MS,
  type BackendInfo, type CheckpointInfo, type EpisodeEntry, type FrameSource, type MetricsHistory, type MetricsSnapshot,
  type RunController, type RunCounters, type RunEvent, type RunListener, type RunMode, type RunState,
} from './types';

export interface RunDeps {
  store: CheckpointStore;
  backend: BackendInfo;
  /** Builds the envs of a mode (single = one env in this thread). Seeds: env i gets seed + i. */
  makeEnv(mode: RunMode, seed: number): Promise<RunEnv>;
  /** A separate single env for watch mode (null: watch mode unavailable). */
  makeWatchEnv?(): Promise<SingleEnv>;
  memory(): { numBytes: number; numTensors: number; numBytesInGPU?: number };
  /** Replay capacity override (tests; default from device memory, see replayCapacity()). */
  capacity?: number;
  /** Metrics timer period (default METRICS_INTERVAL_MS; 0 = no timer, snapshots on demand). */
  metricsIntervalMs?: number;
  /** Called when the controller is closed. */
  onClose?: () => void;
}


export function checkpointInfo(m: Manifest): CheckpointInfo {
  return {
    id: m.id, runId: m.runId, createdAt: m.createdAt, reason: m.reason, counters: { ...m.counters },
    hasReplay: m.hasReplay, totalBytes: m.totalBytes, evalReturn: m.evalReturn,
  };
}

/** What the controller keeps in a checkpoint's metrics slot (older ones also hold mode and env, now in meta.run). */
interface StoredMetrics {
  v: 1;
  elapsedSec: number;
  history: unknown;
}

const SLICE_MS = 30;

/** A macrotask yield (lets worker messages / timers in between loop slices). */
function yieldMacrotask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  return new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => { ch.port1.close(); r(); };
    ch.port2.postMessage(0);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class RunControllerImpl implements RunController {
  readonly runId: string;
  state: RunState = 'ready';
  agent: DQNAgent;
  env: RunEnv;
  /** The run's whole config (its mode is the current one); stored in every checkpoint. */
  config: RunConfig;
  get mode(): RunMode { return this.config.mode; }
  readonly frameWriter = new FrameWriter();
  hist: RunHistory;

  private readonly deps: RunDeps;
  private readonly manager: CheckpointManager;
  private readonly listeners = new Map<number, RunListener>();
  private listenerSeq = 0;
  private loopPromise: Promise<void> | null = null;
  private wantRun = false;
  private framesBase = 0;
  private stepsAtFramesBase = 0;
  private elapsedSec = 0;
  private runningSince: number | null = null;
  private pendingEpisodes: EpisodeEntry[] = [];
  private rateA = { t: now(), steps: 0, frames: 0, grads: 0 };
  private rateB = this.rateA;
  private lastGradForLoss = 0;
  private lastGradForQ = -1;
  private lastLoss: number | null = null;
  private lastMeanQ: number | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private viewEnv = 0;
  private lastFramePublish = 0;
  private watchStop: (() => void) | null = null;
  private watchPromise: Promise<void> | null = null;
  private qInput: Float32Array | null = null;
  private closed = false;

  private constructor(deps: RunDeps, runId: string, config: RunConfig, agent: DQNAgent, env: RunEnv, history: RunHistory, lastSavedStep: number) {
    this.deps = deps;
    this.runId = runId;
    this.config = config;
    this.agent = agent;
    this.env = env;
    this.hist = history;
    this.manager = new CheckpointManager(deps.store, runId, {
      capture: () => this.capture(),
      onSaved: (m, ms) => this.emit({ kind: 'saved', runId, checkpointId: m.id, reason: m.reason, ms, bytes: m.totalBytes }),
      onError: (e) => this.emit({ kind: 'error', runId, message: String((e as Error)?.message ?? e), fatal: false }),
    }, config.autosave, lastSavedStep);
    const period = deps.metricsIntervalMs ?? METRICS_INTERVAL_MS;
    if (period > 0) this.timer = setInterval(() => { void this.pushMetrics(); }, period);
  }

  /** A new run of a resolved config (resolveRunConfig): builds envs + agent, registers the run in the store. */
  static async create(c: RunConfig, deps: RunDeps): Promise<RunControllerImpl> {
    const problems = validateRunConfig(c);
    if (problems.length) throw new RunConfigError(problems);
    const cfg = c.agent;
    const env = await deps.makeEnv(c.mode, cfg.seed);
    let agent: DQNAgent;
    try {
      agent = new DQNAgent(cfg, env, deps.capacity !== undefined ? { capacity: deps.capacity } : {});
    } catch (e) {
      await env.close();
      throw e;
    }
    const rec = await deps.store.createRun(c, c.name);
    await agent.start();
    return new RunControllerImpl(deps, rec.runId, c, agent, env, new RunHistory(), 0);
  }

  /**
   * Reopens a checkpoint with the config stored in it (autosave, retention, evaluation schedule
   * and all), in its own mode unless `mode` is given: everything continues.
   */
  static async fromCheckpoint(id: string, deps: RunDeps, o: { mode?: RunMode } = {}): Promise<RunControllerImpl> {
    const m = await deps.store.getManifest(id);
    const config = o.mode ? withMode(m.meta.run, o.mode) : m.meta.run;
    const sm = (await deps.store.readMetrics(m)) as Partial<StoredMetrics> | null;
    const cfg = config.agent;
    const env = await deps.makeEnv(config.mode, cfg.seed);
    let agent: DQNAgent | null = null;
    try {
      // Same capacity as the saved buffer (rows over all envs), so replay restores in full.
      const capacity = m.meta.replayGeometry.numEnvs * m.meta.replayGeometry.segmentCapacity;
      agent = new DQNAgent(cfg, env, { capacity });
      const r = await restoreAgent(deps.store, id, agent, {});
      const c = new RunControllerImpl(deps, m.runId, config, agent, env, RunHistory.fromJSON(sm?.history), m.counters.agentSteps);
      c.elapsedSec = sm?.elapsedSec ?? 0;
      c.framesBase = r.frames;
      c.stepsAtFramesBase = agent.globalStep;
      c.rateA = c.rateB = { t: now(), steps: agent.globalStep, frames: r.frames, grads: agent.learner.gradientSteps };
      c.lastGradForLoss = agent.learner.gradientSteps;
      return c;
    } catch (e) {
      agent?.dispose();
      await env.close();
      throw e;
    }
  }

  // ---- counters / metrics ---------------------------------------------------------------

  get counters(): RunCounters {
    const a = this.agent;
    return {
      agentSteps: a.globalStep,
      vectorSteps: a.vectorSteps,
      frames: this.framesBase + (a.globalStep - this.stepsAtFramesBase) * this.env.frameSkip,
      episodes: a.episodes,
      gradientUpdates: a.learner.gradientSteps,
    };
  }

  private elapsed(): number {
    return this.elapsedSec + (this.runningSince !== null ? (now() - this.runningSince) / 1000 : 0);
  }

  private setState(s: RunState, reason?: string): void {
    if (this.state === s) return;
    this.state = s;
    this.emit({ kind: 'state', runId: this.runId, state: s, reason });
  }

  private emit(e: RunEvent): void {
    for (const [id, l] of this.listeners) {
      try {
        const p = l.onEvent?.(e) as unknown;
        if (p && typeof (p as Promise<void>).catch === 'function') (p as Promise<void>).catch(() => this.listeners.delete(id));
      } catch {
        this.listeners.delete(id);
      }
    }
  }

  /**
   * Current metrics. Rates are measured over a window of 1-2 s (two reference points), so
   * polling by the page and the listener timer do not disturb each other. `drain` (the
   * listener timer) hands over the episodes finished since the last drain; a plain call shows
   * them without taking them.
   */
  async snapshot(drain = false): Promise<MetricsSnapshot> {
    const t = now();
    const c = this.counters;
    const cur = { t, steps: c.agentSteps, frames: c.frames, grads: c.gradientUpdates };
    if (t - this.rateB.t >= 1000) { this.rateA = this.rateB; this.rateB = cur; }
    const ref = this.rateA;
    const dt = Math.max(1e-3, (t - ref.t) / 1000);
    const stepsPerSec = (c.agentSteps - ref.steps) / dt;
    const framesPerSec = (c.frames - ref.frames) / dt;
    const gradStepsPerSec = (c.gradientUpdates - ref.grads) / dt;
    if (c.gradientUpdates !== this.lastGradForLoss) {
      this.lastGradForLoss = c.gradientUpdates;
      try {
        this.lastLoss = await this.agent.learner.lastLoss();
        this.lastMeanQ = await this.meanQ();
      } catch {
        // a read racing a mode switch (disposed learner): keep the previous numbers
      }
      if (this.lastLoss !== null) this.hist.loss.add(c.agentSteps, this.lastLoss);
      if (this.lastMeanQ !== null) this.hist.meanQ.add(c.agentSteps, this.lastMeanQ);
    }
    if (drain && this.state === 'running' && stepsPerSec > 0) this.hist.stepsPerSec.add(c.agentSteps, stepsPerSec);
    const a = this.agent;
    const eps = this.pendingEpisodes;
    if (drain) this.pendingEpisodes = [];
    return {
      runId: this.runId,
      state: this.state,
      time: Date.now(),
      elapsedSec: this.elapsed(),
      counters: c,
      stepsPerSec, framesPerSec, gradStepsPerSec,
      epsilon: a.epsilon,
      loss: this.lastLoss,
      meanQ: this.lastMeanQ,
      replaySize: a.buffer.validCount(),
      replayCapacity: a.capacity.capacity,
      mode: { ...this.config.mode },
      backend: this.deps.backend,
      memory: this.deps.memory(),
      newEpisodes: drain ? eps : eps.slice(),
      lastEval: null,
      nextEvalAt: null,
    };
  }

  /** Mean over envs of max_a Q(s_t, a) on the current stacks (what the agent acts on now). */
  private async meanQ(): Promise<number | null> {
    if (this.agent.learner.gradientSteps === this.lastGradForQ) return this.lastMeanQ;
    this.lastGradForQ = this.agent.learner.gradientSteps;
    // The agent keeps its acting stacks private; its state export has them (uint8 [N,S,H*W]).
    const stacker = (this.agent as unknown as { stacker?: FrameStacker }).stacker;
    if (!stacker) return null;
    const n = this.env.numEnvs;
    const size = n * this.env.frameHeight * this.env.frameWidth * this.agent.cfg.frame_stack;
    if (!this.qInput || this.qInput.length !== size) this.qInput = new Float32Array(size);
    stacker.writeInput(this.qInput);
    const q = await this.agent.learner.qValues(this.qInput, n);
    const A = q.length / n;
    let s = 0;
    for (let e = 0; e < n; e++) {
      let m = -Infinity;
      for (let k = 0; k < A; k++) if (q[e * A + k] > m) m = q[e * A + k];
      s += m;
    }
    return s / n;
  }

  private async pushMetrics(): Promise<void> {
    if (this.listeners.size === 0 || this.closed) return;
    const s = await this.snapshot(true);
    for (const [id, l] of this.listeners) {
      try {
        const p = l.onMetrics?.(s) as unknown;
        if (p && typeof (p as Promise<void>).catch === 'function') (p as Promise<void>).catch(() => this.listeners.delete(id));
      } catch {
        this.listeners.delete(id);
      }
    }
  }

  async history(): Promise<MetricsHistory> { return this.hist.view(); }

  async subscribe(l: RunListener): Promise<number> {
    const id = ++this.listenerSeq;
    this.listeners.set(id, l);
    return id;
  }

  async unsubscribe(id: number): Promise<void> {
    this.listeners.delete(id);
  }

  async frames(): Promise<FrameSource> { return { buffer: this.frameWriter.buffer as SharedArrayBuffer }; }

  async setViewEnv(i: number): Promise<void> {
    if (!Number.isInteger(i) || i < -1 || i >= this.env.numEnvs) throw new RangeError(`env index must be in [-1, ${this.env.numEnvs - 1}], got ${String(i)}`);
    this.viewEnv = i;
    if (i >= 0) this.env.publishFrame(this.frameWriter, i, this.agent.globalStep);
  }

  // ---- the loop -------------------------------------------------------------------------

  private checkOpen(): void {
    if (this.closed) throw new Error(`run ${this.runId} is closed`);
    if (this.state === 'error') throw new Error(`run ${this.runId} stopped after an error; resume it from a checkpoint`);
  }

  async start(): Promise<void> {
    this.checkOpen();
    if (this.watchPromise) await this.stopWatch();
    if (this.loopPromise || this.state === 'done') return;
    this.wantRun = true;
    this.setState('running');
    this.runningSince = now();
    this.loopPromise = this.loop().finally(() => {
      if (this.runningSince !== null) this.elapsedSec += (now() - this.runningSince) / 1000;
      this.runningSince = null;
      this.loopPromise = null;
    });
  }

  resume(): Promise<void> { return this.start(); }

  async pause(): Promise<void> {
    await this.quiesce();
    if (this.state === 'running') this.setState('paused');
  }

  /** Stops the loop and waits until no agent step is in flight. */
  private async quiesce(): Promise<boolean> {
    const was = this.loopPromise !== null;
    this.wantRun = false;
    if (this.loopPromise) await this.loopPromise;
    return was;
  }

  private async loop(): Promise<void> {
    const a = this.agent;
    try {
      while (this.wantRun) {
        const t0 = now();
        do {
          await a.step();
          this.afterStep();
          if (a.globalStep >= a.cfg.total_timesteps) {
            this.wantRun = false;
            this.setState('done', `total_timesteps ${a.cfg.total_timesteps} reached`);
            break;
          }
          if (this.manager.policy.everyAgentSteps > 0 && a.globalStep - this.lastAutosaveCheck >= this.manager.policy.everyAgentSteps) {
            this.lastAutosaveCheck = a.globalStep;
            this.setState('saving');
            try {
              await this.manager.maybeAutosave(a.globalStep);
            } catch (e) {
              this.emit({ kind: 'error', runId: this.runId, message: `autosave failed: ${(e as Error).message}`, fatal: false });
            }
            this.setState('running');
          }
        } while (this.wantRun && now() - t0 < SLICE_MS);
        await yieldMacrotask();
      }
    } catch (e) {
      this.wantRun = false;
      const msg = e instanceof Error ? e.message : String(e);
      this.setState('error', msg);
      this.emit({ kind: 'error', runId: this.runId, message: msg, fatal: true });
    }
  }
  private lastAutosaveCheck = 0;

  private afterStep(): void {
    const fin = this.env.finished;
    if (fin.length) {
      const step = this.agent.globalStep;
      const t = Date.now();
      for (const e of fin) {
        this.pendingEpisodes.push({ agentStep: step, env: e.env, rawReturn: e.rawReturn, length: e.length, time: t });
        this.hist.episodes.add(step, e.rawReturn);
      }
      if (this.pendingEpisodes.length > 10_000) this.pendingEpisodes.splice(0, this.pendingEpisodes.length - 10_000);
    }
    if (this.viewEnv >= 0) {
      const t = now();
      // At most 60 times a second: the view slot, and in vectorized mode every env's own slot.
      if (t - this.lastFramePublish >= 1000 / 60) {
        this.lastFramePublish = t;
        this.env.publishFrame(this.frameWriter, this.viewEnv, this.agent.globalStep);
      }
    }
  }

  // ---- checkpoints ----------------------------------------------------------------------

  private captureOptions(): CaptureOptions {
    return {
      run: this.config,
      frames: this.counters.frames,
      // Both env kinds capture their emulators (exact resume of running episodes in the same mode).
      envs: 'getEnvStates' in this.env ? (this.env as unknown as EnvStateIO) : null,
      metrics: { v: 1, elapsedSec: this.elapsed(), history: this.hist.toJSON() } satisfies StoredMetrics,
    };
  }

  private capture() {
    return captureAgent(this.agent, this.captureOptions());
  }

  /** Runs `fn` with the loop stopped, then restarts the loop if it was running. */
  private async paused<T>(busy: RunState, fn: () => Promise<T>): Promise<T> {
    this.checkOpen();
    const was = await this.quiesce();
    const prev = this.state;
    this.setState(busy);
    try {
      return await fn();
    } finally {
      this.setState(prev === 'running' ? 'paused' : prev);
      if (was && !this.closed && this.state !== 'error') await this.start();
    }
  }

  async saveCheckpoint(o: { withReplay?: boolean } = {}): Promise<CheckpointInfo> {
    return this.paused('saving', async () => checkpointInfo(await this.manager.save('manual', o.withReplay ?? true)));
  }

  async pageHide(): Promise<void> {
    if (this.closed) return;
    await this.paused('saving', async () => { await this.manager.saveForPageHide(); });
  }

  async switchMode(next: RunMode): Promise<void> {
    const mode = checkMode(next);
    await this.paused('switching', async () => {
      const before = this.counters;
      const oldEnv = this.env;
      const r = await switchCheckpointMode({
        store: this.deps.store,
        runId: this.runId,
        agent: this.agent,
        capture: this.captureOptions(),
        closeOldEnvs: () => oldEnv.close(),
        mode,
        build: async (cfg, _m, capacity) => {
          const env = await this.deps.makeEnv(mode, cfg.seed);
          this.env = env;
          return { agent: new DQNAgent(cfg, env, { capacity }), envs: null };
        },
      });
      this.agent = r.agent;
      this.config = withMode(this.config, mode);
      this.framesBase = before.frames;
      this.stepsAtFramesBase = r.agent.globalStep;
      this.viewEnv = Math.min(this.viewEnv, this.env.numEnvs - 1);
      // The old envs' frames must not show as the new envs' (same index, different env).
      this.frameWriter.clearEnvSlots();
      this.emit({ kind: 'saved', runId: this.runId, checkpointId: r.saved.id, reason: 'mode-switch', ms: 0, bytes: r.saved.totalBytes });
      this.emit({ kind: 'mode-switched', runId: this.runId, mode, lostTransitions: r.restored.lostTransitions });
    });
  }

  // ---- watch mode -----------------------------------------------------------------------

  async watch(o: { realtime?: boolean; epsilon?: number } = {}): Promise<void> {
    this.checkOpen();
    if (this.watchPromise) return;
    const make = this.deps.makeWatchEnv;
    if (!make) throw new Error('watch mode is not available here (no env factory for it)');
    await this.quiesce();
    if (this.state === 'running') this.setState('paused');
    const env = await make();
    const prev = this.state;
    this.setState('watching');
    const eps = o.epsilon ?? this.agent.cfg.eval_epsilon;
    const realtime = o.realtime ?? true;
    let stop = false;
    this.watchStop = () => { stop = true; };
    const S = this.agent.cfg.frame_stack;
    const stacker = new FrameStacker(1, S, env.frameHeight, env.frameWidth);
    const input = new Float32Array(env.frameHeight * env.frameWidth * S);
    const actions = new Int32Array(1);
    const rng = this.agent.evalRng;
    const stepMs = (1000 / 60) * env.frameSkip;
    this.watchPromise = (async () => {
      try {
        env.reset((this.agent.cfg.seed + 0x20000) >>> 0);
        stacker.resetAll(env.obs);
        let next = now();
        while (!stop) {
          if (rng.nextFloat() < eps) actions[0] = rng.nextInt(env.numActions);
          else {
            stacker.writeInput(input);
            actions[0] = (await this.agent.learner.greedyActions(input, 1))[0];
          }
          env.step(actions);
          stacker.observe(env.obs, env.terminated, env.truncated);
          env.publishFrame(this.frameWriter, -1, this.agent.globalStep);
          for (const e of env.finished) this.emit({ kind: 'state', runId: this.runId, state: 'watching', reason: `watch episode: raw return ${e.rawReturn}, ${e.length} steps` });
          if (realtime) {
            next += stepMs;
            const wait = next - now();
            if (wait > 0) await sleep(wait);
            else { next = now(); await yieldMacrotask(); }
          } else await yieldMacrotask();
        }
      } catch (e) {
        this.emit({ kind: 'error', runId: this.runId, message: `watch: ${(e as Error).message}`, fatal: false });
      } finally {
        env.close();
        this.watchPromise = null;
        this.watchStop = null;
        this.setState(prev);
      }
    })();
  }

  async stopWatch(): Promise<void> {
    this.watchStop?.();
    if (this.watchPromise) await this.watchPromise;
  }

  /** An env worker failed / was replaced (reported by the VecEnv). */
  envEvent(worker: number, reason: string): void {
    this.emit({ kind: 'env-restart', runId: this.runId, worker, reason });
  }

  // ---- diagnostics ----------------------------------------------------------------------

  /** FNV-1a over the online network's float32 bytes (tests compare weights across a switch). */
  async weightsDigest(): Promise<string> {
    return this.paused(this.state, async () => {
      const s = await this.agent.learner.getState();
      let h = 0x811c9dc5;
      for (const w of s.online) {
        const b = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
        for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
      }
      return (h >>> 0).toString(16).padStart(8, '0');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.stopWatch();
    await this.quiesce();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
    this.agent.dispose();
    await this.env.close();
    this.state = 'closed';
    this.deps.onClose?.();
  }
}

