import { openDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore, type StoreNames } from 'idb';
import { DEFAULT_PART_BYTES, encodeContent, partRanges, type ArraySource, type CheckpointContent } from './codec';
import { decodeBlob, encodeBlob, encodingFor, rawSizeOf, type BlobEncoding } from './blob-codec';
import { CheckpointCorruptError, CheckpointError, CheckpointQuotaError, isQuotaError } from './errors';
import { contentIdOf } from './content-id';
import { isAutomaticSave } from './reasons';
import { assertLittleEndian, sha256Hex } from './hash';
import type { RetentionPolicy } from '../run/config';
import { migrateManifest, migrateRunRecord } from './migrate';
import { noteReplayBase, planReplaySegments, replayBaseOf, segmentKey, type SegmentPlan } from './segments';
import type { ArrayEntry, BlobEntry, Manifest, RunConfig, RunRecord, RunSummary, SaveReason } from './types';

/**
 * IndexedDB store of runs and checkpoints.
 *
 * Object stores:
 *   runs       runId -> RunRecord (name, game, mode, latest checkpoint)
 *   manifests  id -> Manifest (meta JSON + the list of blobs with sizes and SHA-256); index byRun
 *   blobs      [checkpointId, partKey] -> Uint8Array (parts of a few MiB of raw bytes, stored
 *              compressed where the manifest's blob entry names a codec: blob-codec.ts)
 *   pending    id -> a save in progress (who, since when)
 *
 * Replay segments (segments.ts): a save writes only the replay rows appended since the previous
 * save of the same buffer, under its own checkpoint id, and its manifest names the earlier
 * segments it still uses by their `owner` (the checkpoint that wrote them). A blob is kept while
 * its own checkpoint or any manifest naming it as owner exists: deleting or pruning a checkpoint
 * deletes, in the same transaction, those of its blobs no remaining manifest names (sweepGroups).
 *
 * Atomicity: a checkpoint exists iff its manifest exists. A save writes every blob first (one
 * small transaction each, so memory stays at one part), then ONE final transaction puts the
 * manifest, points the run at it, prunes per policy and drops the pending mark. If the tab dies
 * or anything throws before that transaction commits, no manifest names the new blobs: the
 * previous checkpoint is still the latest and loads as before, and the orphan blobs are deleted
 * by collectGarbage() (run at open, after every save, and callable any time). The manifest
 * transaction also checks that every reused segment still exists (another tab may have deleted
 * its last other reference), so no committed checkpoint ever names a missing blob.
 */

interface Schema extends DBSchema {
  runs: { key: string; value: RunRecord };
  manifests: { key: string; value: Manifest; indexes: { byRun: string } };
  blobs: { key: [string, string]; value: Uint8Array };
  pending: { key: string; value: PendingSave };
}

interface PendingSave {
  id: string;
  runId: string;
  owner: string;
  startedAt: number;
  touchedAt: number;
}

export type { RetentionPolicy };

/** Which checkpoints a save keeps: the run's own retention (meta.run.retention of the checkpoint being saved). */
export function retentionOf(m: Manifest): RetentionPolicy {
  return m.meta.run.retention;
}

export interface StorageEstimate {
  usage: number | null;
  quota: number | null;
  persisted: boolean | null;
}

/** Test hooks: throw from them to simulate failures at precise points of a save. */
export interface StoreFaults {
  /** Before blob number `index` (0-based) of a save is written. */
  beforePart?(index: number, key: string): void | Promise<void>;
  /** After every blob, before the final manifest transaction. */
  beforeManifest?(): void | Promise<void>;
}

/** Thrown by a fault hook to simulate the tab dying: the save stops WITHOUT its own cleanup. */
export class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash');
    this.name = 'SimulatedCrash';
  }
}

export interface StoreOptions {
  dbName?: string;
  /** Largest blob in bytes (default 8 MiB). Bounds the extra memory of a save, load or export. */
  partBytes?: number;
  /** When storage is full: delete this run's older checkpoints (never the latest or the best) and retry once (default true). */
  pruneOnQuota?: boolean;
  /** Replacement for navigator.storage.estimate() (tests); null disables the pre-check. */
  estimate?: (() => Promise<{ usage?: number; quota?: number }>) | null;
  /**
   * Compress blobs on save (default true; blob-codec.ts). false writes every blob raw, as
   * before container version 2 (benchmarks' "uncompressed" row, tests of old checkpoints).
   */
  compress?: boolean;
  /** Pending saves of OTHER tabs untouched for this long are treated as dead (default 60 s). */
  pendingGraceMs?: number;
  faults?: StoreFaults;
}

export interface SaveOptions {
  /** Include the replay buffer (default true). false = fast path (pagehide with little time). */
  includeReplay?: boolean;
  reason?: SaveReason;
  /** Called after each part with the raw (uncompressed) bytes done and the raw total. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** Blob writer used by save and import: writes one part as given (already encoded per `encoding`), returns its entry. */
type PutPart = (key: string, bytes: Uint8Array, encoding?: BlobEncoding) => Promise<BlobEntry>;

/** Decoded bytes of a checkpoint (Σ of its blobs' raw sizes); totalBytes is what is stored. */
export function rawBytesOf(m: { arrays: readonly ArrayEntry[] }): number {
  let n = 0;
  for (const a of m.arrays) for (const p of a.parts) n += rawSizeOf(p);
  return n;
}

/**
 * Room a save is assumed to need before it is written (the quota pre-check): raw bytes for
 * arrays stored raw, a quarter for compressed ones (replay frames measured ~200x smaller on
 * Pong; a quarter keeps the check conservative for games with busier screens).
 */
function expectedStoredBytes(sources: readonly ArraySource[], plan: SegmentPlan | null, compress: boolean): number {
  let n = 0;
  for (const s of sources) {
    const b = bytesToWrite(s, plan);
    n += compress && encodingFor(s.name, s.dtype, s.align) ? Math.ceil(b / 4) : b;
  }
  return n;
}

/** Raw bytes a save writes for a source: all of it, or for a segmented one its new segments only. */
function bytesToWrite(s: ArraySource, plan: SegmentPlan | null): number {
  if (!s.segmentRanges) return s.byteLength;
  let n = 0;
  s.segmentRanges.forEach(([, len], j) => { if (plan!.from[j] < 0) n += len; });
  return n;
}

/**
 * Bytes of a checkpoint's own blobs, stored and decoded: what its save wrote (reused replay
 * segments are counted in the checkpoint that wrote them).
 */
export function ownBytesOf(m: { arrays: readonly ArrayEntry[] }): { stored: number; raw: number } {
  let stored = 0;
  let raw = 0;
  for (const a of m.arrays) for (const p of a.parts) if (p.owner === undefined) { stored += p.size; raw += rawSizeOf(p); }
  return { stored, raw };
}

type BlobsStore = IDBPObjectStore<Schema, ArrayLike<StoreNames<Schema>>, 'blobs', 'readwrite'>;

/** The range of every blob key of checkpoint `id`: [id] sorts before every [id, key] and [id, []] after every [id, string]. */
function groupRange(id: string): IDBKeyRange {
  return IDBKeyRange.bound([id], [id, []]);
}

/**
 * Inside a transaction: deletes the blobs of checkpoints `ids` that no manifest of `remaining`
 * names, where a checkpoint's own manifest names all of its group. Blobs are only ever shared
 * within a run (a save reuses segments of its own run; imports write their own), so
 * `remaining` is the run's manifests.
 */
async function sweepGroups(blobs: BlobsStore, ids: Iterable<string>, remaining: readonly Manifest[]): Promise<void> {
  const live = new Set(remaining.map((m) => m.id));
  const named = referencedKeys(remaining);
  for (const id of new Set(ids)) {
    if (live.has(id)) continue;
    const keep = named.get(id);
    if (!keep) { void blobs.delete(groupRange(id)); continue; }
    for (const k of (await blobs.getAllKeys(groupRange(id))) as Array<[string, string]>) if (!keep.has(k[1])) void blobs.delete(k);
  }
}

/**
 * The groups a removed checkpoint may have kept alive: its own, and those of the earlier
 * checkpoints whose segments it named (their last reference may have been this one).
 */
function groupsOf(removed: readonly Manifest[]): string[] {
  const out = removed.map((m) => m.id);
  for (const m of removed) for (const a of m.arrays) for (const p of a.parts) if (p.owner !== undefined) out.push(p.owner);
  return out;
}

/** Blob keys manifests name in other checkpoints' groups: owner -> keys. */
function referencedKeys(list: readonly Manifest[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of list) for (const a of m.arrays) for (const p of a.parts) {
    if (p.owner === undefined || p.owner === m.id) continue;
    let s = out.get(p.owner);
    if (!s) out.set(p.owner, (s = new Set()));
    s.add(p.key);
  }
  return out;
}

const DB_VERSION = 1;
let instanceSeq = 0;

function newId(prefix: string): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  const r = c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `${prefix}-${r}`;
}

/**
 * Newest first: by save time, then agent steps. Save time, not steps, because a run resumed
 * from an older checkpoint (say its best) continues with fewer steps than the checkpoints it
 * abandoned, and its new saves are still the latest.
 */
export function byRecency(a: Manifest, b: Manifest): number {
  return b.createdAt - a.createdAt || b.counters.agentSteps - a.counters.agentSteps;
}

export function bestOf(list: readonly Manifest[]): Manifest | null {
  let best: Manifest | null = null;
  for (const m of list) {
    if (m.evalReturn === null || !Number.isFinite(m.evalReturn)) continue;
    if (!best || m.evalReturn > (best.evalReturn as number)) best = m;
  }
  return best;
}

export { isAutomaticSave };

/**
 * Which checkpoints of a run the policy keeps (ids): every manual save and import, the K newest
 * automatic saves and, with keepBest, the automatic save with the best evaluation return.
 */
export function keptByPolicy(list: readonly Manifest[], p: RetentionPolicy): Set<string> {
  const keep = new Set(list.filter((m) => !isAutomaticSave(m.reason)).map((m) => m.id));
  // A 'timed' save is the crash-safety net (often without the replay): only the newest one is
  // kept, and only while no other checkpoint is newer; it never pushes a full autosave out.
  const newest = [...list].sort(byRecency)[0];
  if (newest?.reason === 'timed') keep.add(newest.id);
  const auto = list.filter((m) => isAutomaticSave(m.reason) && m.reason !== 'timed').sort(byRecency);
  for (const m of auto.slice(0, Math.max(1, p.keepLast))) keep.add(m.id);
  if (p.keepBest) {
    const b = bestOf(auto);
    if (b) keep.add(b.id);
  }
  return keep;
}

/** One checkpoint the store removed on its own, and why (reported to the run's listeners). */
export interface PrunedCheckpoint {
  id: string;
  runId: string;
  reason: SaveReason;
  agentSteps: number;
  /** 'rotation': retention's keepLast; 'superseded': a timed save with a newer save after it; 'space': storage was full and a save needed the room. */
  why: 'rotation' | 'superseded' | 'space';
  keepLast: number;
}

/** The Activity line for a pruned checkpoint (one wording, used by every caller). */
export function prunedText(p: PrunedCheckpoint): string {
  const what = p.reason === 'auto' || p.reason === 'timed' ? 'autosave' : `automatic ${p.reason} save`;
  const tail = p.why === 'rotation' ? ` to keep the last ${p.keepLast}` : p.why === 'superseded' ? ': superseded by a newer save' : ' to make room: storage was full';
  return `removed ${what} at step ${p.agentSteps.toLocaleString('en-US')}${tail} (manual saves and imports are never removed automatically)`;
}

export class CheckpointStore {
  readonly dbName: string;
  readonly partBytes: number;
  readonly pruneOnQuota: boolean;
  readonly compress: boolean;
  /** One part of raw bytes, reused by every compressed part of a save (see ArraySource.readInto). */
  private partScratch: Uint8Array | null = null;
  private readonly db: IDBPDatabase<Schema>;
  private readonly opts: StoreOptions;
  private readonly owner = `store-${Date.now().toString(36)}-${instanceSeq++}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly active = new Set<string>();
  private lastCreatedAt = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pruneListeners = new Set<(p: PrunedCheckpoint) => void>();

  private constructor(db: IDBPDatabase<Schema>, dbName: string, opts: StoreOptions) {
    this.db = db;
    this.dbName = dbName;
    this.opts = opts;
    this.partBytes = opts.partBytes ?? DEFAULT_PART_BYTES;
    this.pruneOnQuota = opts.pruneOnQuota ?? true;
    this.compress = opts.compress ?? true;
    if (!(Number.isInteger(this.partBytes) && this.partBytes >= 64)) throw new CheckpointError('unsupported', `partBytes must be an integer >= 64`);
  }

  /** Opens (creating if needed) the database and deletes blobs of saves that never finished. */
  static async open(opts: StoreOptions = {}): Promise<CheckpointStore> {
    assertLittleEndian();
    const name = opts.dbName ?? 'arcade-lab-checkpoints';
    const db = await openDB<Schema>(name, DB_VERSION, {
      upgrade(d) {
        d.createObjectStore('runs', { keyPath: 'runId' });
        const m = d.createObjectStore('manifests', { keyPath: 'id' });
        m.createIndex('byRun', 'runId');
        d.createObjectStore('blobs');
        d.createObjectStore('pending', { keyPath: 'id' });
      },
    });
    const s = new CheckpointStore(db, name, opts);
    await s.collectGarbage();
    return s;
  }

  close(): void {
    this.db.close();
  }

  /**
   * Calls `fn` for every checkpoint this store instance removes on its own (rotation at a save,
   * room for a save when storage is full), whichever caller made the save. Returns the remover.
   */
  onPruned(fn: (p: PrunedCheckpoint) => void): () => void {
    this.pruneListeners.add(fn);
    return () => this.pruneListeners.delete(fn);
  }

  private reportPruned(list: readonly PrunedCheckpoint[]): void {
    for (const p of list) for (const fn of this.pruneListeners) {
      try { fn(p); } catch { /* a listener's failure must not fail the save that already committed */ }
    }
  }

  /** Serialises writes of this store instance (saves, imports, deletions). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ------------------------------------------------------------------ runs

  async createRun(run: RunConfig, name?: string, runId?: string): Promise<RunRecord> {
    const now = Date.now();
    const rec: RunRecord = {
      runId: runId ?? newId('run'),
      name: name ?? run.name ?? `${run.gameName ?? run.gameMd5.slice(0, 8)} ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')}`,
      createdAt: now,
      updatedAt: now,
      gameMd5: run.gameMd5,
      gameName: run.gameName,
      mode: { ...run.mode },
      latestId: null,
      latestCounters: null,
    };
    await this.db.add('runs', rec);
    return rec;
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const r = await this.db.get('runs', runId);
    return r ? migrateRunRecord(r) : null;
  }

  /** Marks a run as training (since `since`) or not (null); see RunRecord.trainingSince. */
  async setTraining(runId: string, since: number | null): Promise<void> {
    const tx = this.db.transaction('runs', 'readwrite', { durability: 'strict' });
    const r = await tx.store.get(runId);
    if (r) {
      r.trainingSince = since;
      await tx.store.put(r);
    }
    await tx.done;
  }

  async renameRun(runId: string, name: string): Promise<void> {
    const tx = this.db.transaction('runs', 'readwrite');
    const r = await tx.store.get(runId);
    if (!r) throw new CheckpointError('not-found', `no run ${runId}`);
    r.name = name;
    await tx.store.put(r);
    await tx.done;
  }

  /** Every run with its latest and best checkpoints (what the run list shows after a reload). */
  async listRuns(): Promise<RunSummary[]> {
    const runs = (await this.db.getAll('runs')).map(migrateRunRecord);
    const out: RunSummary[] = [];
    for (const run of runs) {
      const checkpoints = await this.listCheckpoints(run.runId);
      out.push({ run, latest: checkpoints[0] ?? null, best: bestOf(checkpoints), checkpoints });
    }
    out.sort((a, b) => b.run.updatedAt - a.run.updatedAt);
    return out;
  }

  /** Checkpoints of a run, newest first. */
  async listCheckpoints(runId: string): Promise<Manifest[]> {
    const list = await this.db.getAllFromIndex('manifests', 'byRun', runId);
    return list.map(migrateManifest).sort(byRecency);
  }

  async getManifest(id: string): Promise<Manifest> {
    const m = await this.db.get('manifests', id);
    if (!m) throw new CheckpointError('not-found', `no checkpoint ${id}`);
    return migrateManifest(m);
  }

  async latest(runId: string): Promise<Manifest | null> {
    return (await this.listCheckpoints(runId))[0] ?? null;
  }

  // ------------------------------------------------------------------ saving

  /**
   * Saves a checkpoint of a run (atomically, see the file header). The agent must not step until
   * the promise settles: the replay arrays are read in place, part by part.
   */
  save(runId: string, content: CheckpointContent, o: SaveOptions = {}): Promise<Manifest> {
    return this.exclusive(() => this.saveNow(runId, content, o));
  }

  private async saveNow(runId: string, content: CheckpointContent, o: SaveOptions): Promise<Manifest> {
    const run = await this.getRun(runId);
    if (!run) throw new CheckpointError('not-found', `no run ${runId}: createRun() first`);
    // A PQN agent has no replay (its state's replay is null): never a replay checkpoint.
    const replay = content.agent.replay;
    const includeReplay = (o.includeReplay ?? true) && replay !== null;
    const { base, plan } = includeReplay ? await this.planReplay(runId, replay!) : { base: null, plan: null };
    const { meta, sources } = encodeContent(content, includeReplay, plan);
    // total: the checkpoint's decoded bytes (reused segments included); toWrite: what this save writes.
    let total = 0;
    let toWrite = 0;
    for (const s of sources) { total += s.byteLength; toWrite += bytesToWrite(s, plan); }
    o.onProgress?.(0, toWrite);
    const write = (id: string) =>
      this.writeCheckpoint(id, runId, total, async (put) => {
        const arrays: ArrayEntry[] = [];
        let done = 0;
        for (const src of sources) {
          arrays.push(await this.writeSource(src, put, (n) => { done += n; o.onProgress?.(done, toWrite); }, plan, base));
        }
        // Strictly increasing within this store, so two quick saves never tie on recency.
        this.lastCreatedAt = Math.max(Date.now(), this.lastCreatedAt + 1);
        let stored = 0;
        for (const a of arrays) for (const p of a.parts) stored += p.size;
        return {
          id,
          runId,
          createdAt: this.lastCreatedAt,
          reason: o.reason ?? 'manual',
          counters: meta.counters,
          evalReturn: meta.evalReturn,
          hasReplay: includeReplay,
          totalBytes: stored,
          meta,
          arrays,
        };
      });
    const m = await this.withQuotaRetry(runId, expectedStoredBytes(sources, plan, this.compress), write);
    // The buffer now holds this checkpoint's rows: the next save of it writes only what follows.
    if (includeReplay) noteReplayBase(replay!, { dbName: this.dbName, runId, checkpointId: m.id });
    return m;
  }

  /**
   * Raw bytes of replay a save of `content` would write now (its new segments and the
   * priorities): what the manager weighs against its time budget.
   */
  async replayBytesToWrite(runId: string, content: CheckpointContent): Promise<number> {
    const r = content.agent.replay;
    if (!r) return 0;
    const { plan } = await this.planReplay(runId, r);
    let n = 0;
    for (const s of encodeContent(content, true, plan).sources) if (s.name.startsWith('replay/')) n += bytesToWrite(s, plan);
    return n;
  }

  /** A save's replay segments: those of the buffer's base checkpoint it can reuse, and new ones of at most one part of frames. */
  private async planReplay(runId: string, r: NonNullable<CheckpointContent['agent']['replay']>): Promise<{ base: Manifest | null; plan: SegmentPlan }> {
    const base = await this.replayBase(r, runId);
    const prev = base && { totals: base.meta.replay!.totals, segments: base.meta.replay!.segments! };
    return { base, plan: planReplaySegments(r.totals, r.segmentCapacity, this.partBytes / (r.frameHeight * r.frameWidth), prev) };
  }

  /**
   * The stored checkpoint whose replay rows the buffer still holds (segments.ts), if it can lend
   * its segments to this save: same run, schema 3 with the replay, the same ring geometry.
   */
  private async replayBase(r: NonNullable<CheckpointContent['agent']['replay']>, runId: string): Promise<Manifest | null> {
    const id = replayBaseOf(r, this.dbName, runId);
    const m = id ? await this.db.get('manifests', id) : undefined;
    const g = m?.meta.replayGeometry;
    if (!m || m.runId !== runId || m.meta.schema !== 3 || !m.meta.replay?.segments || !g) return null;
    if (g.numEnvs !== r.numEnvs || g.segmentCapacity !== r.segmentCapacity || g.frameHeight !== r.frameHeight || g.frameWidth !== r.frameWidth || g.prioritized !== (r.priorities !== null)) return null;
    return m;
  }

  private async writeSource(src: ArraySource, put: PutPart, progress: (n: number) => void, plan: SegmentPlan | null, base: Manifest | null): Promise<ArrayEntry> {
    const parts: BlobEntry[] = [];
    const segs = src.segmentRanges;
    const ranges = segs ?? partRanges(src.byteLength, src.align, this.partBytes);
    const enc = this.compress ? encodingFor(src.name, src.dtype, src.align) : null;
    const baseParts = segs && base ? base.arrays.find((a) => a.name === src.name)?.parts : undefined;
    for (let i = 0; i < ranges.length; i++) {
      const [off, len] = ranges[i];
      if (segs) {
        const j = plan!.from[i];
        if (j >= 0) {
          // Reused: the earlier save's blob, named by where it is stored (never copied).
          const p = baseParts?.[j];
          if (!p) throw new CheckpointError('aborted', `internal: ${src.name} of checkpoint ${base!.id} has no segment ${j}`);
          parts.push({ ...p, owner: p.owner ?? base!.id });
          continue;
        }
      }
      let bytes: Uint8Array;
      let encoding: BlobEncoding = {};
      if (enc) {
        // Compressed: the raw part only feeds the encoder, so it goes through one reused buffer.
        if (!this.partScratch || this.partScratch.length < len) this.partScratch = new Uint8Array(Math.max(len, this.partBytes));
        const raw = this.partScratch.subarray(0, len);
        src.readInto(off, len, raw);
        ({ bytes, encoding } = encodeBlob(raw, enc));
        if (bytes === raw) bytes = raw.slice(); // did not shrink: stored raw, in its own buffer
      } else {
        bytes = src.read(off, len);
      }
      parts.push(await put(segs ? segmentKey(src.name, plan!.segments[i]) : `${src.name}@${i}`, bytes, encoding));
      progress(len);
    }
    return { name: src.name, dtype: src.dtype, byteLength: src.byteLength, parts };
  }

  /** Runs `write` with a fresh checkpoint id; when storage is full prunes automatic saves and retries once. */
  private async withQuotaRetry(runId: string, needed: number, write: (id: string) => Promise<Manifest>): Promise<Manifest> {
    await this.precheckQuota(runId, needed);
    try {
      return await write(newId('ckpt'));
    } catch (e) {
      if (!isQuotaError(e)) throw e;
      const freed = this.pruneOnQuota ? await this.pruneForSpace(runId) : 0;
      if (freed === 0) throw await this.storageFullError(runId, needed, 'no automatic save of this run was left to remove', e);
      try {
        return await write(newId('ckpt'));
      } catch (e2) {
        if (!isQuotaError(e2)) throw e2;
        throw await this.storageFullError(runId, needed, `removed ${freed} older automatic save(s) and it still does not fit`, e2);
      }
    }
  }

  /**
   * The one wording of "storage is full": what happened (and the browser's own words), what was
   * kept (the checkpoint a resume would use), what to do.
   */
  private async storageFullError(runId: string, needed: number, why: string, cause?: unknown, what: 'save' | 'import' = 'save'): Promise<CheckpointQuotaError> {
    const est = await this.estimate();
    const mb = (x: number) => `${(x / 1e6).toFixed(1)} MB`;
    const where = est.usage !== null && est.quota !== null ? ` Storage in use: ${mb(est.usage)} of ${mb(est.quota)}.` : '';
    const c = cause as { name?: unknown; message?: unknown } | undefined;
    const detail = typeof c?.message === 'string' && c.message ? ` (browser: ${typeof c.name === 'string' ? `${c.name}: ` : ''}${c.message})` : '';
    let kept: string;
    if (what === 'import') kept = 'The import was refused; nothing was added.';
    else {
      const prev = await this.latest(runId).catch(() => null);
      kept = prev ? `The previous checkpoint (step ${prev.counters.agentSteps.toLocaleString('en-US')}) is intact.` : 'This run has no earlier checkpoint; nothing was changed.';
    }
    const remedy = what === 'save'
      ? 'Free space: export what you want to keep and delete old checkpoints or runs, or save without the replay buffer.'
      : 'Free space: export what you want to keep and delete old checkpoints or runs, or import a file without the replay buffer.';
    return new CheckpointQuotaError(
      `Storage is full: this ${what} (${mb(needed)}) was not written. ${kept} Cause: ${why}${detail}.${where} ${remedy}`,
      needed, est.usage, est.quota, cause,
    );
  }

  /** Refuses early (before writing anything) when the estimate says the save cannot fit. */
  private async precheckQuota(runId: string, needed: number, what: 'save' | 'import' = 'save'): Promise<void> {
    let est = await this.estimate();
    if (est.usage === null || est.quota === null) return;
    if (est.quota - est.usage >= needed) return;
    const freed = this.pruneOnQuota && what === 'save' ? await this.pruneForSpace(runId) : 0;
    est = await this.estimate();
    if (est.usage !== null && est.quota !== null && est.quota - est.usage < needed) {
      const why = what === 'import' ? 'the storage estimate leaves too little room' : freed ? `removed ${freed} older automatic save(s) and it still does not fit` : 'the storage estimate leaves too little room and no automatic save of this run was left to remove';
      throw await this.storageFullError(runId, needed, why, undefined, what);
    }
  }

  /**
   * The atomic part: pending mark, blobs, then one transaction with manifest + run update +
   * pruning. On a normal error the new blobs are deleted before rethrowing.
   */
  private async writeCheckpoint(id: string, runId: string, total: number, writeParts: (put: PutPart) => Promise<Manifest>): Promise<Manifest> {
    const faults = this.opts.faults;
    this.active.add(id);
    let index = 0;
    try {
      const now = Date.now();
      await this.db.put('pending', { id, runId, owner: this.owner, startedAt: now, touchedAt: now });
      const put: PutPart = async (key, bytes, encoding = {}) => {
        await faults?.beforePart?.(index, key);
        index++;
        const sha = await sha256Hex(bytes);
        const tx = this.db.transaction(['blobs', 'pending'], 'readwrite');
        void tx.objectStore('blobs').put(bytes, [id, key]);
        void tx.objectStore('pending').put({ id, runId, owner: this.owner, startedAt: now, touchedAt: Date.now() });
        await tx.done;
        return { key, size: bytes.length, sha256: sha, ...encoding };
      };
      const manifest = await writeParts(put);
      await faults?.beforeManifest?.();
      if (rawBytesOf(manifest) !== total) throw new CheckpointError('aborted', 'internal: byte count changed during the save');
      const pruned = await this.commitManifest(manifest); // also deletes the pruned checkpoints' unshared blobs
      this.active.delete(id);
      this.reportPruned(pruned);
      // Leftovers of earlier crashed saves (any tab) go now rather than at the next page load.
      await this.collectGarbage().catch(() => undefined);
      return manifest;
    } catch (e) {
      this.active.delete(id);
      if (!(e instanceof SimulatedCrash)) {
        await this.deleteBlobsOf([id]).catch(() => undefined);
        await this.db.delete('pending', id).catch(() => undefined);
      }
      throw e;
    }
  }

  /**
   * Fault injection (e2e, through RunController.simulateFault 'slow-save'): hooks that run inside
   * every later save of this store (undefined removes them). Nothing in the normal path sets it.
   */
  setFaultsForTest(f: StoreFaults | undefined): void {
    this.opts.faults = f;
  }

  /** The final transaction. Returns what it pruned (their blobs no kept manifest names are deleted in it too). */
  private async commitManifest(m: Manifest): Promise<PrunedCheckpoint[]> {
    const tx = this.db.transaction(['manifests', 'runs', 'pending', 'blobs'], 'readwrite', { durability: 'strict' });
    const runs = tx.objectStore('runs');
    const mans = tx.objectStore('manifests');
    const blobs = tx.objectStore('blobs');
    const stored = await runs.get(m.runId);
    const run = stored ? migrateRunRecord(stored) : undefined;
    const abort = async (e: CheckpointError): Promise<never> => {
      tx.abort();
      await tx.done.catch(() => undefined);
      throw e;
    };
    if (!run) await abort(new CheckpointError('not-found', `run ${m.runId} was deleted during the save`));
    // Reused segments must still be there: only a manifest that names them keeps them, and this
    // one is not stored yet (another tab may have deleted their last other checkpoint).
    for (const a of m.arrays) for (const p of a.parts) {
      if (p.owner !== undefined && (await blobs.getKey([p.owner, p.key])) === undefined) {
        await abort(new CheckpointError('aborted', `replay segment ${p.key} of checkpoint ${p.owner} was deleted during the save; save again (it will write the whole replay)`));
      }
    }
    const existing = await mans.index('byRun').getAll(m.runId);
    const all = [...existing, m];
    const policy = retentionOf(m);
    const keep = keptByPolicy(all, policy);
    keep.add(m.id);
    const gone = all.filter((x) => !keep.has(x.id));
    const pruned = gone.map((x): PrunedCheckpoint => ({
      id: x.id, runId: x.runId, reason: x.reason, agentSteps: x.counters.agentSteps, why: x.reason === 'timed' ? 'superseded' : 'rotation', keepLast: policy.keepLast,
    }));
    void mans.put(m);
    for (const p of pruned) void mans.delete(p.id);
    const kept = all.filter((x) => keep.has(x.id));
    await sweepGroups(blobs, groupsOf(gone), kept);
    const newest = kept.sort(byRecency)[0];
    run!.latestId = newest.id;
    run!.latestCounters = newest.counters;
    run!.updatedAt = Date.now();
    run!.mode = { ...m.meta.run.mode };
    void runs.put(run!);
    void tx.objectStore('pending').delete(m.id);
    await tx.done;
    return pruned;
  }

  /**
   * Storage is full: deletes this run's automatic saves except the latest checkpoint and the
   * best evaluated one. Manual saves and imports are never touched (the user deletes those).
   */
  private async pruneForSpace(runId: string): Promise<number> {
    const list = await this.listCheckpoints(runId);
    if (list.length <= 1) return 0;
    const policy = retentionOf(list[0]);
    const keep = new Set([list[0].id]);
    if (policy.keepBest) {
      const b = bestOf(list.filter((m) => isAutomaticSave(m.reason)));
      if (b) keep.add(b.id);
    }
    const drop = list.filter((m) => isAutomaticSave(m.reason) && !keep.has(m.id));
    for (const m of drop) await this.deleteCheckpointNow(m.id);
    this.reportPruned(drop.map((m) => ({ id: m.id, runId, reason: m.reason, agentSteps: m.counters.agentSteps, why: 'space', keepLast: policy.keepLast })));
    return drop.length;
  }

  // ------------------------------------------------------------------ reading

  /**
   * One part's bytes as decoded (what the array holds), checked against the stored size and
   * SHA-256 and then its decoded size. With `into` (at least the part's raw size) a compressed
   * part is decoded into it (a view of it is returned): loads reuse one buffer per array.
   */
  async readPart(checkpointId: string, part: BlobEntry, into?: Uint8Array): Promise<Uint8Array> {
    const stored = await this.readStoredPart(checkpointId, part);
    return decodeBlob(stored, part, `checkpoint ${checkpointId}`, into);
  }

  /** One part as stored (compressed if encoded), checked against its size and SHA-256 (what export writes). */
  async readStoredPart(checkpointId: string, part: BlobEntry): Promise<Uint8Array> {
    const v = await this.db.get('blobs', [part.owner ?? checkpointId, part.key]);
    if (!v) throw new CheckpointCorruptError(`checkpoint ${checkpointId}: blob ${part.key} is missing`);
    const bytes = v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer);
    if (bytes.length !== part.size) throw new CheckpointCorruptError(`checkpoint ${checkpointId}: blob ${part.key} has ${bytes.length} bytes, manifest says ${part.size}`);
    const sha = await sha256Hex(bytes);
    if (sha !== part.sha256) throw new CheckpointCorruptError(`checkpoint ${checkpointId}: blob ${part.key} fails its SHA-256 check`);
    return bytes;
  }

  /** A whole (small) array, verified. For big arrays iterate parts with readPart(). */
  async readArray(m: Manifest, name: string): Promise<Uint8Array> {
    const e = m.arrays.find((a) => a.name === name);
    if (!e) throw new CheckpointCorruptError(`checkpoint ${m.id}: no array ${name}`);
    const out = new Uint8Array(e.byteLength);
    let o = 0;
    for (const p of e.parts) {
      const n = rawSizeOf(p);
      if (o + n > out.length) throw new CheckpointCorruptError(`checkpoint ${m.id}: ${name} parts exceed ${e.byteLength} bytes`);
      // Decoded straight into its place in the array (raw parts are copied there).
      const b = await this.readPart(m.id, p, out.subarray(o, o + n));
      if (b.buffer !== out.buffer || b.byteOffset !== out.byteOffset + o) out.set(b, o);
      o += b.length;
    }
    if (o !== e.byteLength) throw new CheckpointCorruptError(`checkpoint ${m.id}: ${name} parts hold ${o} bytes, expected ${e.byteLength}`);
    return out;
  }

  hasArray(m: Manifest, name: string): boolean {
    return m.arrays.some((a) => a.name === name);
  }

  /** Reads and checks every blob of a checkpoint (throws CheckpointCorruptError on the first bad one). */
  async verify(id: string): Promise<void> {
    const m = await this.getManifest(id);
    for (const a of m.arrays) {
      let sum = 0;
      let scratch: Uint8Array | undefined;
      for (const p of a.parts) {
        const n = rawSizeOf(p);
        if (p.codec && (!scratch || scratch.length < n)) scratch = new Uint8Array(n);
        sum += (await this.readPart(id, p, p.codec ? scratch : undefined)).length;
      }
      if (sum !== a.byteLength) throw new CheckpointCorruptError(`checkpoint ${id}: ${a.name} holds ${sum} bytes, expected ${a.byteLength}`);
    }
  }

  /** The metric history saved with a checkpoint (undefined if none). */
  async readMetrics(m: Manifest): Promise<unknown> {
    if (!m.meta.hasMetrics) return undefined;
    return JSON.parse(new TextDecoder().decode(await this.readArray(m, 'metrics')));
  }

  // ------------------------------------------------------------------ deleting

  deleteCheckpoint(id: string): Promise<void> {
    return this.exclusive(() => this.deleteCheckpointNow(id));
  }

  /** Deletes a checkpoint and, in the same transaction, its blobs that no other checkpoint of its run still names. */
  private async deleteCheckpointNow(id: string): Promise<void> {
    const tx = this.db.transaction(['manifests', 'runs', 'blobs'], 'readwrite');
    const m = await tx.objectStore('manifests').get(id);
    if (m) {
      await tx.objectStore('manifests').delete(id);
      const rest = (await tx.objectStore('manifests').index('byRun').getAll(m.runId)).filter((x) => x.id !== id).sort(byRecency);
      await sweepGroups(tx.objectStore('blobs'), groupsOf([m]), rest);
      const stored = await tx.objectStore('runs').get(m.runId);
      const run = stored ? migrateRunRecord(stored) : undefined;
      if (run && run.latestId === id) {
        run.latestId = rest[0]?.id ?? null;
        run.latestCounters = rest[0]?.counters ?? null;
        await tx.objectStore('runs').put(run);
      }
    }
    await tx.done;
  }

  deleteRun(runId: string): Promise<void> {
    return this.exclusive(async () => {
      const ids = (await this.db.getAllKeysFromIndex('manifests', 'byRun', runId)) as string[];
      const tx = this.db.transaction(['manifests', 'runs'], 'readwrite');
      for (const id of ids) void tx.objectStore('manifests').delete(id);
      void tx.objectStore('runs').delete(runId);
      await tx.done;
      await this.deleteBlobsOf(ids);
    });
  }

  /** Deletes every blob of checkpoints whose blobs nothing can name (a failed save, a deleted run). */
  private async deleteBlobsOf(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.db.delete('blobs', groupRange(id));
  }

  /**
   * Deletes blobs no manifest names: saves that crashed (any tab) or were interrupted. A pending
   * save of another live tab is left alone while it keeps touching its mark.
   */
  async collectGarbage(): Promise<{ deletedCheckpoints: number }> {
    const grace = this.opts.pendingGraceMs ?? 60_000;
    const now = Date.now();
    // One transaction: no save can commit a manifest naming a blob between the read of the
    // manifests and the deletions.
    const tx = this.db.transaction(['manifests', 'blobs', 'pending'], 'readwrite');
    const pending = await tx.objectStore('pending').getAll();
    const alive = new Set<string>();
    for (const p of pending) {
      const mine = p.owner === this.owner;
      if ((mine && this.active.has(p.id)) || (!mine && now - p.touchedAt < grace)) alive.add(p.id);
    }
    const all = await tx.objectStore('manifests').getAll();
    const manifests = new Set(all.map((m) => m.id));
    const named = referencedKeys(all);
    const blobs = tx.objectStore('blobs');
    const groups: string[] = [];
    let cur = await blobs.openKeyCursor();
    while (cur) {
      const id = (cur.key as [string, string])[0];
      groups.push(id);
      cur = await cur.continue([id, []] as unknown as [string, string]);
    }
    let deleted = 0;
    for (const id of groups) {
      if (manifests.has(id) || alive.has(id)) continue;
      const keep = named.get(id);
      if (!keep) deleted++; // its checkpoint never committed, or nothing it wrote is named any more
      await sweepGroups(blobs, [id], keep ? all : []);
    }
    const ps = tx.objectStore('pending');
    for (const p of pending) {
      if (alive.has(p.id)) continue;
      if (!groups.includes(p.id) && !manifests.has(p.id)) deleted++; // a dead save that wrote no blob yet
      void ps.delete(p.id);
    }
    await tx.done;
    return { deletedCheckpoints: deleted };
  }

  /**
   * Consistency of blobs and manifests (tests, diagnostics): blobs no manifest names (garbage:
   * left only by an interrupted save until collectGarbage()) and blobs a manifest names that are
   * not stored (must never happen).
   */
  async blobAudit(): Promise<{ unnamed: Array<[string, string]>; missing: Array<[string, string]> }> {
    const tx = this.db.transaction(['manifests', 'blobs'], 'readonly');
    const named = new Set<string>();
    const k = (owner: string, key: string): string => JSON.stringify([owner, key]);
    for (const m of await tx.objectStore('manifests').getAll()) for (const a of m.arrays) for (const p of a.parts) named.add(k(p.owner ?? m.id, p.key));
    const stored = new Set(((await tx.objectStore('blobs').getAllKeys()) as Array<[string, string]>).map(([o, key]) => k(o, key)));
    await tx.done;
    const back = (x: string) => JSON.parse(x) as [string, string];
    return { unnamed: [...stored].filter((x) => !named.has(x)).map(back), missing: [...named].filter((x) => !stored.has(x)).map(back) };
  }

  /** Ids of checkpoints that have blobs stored (for tests and diagnostics). */
  async blobCheckpointIds(): Promise<string[]> {
    const out: string[] = [];
    const tx = this.db.transaction('blobs', 'readonly');
    let cur = await tx.store.openKeyCursor();
    while (cur) {
      const id = (cur.key as [string, string])[0];
      out.push(id);
      cur = await cur.continue([id, []] as unknown as [string, string]);
    }
    await tx.done;
    return out;
  }

  // ------------------------------------------------------------------ storage

  /** navigator.storage.estimate() (or the injected one); nulls when unavailable. */
  async estimate(): Promise<StorageEstimate> {
    const nav = (globalThis as { navigator?: { storage?: StorageManager } }).navigator;
    const fn = this.opts.estimate === undefined ? (nav?.storage?.estimate ? () => nav.storage!.estimate() : null) : this.opts.estimate;
    let persisted: boolean | null = null;
    try {
      if (nav?.storage?.persisted) persisted = await nav.storage.persisted();
    } catch { persisted = null; }
    if (!fn) return { usage: null, quota: null, persisted };
    try {
      const e = await fn();
      return { usage: e.usage ?? null, quota: e.quota ?? null, persisted };
    } catch {
      return { usage: null, quota: null, persisted };
    }
  }

  /** Asks the browser not to evict this origin's data (navigator.storage.persist()). */
  static async requestPersistence(): Promise<boolean | null> {
    const nav = (globalThis as { navigator?: { storage?: StorageManager } }).navigator;
    if (!nav?.storage?.persist) return null;
    try {
      return await nav.storage.persist();
    } catch {
      return false;
    }
  }

  // ------------------------------------------------------------------ import support

  /**
   * Writes a checkpoint whose parts come from elsewhere (an imported file), with the same
   * atomicity as save(). `writeParts` gets a writer for verified parts and returns the manifest.
   */
  writeExternal(run: RunRecord, needed: number, writeParts: (id: string, put: PutPart) => Promise<Manifest>, content?: { counters: Manifest['counters']; arrays: readonly ArrayEntry[] }): Promise<Manifest> {
    return this.exclusive(async () => {
      // Inside the exclusive section, so two imports of one file at once still add it once.
      if (content) {
        const dup = await this.findContent(await contentIdOf(content));
        if (dup) {
          const owner = await this.getRun(dup.runId);
          throw new CheckpointError('duplicate',
            `this checkpoint is already here: "${owner?.name ?? dup.runId}" at step ${dup.counters.agentSteps.toLocaleString('en-US')} ` +
            `(${dup.reason}, saved ${new Date(dup.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC). Nothing was imported.`);
        }
      }
      const existing = await this.getRun(run.runId);
      if (!existing) await this.db.add('runs', run);
      try {
        await this.precheckQuota(run.runId, needed, 'import');
        const id = newId('ckpt');
        // The write's own size check is of decoded bytes (needed = stored bytes, for the quota).
        return await this.writeCheckpoint(id, run.runId, content ? rawBytesOf(content) : needed, (put) => writeParts(id, put));
      } catch (e) {
        if (!existing) await this.db.delete('runs', run.runId).catch(() => undefined);
        if (isQuotaError(e) && !(e instanceof CheckpointQuotaError)) throw await this.storageFullError(run.runId, needed, 'the browser refused to store it', e, 'import');
        throw e;
      }
    });
  }

  /** The stored checkpoint with this content id (content-id.ts), or null. */
  async findContent(contentId: string): Promise<Manifest | null> {
    for (const m of await this.db.getAll('manifests')) {
      if ((await contentIdOf(m)) === contentId) return migrateManifest(m);
    }
    return null;
  }

  newRunId(): string {
    return newId('run');
  }
}
