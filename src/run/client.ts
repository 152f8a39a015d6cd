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
import {
  MAX_OPEN_RUNS,
  type AlgorithmSwitch, type AlgorithmSwitchResult, type CheckpointInfo, type FrameSource, type GameSource, type MetricsHistory, type MetricsSnapshot, type ProgressFn,
  type RunConfigInput, type RunController, type RunInfo, type RunListener, type RunMode, type RunService, type SpeedDemoResult, type BackendName,
} from './types';

interface Slot {
  worker: Worker;
  api: Comlink.Remote<LearnerWorkerApi>;
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

/** RunController forwarding to the remote controller of one worker. */
class RunHandle implements RunController {
  constructor(readonly runId: string, private readonly r: Comlink.Remote<RunControllerImpl>, private readonly slot: Slot) {}
  start() { return this.r.start(); }
  pause() { return this.r.pause(); }
  resume() { return this.r.resume(); }
  switchMode(m: RunMode) { return this.r.switchMode(m); }
  switchAlgorithm(next: AlgorithmSwitch): Promise<AlgorithmSwitchResult> { return this.r.switchAlgorithm(next) as Promise<AlgorithmSwitchResult>; }
  saveCheckpoint(o?: { withReplay?: boolean }): Promise<CheckpointInfo> { return this.r.saveCheckpoint(o); }
  pageHide() { return this.r.pageHide(); }
  watch(o?: { realtime?: boolean; epsilon?: number }) { return this.r.watch(o); }
  stopWatch() { return this.r.stopWatch(); }
  setViewEnv(i: number) { return this.r.setViewEnv(i); }
  frames(): Promise<FrameSource> { return this.r.frames() as Promise<FrameSource>; }
  snapshot(): Promise<MetricsSnapshot> { return this.r.snapshot() as Promise<MetricsSnapshot>; }
  history(): Promise<MetricsHistory> { return this.r.history() as Promise<MetricsHistory>; }
  subscribe(l: RunListener) { return this.r.subscribe(Comlink.proxy(l)); }
  unsubscribe(id: number) { return this.r.unsubscribe(id); }
  weightsDigest() { return this.r.weightsDigest(); }
  /** The run's worker itself makes the file (the controller's agent lives there). */
  exportModel(): Promise<{ blob: Blob; fileName: string }> { return this.slot.api.exportModel(); }
  simulateDeviceLoss() { return this.r.simulateDeviceLoss(); }
  async close(): Promise<void> {
    try {
      // A worker whose GPU is gone may never answer: terminating it frees everything anyway.
      await Promise.race([this.r.close(), new Promise((r) => setTimeout(r, CLOSE_WAIT_MS))]);
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

  constructor(o: { spawn?: WorkerSpawner; baseUrl?: string; backends?: BackendName[] } = {}) {
    this.spawn = o.spawn ?? defaultSpawner;
    this.baseUrl = o.baseUrl ?? defaultBaseUrl();
    this.backends = o.backends;
  }

  private async newSlot(): Promise<Slot> {
    const worker = this.spawn();
    const api = Comlink.wrap<LearnerWorkerApi>(worker);
    await api.init(this.baseUrl);
    return { worker, api };
  }

  private async lib(): Promise<Comlink.Remote<LearnerWorkerApi>> {
    this.library ??= await this.newSlot();
    return this.library.api;
  }

  private async open(make: (api: Comlink.Remote<LearnerWorkerApi>) => Promise<Comlink.Remote<RunControllerImpl>>, listener?: RunListener): Promise<string> {
    if (this.runs.size >= MAX_OPEN_RUNS) throw new Error(`at most ${MAX_OPEN_RUNS} runs can be open at once (each has its own learner worker and GPU memory): close one first`);
    const slot = await this.newSlot();
    try {
      const remote = await make(slot.api);
      const runId = await remote.runId;
      const h = new RunHandle(runId, remote, slot);
      if (listener) await h.subscribe(listener);
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
