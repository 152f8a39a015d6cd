/**
 * One training run: the loop that drives a DQNAgent on a RunEnv, pause/resume, checkpoints
 * (autosave, manual, page-hide, after each evaluation), events, and the hand-off to the parts
 * that have their own files: metrics.ts (rates, loss/Q, history), evaluation.ts (eval_every),
 * mode-switch.ts (single <-> vectorized), watch.ts (watch mode).
 *
 * Platform-neutral: the learner worker (browser) and the vitest suite (Node, tfjs cpu) both use
 * it. Everything platform-specific comes in through RunDeps (how to build envs, tf.memory(),
 * which backend). The tfjs backend must be selected before a controller is built.
 *
 * Concurrency rule: agent.step() and anything that reads/writes the agent's state (save,
 * mode switch, watch) never overlap. The loop runs in slices of ~SLICE_MS and yields a macrotask
 * between slices so control calls (comlink messages) get in; every state-touching operation
 * first stops the loop and awaits its last step (quiesce()). An evaluation runs inside the loop
 * (it yields too, and a quiesce abandons it; it is redone when the loop starts again).
 */
import { makeAgent, type AnyAgent } from '../agent/family';
import type { CheckpointStore } from '../checkpoint/store';
import { CheckpointManager } from '../checkpoint/manager';
import { captureAgent, restoreAgent, type CaptureOptions, type EnvStateIO } from '../checkpoint/restore';
import type { Manifest } from '../checkpoint/types';
import { resolveRunConfig, validateRunConfig, withMode, RunConfigError, type RunConfig } from './config';
import { transferWeights } from './algorithm-switch';
import type { RunEnv, SingleEnv } from './envs';
import { evaluatePolicy, nextEvalStep } from './evaluation';
import { FrameWriter } from './frames';
import { RunHistory } from './history';
import { RunMetrics } from './metrics';
import { switchRunMode } from './mode-switch';
import { RunPersistence } from './autosave';
import { SLICE_MS, now, yieldMacrotask } from './timing';
import { OUT_OF_MEMORY_ADVICE, isOutOfMemory, stoppedMessage } from './failures';
import {
  METRICS_INTERVAL_MS,
  type AlgorithmSwitch, type AlgorithmSwitchResult, type BackendInfo, type CheckpointInfo, type FrameSource, type MetricsHistory, type MetricsSnapshot,
  type FaultKind, type GpuFault, type RunController, type RunCounters, type RunEvent, type RunListener, type RunMode, type RunState,
} from './types';
import { WatchSession } from './watch';

/** How long a failed step waits for a device-loss report that explains it (see loop()). */
const LOSS_GRACE_MS = 200;
/** How long a save stalls before its manifest under the 'slow-save' fault (tests only). */
const SLOW_SAVE_MS = 15_000;

export interface RunDeps {
  store: CheckpointStore;
  backend: BackendInfo;
  /** Builds the envs of a mode (single = one env in this thread). Seeds: env i gets seed + i. */
  makeEnv(mode: RunMode, seed: number): Promise<RunEnv>;
  /** A separate single env for watch mode and evaluation (absent: neither is available). */
  makeWatchEnv?(): Promise<SingleEnv>;
  memory(): { numBytes: number; numTensors: number; numBytesInGPU?: number };
  /** Replay capacity override (tests; default from device memory, see replayCapacity()). */
  capacity?: number;
  /** Metrics timer period (default METRICS_INTERVAL_MS; 0 = no timer, snapshots on demand). */
  metricsIntervalMs?: number;
  /** Called when the controller is closed. */
  onClose?: () => void;
  /** Fault injection (tests): make the backend's GPU device go away as a driver reset would. */
  simulateDeviceLoss?: (how?: GpuFault) => void;
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

export class RunControllerImpl implements RunController {
  readonly runId: string;
  state: RunState = 'ready';
  agent: AnyAgent;
  env: RunEnv;
  /** The run's whole config (its mode is the current one); stored in every checkpoint. */
  config: RunConfig;
  readonly frameWriter = new FrameWriter();
  readonly metrics: RunMetrics;

  private readonly deps: RunDeps;
  private readonly manager: CheckpointManager;
  private readonly persistence: RunPersistence;
  private readonly listeners = new Map<number, RunListener>();
  private listenerSeq = 0;
  private loopPromise: Promise<void> | null = null;
  private wantRun = false;
  private framesBase = 0;
  private stepsAtFramesBase = 0;
  private elapsedSec = 0;
  private runningSince: number | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private viewEnv = 0;
  private lastFramePublish = 0;
  /** The separate single env of watch mode and evaluation (built on first use, kept until close). */
  private sideEnvP: Promise<SingleEnv> | null = null;
  private watchSession: WatchSession | null = null;
  private watchPromise: Promise<void> | null = null;
  private closed = false;

  private constructor(deps: RunDeps, runId: string, config: RunConfig, agent: AnyAgent, env: RunEnv, history: RunHistory, lastSavedStep: number | null) {
    this.deps = deps;
    this.runId = runId;
    this.config = config;
    this.agent = agent;
    this.env = env;
    this.metrics = new RunMetrics(history);
    this.persistence = new RunPersistence(deps.store, runId, (e) => this.emit(e));
    this.manager = new CheckpointManager(deps.store, runId, {
      capture: ({ evalReturn }) => captureAgent(this.agent, { ...this.captureOptions(), evalReturn }),
      onSaved: (m, ms) => this.emit({ kind: 'saved', runId, checkpointId: m.id, reason: m.reason, ms, bytes: m.totalBytes, agentSteps: m.counters.agentSteps }),
      onProgress: (reason, done, total) => this.emitSaveProgress(reason, done, total),
      onError: (e) => this.emit({ kind: 'error', runId, message: String((e as Error)?.message ?? e), fatal: false }),
      trainingSeconds: () => this.elapsed(),
    }, config.autosave, lastSavedStep ?? 0, lastSavedStep !== null);
    const period = deps.metricsIntervalMs ?? METRICS_INTERVAL_MS;
    if (period > 0) this.timer = setInterval(() => { void this.pushMetrics(); }, period);
  }

  private lastProgressAt = 0;
  /** At most ~10 progress events a second cross to the page (a save has ~90 parts per 100k transitions), plus the first and last. */
  private emitSaveProgress(reason: string, done: number, total: number): void {
    const now = Date.now();
    if (done !== 0 && done !== total && now - this.lastProgressAt < 100) return;
    this.lastProgressAt = now;
    this.emit({ kind: 'save-progress', runId: this.runId, reason, done, total });
  }

  /** A new run of a resolved config (resolveRunConfig): builds envs + agent, registers the run in the store. */
  static async create(c: RunConfig, deps: RunDeps): Promise<RunControllerImpl> {
    const problems = validateRunConfig(c);
    if (problems.length) throw new RunConfigError(problems);
    const env = await deps.makeEnv(c.mode, c.agent.seed);
    let agent: AnyAgent;
    try {
      agent = makeAgent(c.algorithm, c.agent, env, deps.capacity !== undefined ? { capacity: deps.capacity } : {});
    } catch (e) {
      await env.close();
      throw e;
    }
    const rec = await deps.store.createRun(c, c.name);
    await agent.start();
    return new RunControllerImpl(deps, rec.runId, c, agent, env, new RunHistory(), null);
  }

  /**
   * Reopens a checkpoint with the config stored in it (autosave, retention, evaluation schedule
   * and all), in its own mode unless `mode` is given: everything continues.
   */
  static async fromCheckpoint(id: string, deps: RunDeps, o: { mode?: RunMode } = {}): Promise<RunControllerImpl> {
    const m = await deps.store.getManifest(id);
    const config = o.mode ? withMode(m.meta.run, o.mode) : m.meta.run;
    const sm = (await deps.store.readMetrics(m)) as Partial<StoredMetrics> | null;
    const env = await deps.makeEnv(config.mode, config.agent.seed);
    let agent: AnyAgent | null = null;
    try {
      // Same capacity as the saved buffer (rows over all envs), so replay restores in full.
      const capacity = m.meta.replayGeometry.numEnvs * m.meta.replayGeometry.segmentCapacity;
      agent = makeAgent(config.algorithm, config.agent, env, { capacity });
      const r = await restoreAgent(deps.store, id, agent, {});
      const c = new RunControllerImpl(deps, m.runId, config, agent, env, RunHistory.fromJSON(sm?.history), m.counters.agentSteps);
      c.elapsedSec = sm?.elapsedSec ?? 0;
      c.framesBase = r.frames;
      c.stepsAtFramesBase = agent.globalStep;
      c.metrics.startFrom(c.counters);
      return c;
    } catch (e) {
      agent?.dispose();
      await env.close();
      throw e;
    }
  }

  get mode(): RunMode { return this.config.mode; }

  /** Downsampled curves (stored in checkpoints). */
  get hist(): RunHistory { return this.metrics.hist; }

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

  /** Agent step at which the next evaluation is due (null: eval_every 0, or no env for it). */
  get nextEvalAt(): number | null {
    if (!this.deps.makeWatchEnv) return null;
    return nextEvalStep(this.metrics.lastEvalStep, this.config.eval_every);
  }

  private elapsed(): number {
    return this.elapsedSec + (this.runningSince !== null ? (now() - this.runningSince) / 1000 : 0);
  }

  private setState(s: RunState, reason?: string): void {
    if (this.state === s) return;
    // An error stops the run for good (it resumes from a checkpoint, in a new controller): a step,
    // save or evaluation still unwinding must not set it back to running.
    if (this.state === 'error' && s !== 'closed') return;
    this.state = s;
    this.emit({ kind: 'state', runId: this.runId, state: s, reason });
  }

  /** Calls `call` for every listener; a listener whose proxy is gone is dropped. */
  private notify(call: (l: RunListener) => unknown): void {
    for (const [id, l] of this.listeners) {
      try {
        const p = call(l);
        if (p && typeof (p as Promise<void>).catch === 'function') (p as Promise<void>).catch(() => this.listeners.delete(id));
      } catch {
        this.listeners.delete(id);
      }
    }
  }

  private emit(e: RunEvent): void {
    this.notify((l) => l.onEvent?.(e));
  }

  // ---- metrics --------------------------------------------------------------------------

  /** Current metrics (see RunMetrics.snapshot); `drain` hands over the pending episodes. */
  snapshot(drain = false): Promise<MetricsSnapshot> {
    return this.metrics.snapshot({
      runId: this.runId, state: this.state, agent: this.agent, env: this.env, counters: this.counters, mode: this.mode,
      elapsedSec: this.elapsed(), backend: this.deps.backend, memory: this.deps.memory(), nextEvalAt: this.nextEvalAt,
    }, drain);
  }

  /**
   * Every metrics period: the snapshot for the listeners, and the divergence check, which runs
   * with no listener too (a page that went away must not leave its run training on NaN). Without
   * listeners nothing is drained: the episodes wait for the next subscriber.
   */
  private async pushMetrics(): Promise<void> {
    if (this.closed) return;
    const listening = this.listeners.size > 0;
    if (!listening && this.state !== 'running') return;
    const s = await this.snapshot(listening);
    if (s.loss !== null && !Number.isFinite(s.loss) && this.state === 'running') void this.diverged(s.loss);
    if (listening) this.notify((l) => l.onMetrics?.(s));
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
    void this.persistence.setTraining(true);
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
    await this.persistence.setTraining(false);
    if (this.state === 'running') this.setState('paused');
  }

  /** Stops the loop and waits until no agent step (or evaluation step) is in flight. */
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
          // Due before stepping on: an evaluation abandoned by a pause is redone at once.
          const due = this.nextEvalAt;
          if (due !== null && a.globalStep >= due) {
            await this.evaluate();
            if (!this.wantRun) break;
          }
          await a.step();
          // A PQN gradient step does not step the envs (their finished list is the last step's).
          if (a.lastStepActed) this.afterStep();
          // PQN: the last rollout is trained on before the run is done (CleanRL's last iteration).
          if (a.globalStep >= a.cfg.total_timesteps && !a.updatePending) {
            this.wantRun = false;
            this.setState('done', `total_timesteps ${a.cfg.total_timesteps} reached`);
            void this.persistence.setTraining(false);
            break;
          }
          await this.maybeAutosave();
        } while (this.wantRun && now() - t0 < SLICE_MS);
        await yieldMacrotask();
      }
    } catch (e) {
      this.wantRun = false;
      // A lost GPU device first fails the step in flight with a cryptic message ("Buffer was
      // unmapped before mapping was resolved"); device.lost settles just after. Give it a moment
      // so the run reports the cause (deviceLost), not the symptom.
      await new Promise((r) => setTimeout(r, LOSS_GRACE_MS));
      if (this.state === 'error') return; // already stopped and reported (deviceLost)
      const msg = e instanceof Error ? e.message : String(e);
      if (isOutOfMemory(msg)) this.stop(`the browser ran out of memory in a training step (${msg})`, undefined, OUT_OF_MEMORY_ADVICE);
      else this.stop(`a training step failed (${msg})`);
    }
  }

  private async maybeAutosave(): Promise<void> {
    if (this.state === 'error') return; // the state in memory may be garbage (deviceLost)
    const step = this.agent.globalStep;
    if (!this.manager.due(step, this.elapsed())) return;
    this.setState('saving');
    try {
      await this.manager.maybeAutosave(step, this.elapsed());
    } catch (e) {
      this.emit({ kind: 'error', runId: this.runId, message: `autosave failed: ${(e as Error).message}`, fatal: false });
    }
    this.setState('running');
  }

  private afterStep(): void {
    this.metrics.episodesFinished(this.env.finished, this.agent.globalStep);
    if (this.viewEnv >= 0) {
      const t = now();
      // At most 60 times a second: the view slot, and in vectorized mode every env's own slot.
      if (t - this.lastFramePublish >= 1000 / 60) {
        this.lastFramePublish = t;
        this.env.publishFrame(this.frameWriter, this.viewEnv, this.agent.globalStep);
      }
    }
  }

  private sideEnv(): Promise<SingleEnv> {
    const make = this.deps.makeWatchEnv;
    if (!make) return Promise.reject(new Error('no separate env here (RunDeps.makeWatchEnv)'));
    this.sideEnvP ??= make().catch((e) => { this.sideEnvP = null; throw e; });
    return this.sideEnvP;
  }

  /**
   * One evaluation (called by the loop when eval_every is due): agent.eval_episodes episodes at
   * agent.eval_epsilon on the separate env, then a checkpoint ('eval') whose evalReturn is the
   * mean raw return, which the "keep best" retention rule ranks. Abandoned (no result, no save)
   * when the loop is stopped meanwhile. A failing evaluation is reported and skipped.
   */
  private async evaluate(): Promise<void> {
    const a = this.agent;
    const step = a.globalStep;
    this.setState('evaluating', `evaluation at agent step ${step}`);
    try {
      const r = await evaluatePolicy(a, await this.sideEnv(), {
        episodes: a.cfg.eval_episodes, epsilon: a.cfg.eval_epsilon, shouldStop: () => !this.wantRun,
      });
      if (!r) return;
      const entry = { agentStep: step, ...r, time: Date.now() };
      this.metrics.evaluated(entry);
      this.setState('saving');
      let checkpointId: string | null = null;
      try {
        checkpointId = (await this.manager.save('eval', true, r.meanReturn)).id;
      } catch (e) {
        this.emit({ kind: 'error', runId: this.runId, message: `saving the evaluated checkpoint failed: ${(e as Error).message}`, fatal: false });
      }
      this.emit({ kind: 'eval', runId: this.runId, result: entry, checkpointId });
    } catch (e) {
      // Skip this one (the schedule moves on) rather than stop training.
      this.metrics.lastEvalStep = step;
      this.emit({ kind: 'error', runId: this.runId, message: `evaluation failed: ${(e as Error).message}`, fatal: false });
    } finally {
      this.setState('running');
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

  /** Save -> new envs + agent in `next` mode -> restore (mode-switch.ts); counters, replay, curves, weights continue. */
  async switchMode(next: RunMode): Promise<void> {
    await this.paused('switching', async () => {
      const before = this.counters;
      const r = await switchRunMode({
        store: this.deps.store, runId: this.runId, agent: this.agent, env: this.env, config: this.config,
        capture: this.captureOptions(), makeEnv: (m, seed) => this.deps.makeEnv(m, seed),
      }, next);
      this.agent = r.agent;
      this.env = r.env;
      this.config = r.config;
      this.framesBase = before.frames;
      this.stepsAtFramesBase = r.agent.globalStep;
      this.viewEnv = Math.min(this.viewEnv, this.env.numEnvs - 1);
      // The old envs' frames must not show as the new envs' (same index, different env).
      this.frameWriter.clearEnvSlots();
      this.emit({ kind: 'saved', runId: this.runId, checkpointId: r.saved.id, reason: 'mode-switch', ms: 0, bytes: r.saved.totalBytes, agentSteps: r.saved.counters.agentSteps });
      this.emit({ kind: 'mode-switched', runId: this.runId, mode: this.mode, lostTransitions: r.lostTransitions });
    });
  }

  /**
   * DQN -> PQN (RunController.switchAlgorithm): a full save of the DQN state first (the run can be
   * resumed as DQN from it), then envs in the new mode and a PQN agent whose conv/dense
   * parameters come from the DQN online net where name and shape match (algorithm-switch.ts);
   * counters, RNG streams, frames, elapsed time and curves continue; a checkpoint of the new state
   * is saved and an 'algorithm-switched' event says what was kept.
   */
  async switchAlgorithm(next: AlgorithmSwitch): Promise<AlgorithmSwitchResult> {
    return this.paused('switching', async () => {
      const c = this.config;
      if (next.algorithm === c.algorithm) throw new Error(`the run is already ${c.algorithm.toUpperCase()}`);
      if (next.algorithm !== 'pqn') throw new Error(`switching ${c.algorithm.toUpperCase()} to ${String(next.algorithm).toUpperCase()} is not supported (DQN -> PQN only: a DQN would start with an empty replay)`);
      const config = resolveRunConfig({
        ...(c.name !== undefined ? { name: c.name } : {}), seed: c.seed, mode: next.mode ?? c.mode, algorithm: next.algorithm,
        agent: next.agent, env: c.env, autosave: c.autosave, retention: c.retention, eval_every: c.eval_every, backends: c.backends,
      }, { md5: c.gameMd5, ...(c.gameName !== undefined ? { name: c.gameName } : {}) });
      await this.manager.save('mode-switch', true);
      const before = this.counters;
      const old = this.agent;
      const oldLearner = await old.learner.getState();
      const rng = old.rng.getState();
      const evalRng = old.evalRng.getState();
      old.dispose();
      await this.env.close();
      const env = await this.deps.makeEnv(config.mode, config.seed);
      const agent = makeAgent(config.algorithm, config.agent, env);
      let kept: string[];
      let fresh: string[];
      try {
        const fresh0 = await agent.learner.getState();
        const t = transferWeights(oldLearner, fresh0);
        kept = t.kept;
        fresh = t.fresh;
        // Counters and RNG continue; the optimizer starts fresh (Adam's moments were DQN's).
        const learner = { ...fresh0, online: t.online, gradientSteps: oldLearner.gradientSteps, adam: null };
        const common = { version: 1 as const, globalStep: before.agentSteps, vectorSteps: before.vectorSteps, episodes: before.episodes, rng, evalRng, learner };
        if (agent.algorithm !== 'pqn') throw new Error('unreachable: DQN -> PQN only');
        await agent.setState({ ...common, algorithm: 'pqn', config: agent.cfg, rollout: null });
        await agent.start(); // new episodes, env seed drawn from the continued RNG
      } catch (e) {
        agent.dispose();
        await env.close();
        throw e;
      }
      this.agent = agent;
      this.env = env;
      this.config = config;
      this.framesBase = before.frames;
      this.stepsAtFramesBase = agent.globalStep;
      this.viewEnv = Math.min(this.viewEnv, env.numEnvs - 1);
      this.frameWriter.clearEnvSlots();
      const saved = await this.manager.save('mode-switch', true);
      this.emit({ kind: 'saved', runId: this.runId, checkpointId: saved.id, reason: 'mode-switch', ms: 0, bytes: saved.totalBytes, agentSteps: saved.counters.agentSteps });
      this.emit({ kind: 'algorithm-switched', runId: this.runId, algorithm: config.algorithm, mode: config.mode, kept, fresh });
      return { algorithm: config.algorithm, mode: config.mode, kept, fresh };
    });
  }

  // ---- watch mode (watch.ts) --------------------------------------------------------------

  async watch(o: { realtime?: boolean; epsilon?: number } = {}): Promise<void> {
    this.checkOpen();
    if (this.watchPromise) return;
    if (!this.deps.makeWatchEnv) throw new Error('watch mode is not available here (no env factory for it)');
    await this.quiesce();
    if (this.state === 'running' || this.state === 'evaluating') this.setState('paused');
    const env = await this.sideEnv();
    const prev = this.state;
    this.setState('watching');
    const session = new WatchSession(this.agent, env, {
      epsilon: o.epsilon ?? this.agent.cfg.eval_epsilon,
      realtime: o.realtime ?? true,
      frames: this.frameWriter,
      onEpisode: (e) => this.emit({ kind: 'state', runId: this.runId, state: 'watching', reason: `watch episode: raw return ${e.rawReturn}, ${e.length} steps` }),
    });
    this.watchSession = session;
    this.watchPromise = session.done
      .catch((e) => this.emit({ kind: 'error', runId: this.runId, message: `watch: ${(e as Error).message}`, fatal: false }))
      .finally(() => {
        this.watchPromise = null;
        this.watchSession = null;
        this.setState(prev);
      });
  }

  async stopWatch(): Promise<void> {
    this.watchSession?.stop();
    if (this.watchPromise) await this.watchPromise;
  }

  /**
   * The backend's GPU went away (src/tfjs/backend.ts watchBackendLoss): stop at once, without
   * waiting for the step in flight (it may never settle) and without saving (the weights on the
   * device are gone or garbage), so the last checkpoint stays the run's last consistent state.
   */
  deviceLost(what: string): void {
    if (this.closed || this.state === 'error') return;
    this.wantRun = false;
    // The page reopens the run by itself when there is a save to reopen from (RunEvent recover).
    this.stop(what, 'on the GPU again if it is back, else on the next backend', '', this.manager.lastSaved !== null);
  }

  /**
   * The run stops for good with a fatal error whose text says what happened, what was kept and
   * what to do (the run card shows it with its "Resume from last save" button). One wording for
   * every failure; the page side (client.ts) words a crashed or hung learner worker the same way.
   */
  private stop(what: string, where = 'on the same backend', advice = '', auto = false): void {
    const msg = stoppedMessage(what, this.agent.globalStep, this.manager.lastSaved, where, advice, auto);
    this.setState('error', msg);
    this.emit({ kind: 'error', runId: this.runId, message: msg, fatal: true, ...(auto ? { recover: 'auto' as const } : {}) });
  }

  /** The loss turned NaN/Infinity: pause rather than train on (saves of such weights are refused by the manager). */
  private async diverged(loss: number): Promise<void> {
    await this.pause();
    const saved = this.manager.lastSaved;
    this.emit({ kind: 'error', runId: this.runId, fatal: false,
      message: `Training paused: the loss became ${loss} at step ${this.agent.globalStep.toLocaleString('en-US')} (training diverged). ` +
        (saved !== null ? `The last checkpoint (step ${saved.toLocaleString('en-US')}) was saved before; resume from it with a lower learning_rate or max_grad_norm set.` : 'There is no checkpoint to go back to; start again with a lower learning_rate.') });
  }

  /** Fault injection (tests): the GPU device goes away as a driver reset would (RunDeps.simulateDeviceLoss). */
  async simulateDeviceLoss(how?: GpuFault): Promise<void> {
    if (!this.deps.simulateDeviceLoss) throw new Error('this run has no device loss to simulate');
    this.deps.simulateDeviceLoss(how);
  }

  /**
   * Fault injection (tests only; e2e/faults.spec.ts): 'step-throws' makes the next agent step
   * throw; 'hang' makes this worker busy-loop for good (it stops answering, as a hung learner
   * would). Nothing in the normal path calls or checks this. 'terminate' is page side (client.ts).
   */
  async simulateFault(kind: FaultKind): Promise<void> {
    if (kind === 'step-throws') {
      const a = this.agent;
      const step = a.step;
      a.step = async () => {
        a.step = step;
        throw new Error('simulated step failure (fault injection)');
      };
    } else if (kind === 'device-lost') {
      // A learner really on a GPU loses it for real; on wasm/cpu the watcher's report is simulated.
      if ((this.deps.backend.name === 'webgpu' || this.deps.backend.name === 'webgl') && this.deps.simulateDeviceLoss) this.deps.simulateDeviceLoss();
      else setTimeout(() => this.deviceLost(`the GPU device was lost (simulated on the ${this.deps.backend.name} backend: fault injection)`), 50);
    } else if (kind === 'slow-save') {
      this.deps.store.setFaultsForTest({ beforeManifest: () => new Promise((r) => setTimeout(r, SLOW_SAVE_MS)) });
    } else if (kind === 'hang') {
      // After this call has answered: the worker's event loop never runs again.
      setTimeout(() => { for (;;) { /* hung */ } }, 50);
    } else {
      throw new Error(`fault "${String(kind)}" cannot be simulated in the learner (terminate is done by the page)`);
    }
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
    // After an error the step in flight may never settle (a lost GPU device): do not wait for it.
    if (this.state === 'error') this.wantRun = false;
    else await this.quiesce();
    this.closed = true;
    await this.persistence.setTraining(false);
    this.persistence.dispose();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
    try {
      this.agent.dispose();
    } catch {
      // tensors of a lost device may refuse to be freed; the worker is terminated next anyway
    }
    await this.env.close();
    const side = await this.sideEnvP?.catch(() => null);
    side?.close();
    this.deps.onClose?.();
    this.state = 'closed';
  }
}
