/**
 * Page side of the run layer: RunClient implements RunService (types.ts). It starts one learner
 * worker per open run plus a "library" worker for store operations and the speed demo, and
 * hands out RunController objects that forward to the worker (listeners are wrapped in
 * comlink.proxy here, so the UI passes plain objects).
 *
 *   const lab = new RunClient();
 *   const id = await lab.createRun({ game: { kind: 'builtin', id: 'catch' }, mode: { kind: 'single' } }, {
 *     onMetrics: (m) => chart.push(m), onEvent: (e) => log(e) });
 *   const run = lab.run(id);
 *   await run.start();
 *   const { buffer } = await run.frames();   // draw with readFrame(buffer, lastSeq, draw[, slot])
 *   await run.switchMode({ kind: 'vectorized', workers: 2, envsPerWorker: 4 });
 *   lab.installPageHide();                   // saves every open run when the page goes away
 */
import * as Comlink from 'comlink';
import type { LearnerWorkerApi } from './learner-worker';
import type { RunControllerImpl } from './controller';
import { HEARTBEAT_MS, WATCHDOG_MS, stoppedMessage } from './failures';
import {
  MAX_OPEN_RUNS,
  type AlgorithmSwitch, type AlgorithmSwitchResult, type CheckpointInfo, type FrameSource, type GameSource, type MetricsHistory, type MetricsSnapshot, type ProgressFn,
  type FaultKind, type GpuFault, type RunConfigInput, type RunController, type RunInfo, type RunListener, type RunMode, type RunService, type SpeedDemoResult, type BackendName,
} from './types';

interface Slot {
  worker: Worker;
  api: Comlink.Remote<LearnerWorkerApi>;
  /** Rejects when the worker reports an uncaught error or an unreadable message (see watchSlot). */
  died: Promise<never>;
}

export type WorkerSpawner = () => Worker;

function defaultSpawner(): Worker {
  return new Worker(new URL('./learner-worker.ts', import.meta.url), { type: 'module', name: 'learner' });
}

function defaultBaseUrl(): string {
  return new URL(import.meta.env.BASE_URL, location.href).href;
}

/** How long closing a run waits for its worker to tidy up (clear its training mark) before terminating it. */
const CLOSE_WAIT_MS = 5000;

/**
 * The page's watchdog on one learner worker: a ping every HEARTBEAT_MS on its own channel,
 * answered from the worker's event loop (between loop slices, during a save's awaits). A ping
 * unanswered for `boundMs` calls `onSilent` once. A tick that finds a ping still outstanding does
 * not send another, so throttled page timers (a background tab) only ping less often.
 */
class Watchdog {
  private seq = 0;
  private sentAt: number | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private done = false;

  constructor(private readonly port: MessagePort, boundMs: number, onSilent: (ms: number) => void) {
    port.onmessage = () => { this.sentAt = null; };
    const tick = () => {
      if (this.done) return;
      const t = performance.now();
      if (this.sentAt !== null) {
        if (t - this.sentAt > boundMs) {
          this.stop();
          onSilent(t - this.sentAt);
        }
        return;
      }
      this.sentAt = t;
      port.postMessage(++this.seq);
    };
    this.timer = setInterval(tick, Math.min(HEARTBEAT_MS, boundMs / 4));
    tick();
  }

  stop(): void {
    this.done = true;
    clearInterval(this.timer);
    this.port.close();
  }
}

/** RunController forwarding to the remote controller of one worker. */
class RunHandle implements RunController {
  /** Page-side copies of the listeners (a crashed worker cannot call them; the handle does). */
  private readonly listeners = new Map<number, RunListener>();
  private crashed: Error | null = null;
  private closing = false;
  private readonly dead: Promise<never>;
  private markDead!: (e: Error) => void;
  private watchdog: Watchdog | null = null;
  /** Last agent step and newest checkpoint step the page heard of (the crash report's numbers). */
  private seenSteps: number | null = null;
  private seenSaved: number | null = null;

  constructor(readonly runId: string, private readonly r: Comlink.Remote<RunControllerImpl>, private readonly slot: Slot,
    private readonly latestSaved: () => Promise<number | null>) {
    this.dead = new Promise<never>((_, rej) => { this.markDead = rej; });
    this.dead.catch(() => undefined);
    slot.died.catch((e: Error) => this.crash(e.message));
  }

  /** Starts the watchdog (after the run is open: building it may legitimately take long). */
  async startWatchdog(boundMs: number): Promise<void> {
    if (boundMs <= 0) return;
    const ch = new MessageChannel();
    await this.g(this.slot.api.heartbeat(Comlink.transfer(ch.port2, [ch.port2])));
    this.watchdog = new Watchdog(ch.port1, boundMs, (ms) =>
      this.crash(`the learner worker stopped answering (no reply for ${Math.round(ms / 1000)} s: it hung, or it was killed, e.g. out of memory)`));
  }

  /** A call on the worker; rejects at once once the worker is known dead (its replies never come). */
  private g<T>(p: Promise<T>): Promise<T> {
    if (this.crashed) return Promise.reject(this.crashed);
    return Promise.race([p, this.dead]);
  }

  /**
   * The learner worker crashed or hung: it is terminated (a hung one would keep a core busy),
   * every call on it rejects from now on, and the listeners hear the run stop with state 'error'
   * and a fatal error in the words of a run that stopped for good (failures.ts), naming the
   * newest checkpoint in the store.
   */
  private crash(what: string): void {
    if (this.crashed || this.closing) return;
    const err = new Error(`run ${this.runId}: ${what}`);
    this.crashed = err;
    this.markDead(err);
    this.watchdog?.stop();
    this.slot.worker.terminate();
    void (async () => {
      const saved = await Promise.race([this.latestSaved().catch(() => null), new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
      const at = this.seenSteps !== null ? `; the page last saw step ${this.seenSteps.toLocaleString('en-US')}` : '';
      const msg = stoppedMessage(`${what}${at}`, null, saved ?? this.seenSaved, 'on the same backend');
      for (const l of this.listeners.values()) {
        try {
          l.onEvent?.({ kind: 'state', runId: this.runId, state: 'error', reason: msg });
          l.onEvent?.({ kind: 'error', runId: this.runId, message: msg, fatal: true });
        } catch {
          // a listener that throws is its own problem
        }
      }
    })();
  }

  start() { return this.g(this.r.start()); }
  pause() { return this.g(this.r.pause()); }
  resume() { return this.g(this.r.resume()); }
  switchMode(m: RunMode) { return this.g(this.r.switchMode(m)); }
  switchAlgorithm(next: AlgorithmSwitch): Promise<AlgorithmSwitchResult> { return this.g(this.r.switchAlgorithm(next) as Promise<AlgorithmSwitchResult>); }
  saveCheckpoint(o?: { withReplay?: boolean }): Promise<CheckpointInfo> { return this.g(this.r.saveCheckpoint(o)); }
  pageHide() { return this.g(this.r.pageHide()); }
  watch(o?: { realtime?: boolean; epsilon?: number }) { return this.g(this.r.watch(o)); }
  stopWatch() { return this.g(this.r.stopWatch()); }
  setViewEnv(i: number) { return this.g(this.r.setViewEnv(i)); }
  frames(): Promise<FrameSource> { return this.g(this.r.frames() as Promise<FrameSource>); }
  snapshot(): Promise<MetricsSnapshot> { return this.g(this.r.snapshot() as Promise<MetricsSnapshot>); }
  history(): Promise<MetricsHistory> { return this.g(this.r.history() as Promise<MetricsHistory>); }
  async subscribe(l: RunListener): Promise<number> {
    // Both callbacks always (the learner calls each through the proxy); the handle notes the
    // numbers a crash report needs on the way.
    const seen: RunListener = {
      onMetrics: (m) => { this.seenSteps = m.counters.agentSteps; l.onMetrics?.(m); },
      onEvent: (e) => {
        if (e.kind === 'saved') this.seenSaved = Math.max(this.seenSaved ?? 0, e.agentSteps);
        l.onEvent?.(e);
      },
    };
    const id = await this.g(this.r.subscribe(Comlink.proxy(seen)));
    this.listeners.set(id, l);
    return id;
  }
  unsubscribe(id: number) {
    this.listeners.delete(id);
    return this.g(this.r.unsubscribe(id));
  }
  weightsDigest() { return this.g(this.r.weightsDigest()); }
  /** The run's worker itself makes the file (the controller's agent lives there). */
  exportModel(): Promise<{ blob: Blob; fileName: string }> { return this.g(this.slot.api.exportModel()); }
  simulateDeviceLoss(how?: GpuFault) { return this.g(this.r.simulateDeviceLoss(how)); }
  /** Fault injection (tests only): see RunController.simulateFault. 'terminate' tells the watchdog nothing: it has to notice. */
  async simulateFault(kind: FaultKind): Promise<void> {
    if (kind === 'terminate') {
      this.slot.worker.terminate();
      return;
    }
    return this.g(this.r.simulateFault(kind));
  }
  async close(): Promise<void> {
    this.closing = true;
    this.watchdog?.stop();
    try {
      // A worker whose GPU is gone may never answer: terminating it frees everything anyway.
      if (!this.crashed) await Promise.race([this.r.close(), this.dead.catch(() => undefined), new Promise((r) => setTimeout(r, CLOSE_WAIT_MS))]);
    } finally {
      this.slot.worker.terminate();
    }
  }
}

export class RunClient implements RunService {
  private readonly runs = new Map<string, RunHandle>();
  private library: Slot | null = null;
  private readonly spawn: WorkerSpawner;
  private readonly baseUrl: string;
  readonly backends?: BackendName[];
  /** How long a learner may leave a heartbeat unanswered before its run counts as crashed (0: no watchdog). */
  readonly watchdogMs: number;

  constructor(o: { spawn?: WorkerSpawner; baseUrl?: string; backends?: BackendName[]; watchdogMs?: number } = {}) {
    this.watchdogMs = o.watchdogMs ?? WATCHDOG_MS;
    this.spawn = o.spawn ?? defaultSpawner;
    this.baseUrl = o.baseUrl ?? defaultBaseUrl();
    this.backends = o.backends;
  }

  private async newSlot(): Promise<Slot> {
    const worker = this.spawn();
    const api = Comlink.wrap<LearnerWorkerApi>(worker);
    // An uncaught error in the learner (an exception outside any call, a failed import) or a
    // message that cannot be read: its state is unknown from then on, the run is treated as crashed.
    const died = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (e: ErrorEvent) => {
        e.preventDefault();
        reject(new Error(`the learner worker crashed (uncaught error: ${e.message || 'no message'})`));
      });
      worker.addEventListener('messageerror', () => reject(new Error('the learner worker crashed (it sent a message the page could not read)')));
    });
    died.catch(() => undefined);
    await Promise.race([api.init(this.baseUrl), died]);
    return { worker, api, died };
  }

  private async lib(): Promise<Comlink.Remote<LearnerWorkerApi>> {
    this.library ??= await this.newSlot();
    return this.library.api;
  }

  private async open(make: (api: Comlink.Remote<LearnerWorkerApi>) => Promise<Comlink.Remote<RunControllerImpl>>, listener?: RunListener): Promise<string> {
    if (this.runs.size >= MAX_OPEN_RUNS) throw new Error(`at most ${MAX_OPEN_RUNS} runs can be open at once (each has its own learner worker and GPU memory): close one first`);
    const slot = await this.newSlot();
    try {
      // A worker that dies while the run is built never answers: its death ends the wait.
      const remote = await Promise.race([make(slot.api), slot.died]);
      const runId = await Promise.race([remote.runId, slot.died]);
      const h = new RunHandle(runId, remote, slot, async () => {
        const cps = await this.listCheckpoints(runId);
        return cps.length ? Math.max(...cps.map((c) => c.counters.agentSteps)) : null;
      });
      if (listener) await h.subscribe(listener);
      await h.startWatchdog(this.watchdogMs);
      this.runs.set(runId, h);
      return runId;
    } catch (e) {
      slot.worker.terminate();
      throw e;
    }
  }

  createRun(config: RunConfigInput, listener?: RunListener): Promise<string> {
    const c = { backends: this.backends, ...config };
    return this.open((api) => api.createRun(c) as unknown as Promise<Comlink.Remote<RunControllerImpl>>, listener);
  }

  resumeFromCheckpoint(checkpointId: string, listener?: RunListener, opts: { mode?: RunMode; rom?: Uint8Array } = {}): Promise<string> {
    return this.open((api) => api.openCheckpoint(checkpointId, { ...opts, backends: this.backends }) as unknown as Promise<Comlink.Remote<RunControllerImpl>>, listener);
  }

  run(runId: string): RunController {
    const h = this.runs.get(runId);
    if (!h) throw new Error(`run ${runId} is not open in this tab`);
    return h;
  }

  openRunIds(): string[] {
    return [...this.runs.keys()];
  }

  async closeRun(runId: string): Promise<void> {
    const h = this.runs.get(runId);
    if (!h) return;
    this.runs.delete(runId);
    await h.close();
  }

  async listRuns(): Promise<RunInfo[]> {
    const list = await (await this.lib()).listRuns();
    return list.map((r) => ({ ...r, open: this.runs.has(r.runId) }));
  }

  async listCheckpoints(runId?: string): Promise<CheckpointInfo[]> {
    return (await this.lib()).listCheckpoints(runId);
  }

  async exportCheckpoint(id: string, opts: { withReplay?: boolean; onProgress?: ProgressFn } = {}): Promise<{ blob: Blob; fileName: string }> {
    const p = opts.onProgress ? Comlink.proxy(opts.onProgress) : undefined;
    return (await this.lib()).exportCheckpoint(id, opts.withReplay ?? true, p);
  }

  async importCheckpoint(file: Blob, opts: { onProgress?: ProgressFn } = {}): Promise<CheckpointInfo> {
    const p = opts.onProgress ? Comlink.proxy((d: number, t: number | null) => opts.onProgress!(d, t ?? file.size)) : undefined;
    return (await this.lib()).importCheckpoint(file, p);
  }

  async exportModel(checkpointId: string): Promise<{ blob: Blob; fileName: string }> {
    return (await this.lib()).exportCheckpointModel(checkpointId);
  }

  async exportRunModel(runId: string): Promise<{ blob: Blob; fileName: string }> {
    const h = this.runs.get(runId);
    if (!h) throw new Error(`run ${runId} is not open in this tab`);
    return h.exportModel();
  }

  createRunFromModel(config: RunConfigInput, model: Uint8Array, listener?: RunListener): Promise<string> {
    const c = { backends: this.backends, ...config };
    return this.open((api) => api.createRunFromModel(c, model) as unknown as Promise<Comlink.Remote<RunControllerImpl>>, listener);
  }

  async deleteCheckpoint(id: string): Promise<void> {
    await (await this.lib()).deleteCheckpoint(id);
  }

  async deleteRun(runId: string): Promise<void> {
    if (this.runs.has(runId)) throw new Error('close the run before deleting it');
    await (await this.lib()).deleteRun(runId);
  }

  async dismissResume(runId: string): Promise<void> {
    await (await this.lib()).dismissResume(runId);
  }

  async speedDemo(game: GameSource, seconds: number, opts: { workers?: number; envsPerWorker?: number } = {}): Promise<SpeedDemoResult> {
    return (await this.lib()).speedDemo(game, seconds, opts);
  }

  /** Which backend a learner worker gets here (runs the backend check in the library worker). */
  async probeBackend(): Promise<import('./types').BackendInfo> {
    return (await this.lib()).backend(this.backends);
  }

  /** Save every open run when the page is hidden or unloaded. Returns the remover. */
  installPageHide(): () => void {
    const fire = () => { for (const h of this.runs.values()) void h.pageHide().catch(() => undefined); };
    const onVis = () => { if (document.visibilityState === 'hidden') fire(); };
    addEventListener('pagehide', fire);
    document.addEventListener('visibilitychange', onVis);
    return () => {
      removeEventListener('pagehide', fire);
      document.removeEventListener('visibilitychange', onVis);
    };
  }

  async dispose(): Promise<void> {
    for (const id of [...this.runs.keys()]) await this.closeRun(id).catch(() => undefined);
    this.library?.worker.terminate();
    this.library = null;
  }
}
