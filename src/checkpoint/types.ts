import type { DQNConfig } from '../agent/config';
import type { RngState } from '../agent/rng';

/** How the envs of a run are laid out: N envs over W workers (single env mode = 1 x 1). */
export interface RunMode {
  numEnvs: number;
  numWorkers: number;
}

/** Everything needed to rebuild a run's envs and agent (stored in every checkpoint). */
export interface RunConfig {
  /** Lower-case hex MD5 of the ROM; imports of unknown games are refused. */
  gameMd5: string;
  gameName?: string;
  /** Env settings (AtariEnvOptions as JSON: frame skip, sticky actions, ...). */
  env: Record<string, unknown>;
  mode: RunMode;
  /** Every hyperparameter (agent.num_envs always equals mode.numEnvs). */
  agent: DQNConfig;
}

/** Monotone counters of a run: never reset by a resume or a mode switch. */
export interface Counters {
  agentSteps: number;
  vectorSteps: number;
  frames: number;
  episodes: number;
  gradientUpdates: number;
}

export type SaveReason = 'auto' | 'manual' | 'pagehide' | 'mode-switch' | 'import' | 'eval';

/** One typed array of a checkpoint, stored as one or more parts (blobs). */
export interface ArrayEntry {
  name: string;
  dtype: 'u8' | 'f32' | 'f64';
  byteLength: number;
  parts: BlobEntry[];
}

export interface BlobEntry {
  /** Key of the blob inside its checkpoint (also its name in an exported file). */
  key: string;
  size: number;
  /** Lower-case hex SHA-256 of the blob's bytes. */
  sha256: string;
}

/** The JSON half of a checkpoint (small): everything that is not a big array. */
export interface CheckpointMeta {
  /**
   * 2: replay arrays hold only each env's written rows (see FORMAT.md); 1 (read only): replay
   * arrays hold the whole capacity.
   */
  schema: 1 | 2;
  run: RunConfig;
  counters: Counters;
  exploration: { epsilon: number; priorityBeta: number };
  rng: { agent: RngState; eval: RngState };
  /**
   * Schema-2 checkpoints written before the envs kept their own running episode statistics had
   * the agent's per-env running returns here; nothing reads them now.
   */
  episodeReturns?: number[];
  episodeLengths?: number[];
  learner: {
    gradientSteps: number;
    names: string[];
    /** Element count of each parameter, parallel to names (net/online, net/target, adam/* concatenate them). */
    sizes: number[];
    adam: { iterations: number; accBeta1: number; accBeta2: number } | null;
  };
  /** Geometry of the replay buffer the state came from (always present, also when the data is omitted). */
  replayGeometry: { numEnvs: number; segmentCapacity: number; frameHeight: number; frameWidth: number; stackSize: number; prioritized: boolean };
  /** Replay bookkeeping when the replay data is included, else null. */
  replay: { totals: number[]; maxPriority: number } | null;
  /** Number of per-env emulator states stored (0 when the envs could not be captured). */
  envStates: number;
  hasMetrics: boolean;
  evalReturn: number | null;
}

/** What IndexedDB holds for one checkpoint, written last (its presence makes the checkpoint exist). */
export interface Manifest {
  id: string;
  runId: string;
  createdAt: number;
  reason: SaveReason;
  counters: Counters;
  evalReturn: number | null;
  hasReplay: boolean;
  totalBytes: number;
  meta: CheckpointMeta;
  arrays: ArrayEntry[];
}

export interface RunRecord {
  runId: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  gameMd5: string;
  gameName?: string;
  mode: RunMode;
  latestId: string | null;
  latestCounters: Counters | null;
}

/** Listing for the UI: a run, its latest checkpoint, and all of its checkpoints (newest first). */
export interface RunSummary {
  run: RunRecord;
  latest: Manifest | null;
  best: Manifest | null;
  checkpoints: Manifest[];
}
