/**
 * Typed errors of the checkpoint module. The UI switches on `code` (stable strings) and shows
 * `message` (says what happened and what was kept). Every error thrown after a failed save or
 * import means: nothing of the failed operation remains visible, earlier checkpoints untouched.
 */
export type CheckpointErrorCode =
  | 'quota' // storage full: save refused (after pruning per policy, if allowed)
  | 'corrupt' // a stored blob is missing, has the wrong size, or fails its SHA-256
  | 'not-found' // no such run / checkpoint
  | 'format' // an imported file is not a checkpoint container, or its header is malformed
  | 'truncated' // an imported file ends before its declared content
  | 'version' // container or checkpoint format version this build cannot read
  | 'unknown-game' // the checkpoint's game (ROM md5) is not available here
  | 'incompatible' // the checkpoint does not fit the agent/network it is restored into
  | 'non-finite' // a save refused: the weights are NaN/Infinity (training diverged)
  | 'duplicate' // an imported file holds a checkpoint that is already stored (same content id)
  | 'aborted' // a save or import was interrupted (test hook, closed DB, tab going away)
  | 'unsupported'; // environment lacks something (e.g. big-endian platform, no crypto.subtle)

export class CheckpointError extends Error {
  readonly code: CheckpointErrorCode;
  constructor(code: CheckpointErrorCode, message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'CheckpointError';
    this.code = code;
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
  }
}

export class CheckpointQuotaError extends CheckpointError {
  /** Bytes the save needed, and the storage estimate when known. */
  readonly neededBytes: number;
  readonly usage: number | null;
  readonly quota: number | null;
  constructor(message: string, neededBytes: number, usage: number | null, quota: number | null, cause?: unknown) {
    super('quota', message, { cause });
    this.name = 'CheckpointQuotaError';
    this.neededBytes = neededBytes;
    this.usage = usage;
    this.quota = quota;
  }
}

export class CheckpointCorruptError extends CheckpointError {
  constructor(message: string) {
    super('corrupt', message);
    this.name = 'CheckpointCorruptError';
  }
}

export class CheckpointFormatError extends CheckpointError {
  constructor(code: 'format' | 'truncated' | 'version' | 'unknown-game', message: string) {
    super(code, message);
    this.name = 'CheckpointFormatError';
  }
}

/**
 * True for what IndexedDB raises when it cannot store more: the QuotaExceededError of a full
 * origin quota, and Chromium's "Failed to write blobs (IOError)" UnknownError of a full disk
 * (seen with the disk full before the quota was reached; the write fails the same way, so
 * it gets the same handling and message).
 */
export function isQuotaError(e: unknown): boolean {
  if (e instanceof CheckpointQuotaError) return true;
  const o = e as { name?: unknown; message?: unknown; error?: { name?: unknown; message?: unknown } } | null;
  if (o?.name === 'QuotaExceededError') return true;
  // Some engines surface it through the transaction error with a nested DOMException.
  if (o?.error?.name === 'QuotaExceededError') return true;
  const msg = `${String(o?.message ?? '')} ${String(o?.error?.message ?? '')}`;
  return /IOError|Failed to write blobs|no space left/i.test(msg);
}
