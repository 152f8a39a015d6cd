import type { RngState } from '../agent/rng';
import type { RunConfig, RunMode } from '../run/config';
import type { BlobEncoding } from './blob-codec';
import type { ReplaySegment } from './segments';

/**
 * A run's whole configuration (agent, env, mode, autosave, retention, evaluation schedule, ...)
 * and its env layout: the run layer's own types (src/run/config.ts), stored as they are in every
 * checkpoint (meta.run) and run record. Old stored shapes are migrated when read (migrate.ts).
 */
export type { RunConfig, RunMode };

/** Monotone counters of a run: never reset by a resume or a mode switch. */
export interface Counters {
  agentSteps: number;
  vectorSteps: number;
  frames: number;
  episodes: number;
  gradientUpdates: number;
}

/**
 * Why a checkpoint was written. 'manual' and 'import' are the user's (kept until deleted); the
 * rest are automatic and rotate (store.ts keptByPolicy): 'auto' every N agent steps, 'timed'
 * every N seconds of training (the small crash-safety save), 'eval' after an evaluation,
 * 'mode-switch', 'pagehide'.
 */
export type SaveReason = 'auto' | 'timed' | 'manual' | 'pagehide' | 'mode-switch' | 'import' | 'eval';

/** One typed array of a checkpoint, stored as one or more parts (blobs). */
export interface ArrayEntry {
  name: string;
  dtype: 'u8' | 'f32' | 'f64';
  byteLength: number;
  parts: BlobEntry[];
}

/**
 * One stored blob. `size` and `sha256` are of the bytes as stored (compressed when `codec` is
 * set: blob-codec.ts), so export/import check a blob without decoding it; the decoded size
 * (`rawSize`) is checked when it is decoded. Entries without `codec` (every blob before
 * container version 2) are the raw bytes.
 */
export interface BlobEntry extends BlobEncoding {
  /** Key of the blob inside its checkpoint (also its name in an exported file). */
  key: string;
  size: number;
  /** Lower-case hex SHA-256 of the blob's bytes as stored. */
  sha256: string;
  /**
   * IndexedDB only (never in files): the checkpoint whose blobs hold this one, when it is not
   * the manifest's own (a replay segment reused from an earlier save; segments.ts). The store
   * keeps such a blob while any manifest names it.
   */
  owner?: string;
}

/** The JSON half of a checkpoint (small): everything that is not a big array. */
export interface CheckpointMeta {
  /**
   * 3: replay arrays (but priorities) are stored as segments, `replay.segments` (FORMAT.md);
   * 2 (read only): replay arrays hold only each env's written rows; 1 (read only): replay
   * arrays hold the whole capacity.
   */
  schema: 1 | 2 | 3;
  /** The run's whole config (src/run/config.ts); version-less old shapes are migrated on read (migrate.ts). */
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
  /**
   * Replay bookkeeping when the replay data is included, else null. `segments` (schema 3): what
   * part j of replay/actions, rewards, flags and frames holds (segments.ts).
   */
  replay: { totals: number[]; maxPriority: number; segments?: ReplaySegment[] } | null;
  /**
   * PQN runs only: the agent's position in its rollout/update cycle (arrays rollout/*, FORMAT.md).
   * Absent in DQN checkpoints and in everything written before PQN.
   */
  rollout?: { steps: number; startStep: number; training: { epoch: number; minibatch: number } | null };
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
  /** Bytes stored (Σ blob sizes, compressed where encoded). The decoded size: rawBytesOf() in store.ts. */
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
  /**
   * When its training loop last started (ms since epoch) while it has not been paused, closed or
   * finished since; null/absent = not training. Still set after a reload, a crash or a killed
   * browser: the page then offers to resume the run from its latest checkpoint.
   */
  trainingSince?: number | null;
}

/** Listing for the UI: a run, its latest checkpoint, and all of its checkpoints (newest first). */
export interface RunSummary {
  run: RunRecord;
  latest: Manifest | null;
  best: Manifest | null;
  checkpoints: Manifest[];
}
