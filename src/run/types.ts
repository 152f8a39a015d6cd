/**
 * The training-run API the UI codes against (src/run). Pure types + a few constants: importing
 * this file pulls in no tfjs, no workers.
 *
 * Shape
 * -----
 *   page ── RunClient (src/run/client.ts) ──┬── learner worker #1 ── RunController (run A)
 *                                           ├── learner worker #2 ── RunController (run B)
 *                                           └── library worker (store ops, speed demo, when no run is open)
 *
 * ONE LEARNER WORKER PER RUN (runs side by side). Why, rather than several controllers in one
 * worker:
 *  - a run's loop (batched inference, replay sampling, gradient steps, single-mode emulation) is
 *    JS-thread work; in one worker two runs would time-share one thread and a slow run (Nature
 *    net on a weak GPU) would stall the other's env stepping and metrics; separate workers use
 *    separate cores and the GPU process interleaves their command buffers anyway;
 *  - isolation: a tfjs OOM / device loss / bug in one run rejects that run only, and closing a
 *    run (terminate the worker) frees all of its GPU memory and WASM heap for sure;
 *  - tf.memory() per worker = per run, so the GPU-memory numbers shown on a run card are that
 *    run's own.
 *  Cost: each worker loads tfjs and compiles its shaders (a few seconds once per run) and the
 *  GPU memory of the runs adds up (each has its own tfjs engine). The RunClient caps open runs
 *  (MAX_OPEN_RUNS) for that reason.
 *
 * Single mode (N = 1) runs the one AtariEnv INSIDE the learner worker (no env worker, no
 * SharedArrayBuffer hop, synchronous step): that is the "one env, one thread" baseline the speed
 * demo compares against. Vectorized mode = src/env VecEnv with W workers x K envs.
 *
 * Everything crossing the worker boundary is structured-clonable; callbacks go through
 * comlink.proxy (RunClient does that for you).
 */
import type { BackendInfo, BackendName, GpuFault } from '../tfjs/backend-names';
import type { BuiltinGameId } from './builtin-games';
import type { Algorithm, AutosavePolicy, RetentionPolicy, RunSettingsInput } from './config';

/** What switchAlgorithm takes. */
export interface AlgorithmSwitch {
  algorithm: Algorithm;
  agent?: RunSettingsInput['agent'];
  mode?: RunMode;
}

export interface AlgorithmSwitchResult {
  algorithm: Algorithm;
  mode: RunMode;
  kept: string[];
  fresh: string[];
}

/**
 * Open runs per tab: 8, as the seed trained 8-10 games at once. Each is a learner worker with its
 * own tfjs engine (a few hundred MB of WASM heap or GPU memory with a 50k replay), so 8 fit a
 * machine with 8 GB to spare; on fewer cores they share the CPU (the page stays responsive: each
 * learner yields between ~30 ms slices).
 */
export const MAX_OPEN_RUNS = 8;

/** Built-in games shipped in public/roms (our own ROMs), from roms/builtin.json. */
export { BUILTIN_GAMES, DEFAULT_GAME, builtinGame, type BuiltinGame, type BuiltinGameId } from './builtin-games';

/** Which game: a built-in id, or ROM bytes the user picked (md5 = lower-case hex of the bytes). */
export type GameSource =
  | { kind: 'builtin'; id: BuiltinGameId }
  | { kind: 'rom'; bytes: Uint8Array; md5: string; name?: string };

/** How a run's envs are laid out; the one mode type of the run AND checkpoint layers. */
export type RunMode =
  /** Envs in the learner's own thread: `envs` of them (default 1; src/run/config.ts). */
  | { kind: 'single'; envs?: number }
  | { kind: 'vectorized'; workers: number; envsPerWorker: number };

/**
 * A new run: the game plus any of the run's settings (a partial RunConfig, src/run/config.ts,
 * where every default and the validator live); the learner worker identifies the ROM and
 * resolves the rest with resolveRunConfig(). agent.num_envs comes from `mode`, agent.seed from `seed`.
 */
export interface RunConfigInput extends RunSettingsInput {
  game: GameSource;
}

// Defined in src/tfjs (no tfjs import there either); re-exported for the UI.
export { DEFAULT_BACKENDS, type BackendInfo, type BackendName, type GpuFault } from '../tfjs/backend-names';

export type RunState = 'creating' | 'ready' | 'running' | 'paused' | 'switching' | 'saving' | 'evaluating' | 'watching' | 'done' | 'error' | 'closed';

/** Monotone counters (never reset by resume or mode switch). */
export interface RunCounters {
  agentSteps: number;
  vectorSteps: number;
  frames: number;
  episodes: number;
  gradientUpdates: number;
}

/** One metrics message (sent every METRICS_INTERVAL_MS while something changes, and on events). */
export interface MetricsSnapshot {
  runId: string;
  state: RunState;
  time: number;
  /** Seconds of training (running state only) since the run was created, across resumes. */
  elapsedSec: number;
  counters: RunCounters;
  /** Rates over the last interval. */
  stepsPerSec: number;
  framesPerSec: number;
  gradStepsPerSec: number;
  epsilon: number;
  /** Mean loss / mean Q of the gradient steps since the last snapshot (null when none). */
  loss: number | null;
  meanQ: number | null;
  /** DQN: replay transitions; PQN (no replay): the rows of its frame store. */
  replaySize: number;
  replayCapacity: number;
  mode: RunMode;
  algorithm: Algorithm;
  backend: BackendInfo;
  /** tf.memory() of this run's worker. */
  memory: { numBytes: number; numTensors: number; numBytesInGPU?: number };
  /** Episodes finished since the previous snapshot (raw game score = sum of unclipped rewards). */
  newEpisodes: EpisodeEntry[];
  /** The latest evaluation (null: none yet) and the agent step at which the next one is due (null: never). */
  lastEval: EvalEntry | null;
  nextEvalAt: number | null;
}

export interface EpisodeEntry {
  agentStep: number;
  env: number;
  rawReturn: number;
  length: number;
  time: number;
}

/** Downsampled history for charts over hours: at most HISTORY_POINTS points per series. */
export interface MetricsHistory {
  /** Each point aggregates a bucket of agent steps: x = agentStep at the bucket's end. */
  episodes: Array<{ x: number; mean: number; min: number; max: number; n: number }>;
  loss: Array<{ x: number; mean: number }>;
  meanQ: Array<{ x: number; mean: number }>;
  stepsPerSec: Array<{ x: number; mean: number }>;
  /** Evaluations (one point each until HISTORY_POINTS; mean = mean raw return of its episodes). */
  evals: Array<{ x: number; mean: number; min: number; max: number; n: number }>;
}
export const HISTORY_POINTS = 2000;
export const METRICS_INTERVAL_MS = 500;

export type RunEvent =
  | { kind: 'state'; runId: string; state: RunState; reason?: string }
  /**
   * recover 'auto': the page reopens the run from its last save by itself (a lost GPU device:
   * the new learner re-creates the backend, or falls back to the next one); otherwise the
   * person presses "Resume from last save".
   */
  | { kind: 'error'; runId: string; message: string; fatal: boolean; recover?: 'auto' }
  | { kind: 'saved'; runId: string; checkpointId: string; reason: string; ms: number; bytes: number; agentSteps: number }
  /** A save in progress (learner worker): raw bytes written of the raw total, after each part; the card's busy bar shows it. */
  | { kind: 'save-progress'; runId: string; reason: string; done: number; total: number }
  /** The store removed an automatic save of this run (retention rotation, or room when storage was full); message: the Activity line. */
  | { kind: 'pruned'; runId: string; checkpointId: string; reason: string; agentSteps: number; message: string }
  | { kind: 'mode-switched'; runId: string; mode: RunMode; lostTransitions: number }
  /** The run moved to another algorithm (DQN -> PQN); `kept`: parameters copied over, `fresh`: new ones at their init. */
  | { kind: 'algorithm-switched'; runId: string; algorithm: Algorithm; mode: RunMode; kept: string[]; fresh: string[] }
  | { kind: 'env-restart'; runId: string; worker: number; reason: string }
  /** An evaluation finished (eval_every, src/run/evaluation.ts); checkpointId: the 'eval' save carrying it as evalReturn. */
  | { kind: 'eval'; runId: string; result: EvalEntry; checkpointId: string | null };

/** One evaluation: greedy episodes at eval_epsilon on a separate env, raw game scores. */
export interface EvalEntry {
  agentStep: number;
  meanReturn: number;
  returns: number[];
  lengths: number[];
  epsilon: number;
  time: number;
}

export interface RunListener {
  onMetrics?(m: MetricsSnapshot): void;
  onEvent?(e: RunEvent): void;
}

/**
 * Live screens of a run, readable by the page without a copy or a message per frame.
 * `buffer` is a SharedArrayBuffer holding 1 + FRAME_ENV_SLOTS slots of FRAME_SLOT_BYTES each
 * (slot k at byte k * FRAME_SLOT_BYTES; the slot count is byteLength / FRAME_SLOT_BYTES, so a
 * reader never needs to be told it). Every slot is its own seqlock with one writer:
 *   Int32 header (FRAME_HEADER_BYTES): [0] seq (even = stable, odd = being written; 0 = never
 *   written), [1] env index, [2] width, [3] height, [4] kind (0 = palette indices 0..127 (NTSC
 *   palette of the ALE screen), 1 = 8-bit grayscale preprocessed observation), [5] agent step
 *   (low 31 bits), then width*height bytes of pixels (capacity FRAME_MAX_PIXELS). A stable
 *   header with width or height 0 means "no frame" (the slot was cleared, e.g. by a mode switch).
 * Slot 0, the view slot (what the big live view shows, byte-compatible with the old single-slot
 * buffer): single mode publishes env 0's full 160x210 palette screen, watch mode the watch env's
 * (env index -1), vectorized mode the 84x84 observation of the env chosen with setViewEnv().
 * Slot frameEnvSlot(i) = 1 + i, env slots (vectorized mode only): env i's observation, every env
 * below FRAME_ENV_SLOTS each time the worker publishes (about 60 times a second while training),
 * so each small view of the page reads its own env. Envs at or above FRAME_ENV_SLOTS have no env
 * slot (the view slot still shows any env).
 * Reader: s1 = Atomics.load(h,0); if 0 or odd skip; copy/draw pixels; if Atomics.load(h,0) !== s1
 * the frame tore, draw the next one. readFrame() in src/run/frames.ts does this.
 */
export interface FrameSource {
  buffer: SharedArrayBuffer;
}
export const FRAME_HEADER_BYTES = 32;
export const FRAME_MAX_PIXELS = 160 * 250;
/** Bytes per slot: header + pixel capacity (a multiple of 4, so every header stays Int32-aligned). */
export const FRAME_SLOT_BYTES = FRAME_HEADER_BYTES + FRAME_MAX_PIXELS;
/** Env slots after the view slot; the run card's grid of small views shows at most this many envs. */
export const FRAME_ENV_SLOTS = 64;
export const FRAME_VIEW_SLOT = 0;
/** The slot that holds env `env`'s own frames (vectorized mode). */
export function frameEnvSlot(env: number): number {
  return 1 + env;
}
export const FRAME_KIND_PALETTE = 0;
export const FRAME_KIND_GRAY = 1;

export interface SpeedResult {
  framesPerSec: number;
  stepsPerSec: number;
  episodesPerHour: number;
}
export interface SpeedDemoResult {
  game: string;
  seconds: number;
  single: SpeedResult;
  vectorized: SpeedResult & { workers: number; envsPerWorker: number };
  /** vectorized.stepsPerSec / single.stepsPerSec */
  ratio: number;
  /** The PQN preset training on the vectorized envs: agent steps/s including acting and gradient steps (speed.ts). */
  training?: SpeedResult & { gradientStepsPerSec: number; algorithm: 'pqn'; network: string };
}

export interface CheckpointInfo {
  id: string;
  runId: string;
  createdAt: number;
  reason: string;
  counters: RunCounters;
  hasReplay: boolean;
  totalBytes: number;
  evalReturn: number | null;
}

export interface RunInfo {
  runId: string;
  name: string;
  gameName?: string;
  gameMd5: string;
  mode: RunMode;
  createdAt: number;
  updatedAt: number;
  latest: CheckpointInfo | null;
  checkpoints: CheckpointInfo[];
  /** Open in this tab right now (has a live controller). */
  open: boolean;
  /** It was training when last seen and nobody paused or closed it since (a reload or crash ended it): offer Resume. */
  training: boolean;
  /** The retention and autosave policy of its latest checkpoint's config (null: no checkpoint yet). */
  retention: RetentionPolicy | null;
  autosave: AutosavePolicy | null;
}

export interface ProgressFn {
  (doneBytes: number, totalBytes: number): void;
}

/** Faults the tests can inject into a run's learner (RunController.simulateFault). */
/**
 * Faults the tests inject (e2e/faults.spec.ts, e2e/persistence.spec.ts): a terminated or hung
 * learner worker, a step that throws, a lost GPU device ('device-lost': the real loss on WebGPU
 * and WebGL, else the same report the loss watcher makes, so the page's automatic recovery is
 * tested on every backend), and 'slow-save': every later save stalls after its blobs, before its
 * manifest commits (SLOW_SAVE_MS), the window a browser killed mid-save must hit.
 */
export type FaultKind = 'terminate' | 'step-throws' | 'hang' | 'device-lost' | 'slow-save';

/** What one learner worker exposes for its run (comlink Remote<RunController> on the page). */
export interface RunController {
  readonly runId: string;
  /** Starts (or continues) training; resolves once the loop is running. */
  start(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Save -> rebuild envs -> restore. Counters, replay, curves, weights continue. */
  switchMode(mode: RunMode): Promise<void>;
  /**
   * DQN -> PQN mid-run (in `mode`, default the current one; PQN settings over its defaults):
   * conv/dense weights whose names and shapes match are kept (reported), counters, RNG and
   * curves continue; the replay, target net and optimizer state are DQN's and end.
   */
  switchAlgorithm(next: AlgorithmSwitch): Promise<AlgorithmSwitchResult>;
  saveCheckpoint(opts?: { withReplay?: boolean }): Promise<CheckpointInfo>;
  /** Page is going away: fast save (the page posts this on pagehide / visibility hidden). */
  pageHide(): Promise<void>;
  /** Greedy policy on a separate env at real time (60 fps / frameSkip agent steps per second); training pauses meanwhile. */
  watch(opts?: { realtime?: boolean; epsilon?: number }): Promise<void>;
  stopWatch(): Promise<void>;
  /** Which env the frame source's view slot (slot 0) shows (-1 = the watch env while watching);
   *  publishes it (and, vectorized, every env's own slot) right away, so a paused run shows it too. */
  setViewEnv(env: number): Promise<void>;
  frames(): Promise<FrameSource>;
  /** Current metrics (newEpisodes: those not yet delivered to listeners; not consumed here). */
  snapshot(): Promise<MetricsSnapshot>;
  history(): Promise<MetricsHistory>;
  /** Listener proxies: pass comlink.proxy(listener). Returns an id for unsubscribe. */
  subscribe(listener: RunListener): Promise<number>;
  unsubscribe(id: number): Promise<void>;
  /** Hash of the online network's weights (tests: equal across a mode switch). */
  weightsDigest(): Promise<string>;
  /**
   * Fault injection (tests): the learner's GPU fails as a driver would make it (src/tfjs/backend.ts
   * destroyDeviceForTest: WebGPU device destroyed or an uncaptured error, WebGL context lost); the
   * run stops with an error, its last checkpoint intact.
   */
  simulateDeviceLoss(how?: GpuFault): Promise<void>;
  /**
   * Fault injection (tests only, e2e/faults.spec.ts): 'terminate' — the page terminates the
   * learner worker (no event, no reply: as a crash or an out-of-memory kill looks from the
   * page); 'step-throws' — the next agent step throws; 'hang' — the learner worker busy-loops
   * for good. Each ends with the run in state 'error', the last checkpoint intact.
   */
  simulateFault(kind: FaultKind): Promise<void>;
  /** Frees the run's envs and tensors (the worker is terminated by the client afterwards). */
  close(): Promise<void>;
}

/** The page-side entry point (implemented by RunClient in src/run/client.ts). */
export interface RunService {
  createRun(config: RunConfigInput, listener?: RunListener): Promise<string>;
  run(runId: string): RunController;
  /** rom: the ROM file for runs of a game that is not built in (checked against the run's md5). */
  resumeFromCheckpoint(checkpointId: string, listener?: RunListener, opts?: { mode?: RunMode; rom?: Uint8Array }): Promise<string>;
  closeRun(runId: string): Promise<void>;
  listRuns(): Promise<RunInfo[]>;
  listCheckpoints(runId?: string): Promise<CheckpointInfo[]>;
  /** A Blob (application/octet-stream) of the .arcadelab file + a suggested file name. */
  exportCheckpoint(id: string, opts?: { withReplay?: boolean; onProgress?: ProgressFn }): Promise<{ blob: Blob; fileName: string }>;
  importCheckpoint(file: Blob, opts?: { onProgress?: ProgressFn }): Promise<CheckpointInfo>;
  /**
   * "Export model (PyTorch)": the online net as .safetensors with CleanRL dqn_atari.py QNetwork
   * names and layouts, metadata naming game, action set, network and algorithm
   * (src/checkpoint/model.ts). Of a stored checkpoint, or (exportRunModel) of an open run now.
   */
  exportModel(checkpointId: string): Promise<{ blob: Blob; fileName: string }>;
  exportRunModel(runId: string): Promise<{ blob: Blob; fileName: string }>;
  /**
   * "Import model": a new run of `config` whose nets start from a .safetensors model (checked
   * against the game's action count and the network first; a refused file creates nothing).
   * The run is created, not started: watch it, or start() it to train on.
   */
  createRunFromModel(config: RunConfigInput, model: Uint8Array, listener?: RunListener): Promise<string>;
  deleteCheckpoint(id: string): Promise<void>;
  deleteRun(runId: string): Promise<void>;
  /** The user declined to resume a run that was training when the page went away: stop offering it. */
  dismissResume(runId: string): Promise<void>;
  speedDemo(game: GameSource, seconds: number, opts?: { workers?: number; envsPerWorker?: number }): Promise<SpeedDemoResult>;
}
