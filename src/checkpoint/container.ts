import { validateConfig } from '../agent/config';
import { validateRunConfig } from '../run/config';
import { migrateManifest } from './migrate';
import { CheckpointCorruptError, CheckpointError, CheckpointFormatError } from './errors';
import { sha256, toHex } from './hash';
import { checkEncoding, decodeBlob, rawSizeOf, type BlobEncoding } from './blob-codec';
import { layoutFromMeta, type NetLayout } from './safetensors';
import { checkSegments, SEGMENTED_REPLAY_ARRAYS } from './segments';
import type { CheckpointStore } from './store';
import type { ArrayEntry, BlobEntry, Manifest, RunRecord } from './types';

/**
 * Export/import of one checkpoint as a single file (format: FORMAT.md in this folder).
 *
 *   "ARCLABCK" | u32 version | u32 header length H | header JSON (H bytes) | SHA-256(header)
 *   | blob 0 | blob 1 | ... (sizes and SHA-256 in the header) | "ARCLABOK"
 *
 * Both directions stream: export reads one blob from IndexedDB at a time (verifying it), import
 * verifies each blob as it arrives and writes it before reading the next, so neither holds more
 * than one part (<= the store's part size, 8 MiB by default) plus the source's own chunk.
 *
 * Blobs travel as stored (version 2: compressed where their entry names a codec, blob-codec.ts):
 * export never recompresses, import stores what it read after checking its SHA-256 and that it
 * decodes to its declared size. Version 1 files (every blob raw) are still read.
 */

export const CONTAINER_MAGIC = 'ARCLABCK';
export const CONTAINER_TRAILER = 'ARCLABOK';
/** Written: 2 (blobs may be compressed). */
export const CONTAINER_VERSION = 2;
/** Read: 1 (every blob raw) and 2. */
export const READABLE_CONTAINER_VERSIONS: readonly number[] = [1, 2];
/** Largest header and blob accepted on import (bounds memory against hostile files). */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
export const MAX_BLOB_BYTES = 256 * 1024 * 1024;

export interface ContainerHeader {
  format: 'arcade-lab-checkpoint';
  version: number;
  exportedAt: string;
  run: { runId: string; name: string; createdAt: number };
  includesReplay: boolean;
  /** The checkpoint's manifest without its local id (arrays name the blobs, in file order). */
  manifest: Omit<Manifest, 'id' | 'runId'>;
  /** Total bytes of the blob section. */
  blobBytes: number;
  /**
   * Layout of net/online, net/target, adam/* (resolved conv/dense spec, input, action count,
   * dueling), derived from the manifest; optional (files before it lack it, readers here ignore it).
   * For readers that do not know our network presets (tools/python/arcadelab.py).
   */
  network?: NetLayout;
}

export interface ExportOptions {
  includeReplay?: boolean;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface ExportHandle {
  /** Exact size of the file in bytes. */
  size: number;
  header: ContainerHeader;
  /** The file's bytes, one verified blob at a time. */
  chunks(): AsyncGenerator<Uint8Array>;
  /** The same as a web ReadableStream (pull-based: nothing is read ahead of the consumer). */
  stream(): ReadableStream<Uint8Array>;
}

function ascii(s: string): Uint8Array {
  return new Uint8Array([...s].map((c) => c.charCodeAt(0)));
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** Prepares an export of checkpoint `id` (nothing is read until the chunks are consumed). */
export async function exportCheckpoint(store: CheckpointStore, id: string, o: ExportOptions = {}): Promise<ExportHandle> {
  const m = await store.getManifest(id);
  const run = await store.getRun(m.runId);
  const includeReplay = (o.includeReplay ?? true) && m.hasReplay;
  // A file is self-contained: every blob the checkpoint names, its own or reused replay segments
  // of earlier saves, is written into it, so `owner` (where IndexedDB keeps a blob) is dropped.
  const stored: ArrayEntry[] = m.arrays.filter((a) => includeReplay || !a.name.startsWith('replay/'));
  const arrays: ArrayEntry[] = stored.map((a) => ({ ...a, parts: a.parts.map(({ owner: _owner, ...p }) => p) }));
  const blobBytes = arrays.reduce((s, a) => s + a.parts.reduce((t, p) => t + p.size, 0), 0);
  const { id: _id, runId: _run, ...rest } = m;
  const header: ContainerHeader = {
    format: 'arcade-lab-checkpoint',
    version: CONTAINER_VERSION,
    exportedAt: new Date().toISOString(),
    run: { runId: m.runId, name: run?.name ?? m.runId, createdAt: run?.createdAt ?? m.createdAt },
    includesReplay: includeReplay,
    manifest: { ...rest, hasReplay: includeReplay, totalBytes: blobBytes, arrays, meta: { ...m.meta, replay: includeReplay ? m.meta.replay : null } },
    blobBytes,
    network: layoutFromMeta(m.meta),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const size = 16 + headerBytes.length + 32 + blobBytes + 8;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let done = 0;
    const head = new Uint8Array(16 + headerBytes.length + 32);
    head.set(ascii(CONTAINER_MAGIC), 0);
    head.set(u32(CONTAINER_VERSION), 8);
    head.set(u32(headerBytes.length), 12);
    head.set(headerBytes, 16);
    head.set(await sha256(headerBytes), 16 + headerBytes.length);
    done += head.length;
    o.onProgress?.(done, size);
    yield head;
    for (const a of stored) {
      for (const p of a.parts) {
        const b = await store.readStoredPart(id, p); // verified: an export never carries a corrupt blob
        done += b.length;
        o.onProgress?.(done, size);
        yield b;
      }
    }
    done += 8;
    o.onProgress?.(done, size);
    yield ascii(CONTAINER_TRAILER);
  }
  return {
    size,
    header,
    chunks,
    stream() {
      const it = chunks();
      return new ReadableStream<Uint8Array>({
        async pull(ctrl) {
          const r = await it.next();
          if (r.done) ctrl.close();
          else ctrl.enqueue(r.value);
        },
        async cancel() {
          await it.return(undefined);
        },
      });
    },
  };
}

/** A file name for an export: game, run name, agent steps. */
export function exportFileName(header: ContainerHeader): string {
  const game = (header.manifest.meta.run.gameName ?? header.manifest.meta.run.gameMd5.slice(0, 8)).replace(/[^A-Za-z0-9_-]+/g, '_');
  return `${game}-${header.manifest.counters.agentSteps}steps${header.includesReplay ? '' : '-noreplay'}.arcadelab`;
}

// ---------------------------------------------------------------------- import

export type ImportSource = Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array | ArrayBuffer;

async function* chunksOf(src: ImportSource): AsyncGenerator<Uint8Array> {
  if (src instanceof Uint8Array) { yield src; return; }
  if (src instanceof ArrayBuffer) { yield new Uint8Array(src); return; }
  if (typeof Blob !== 'undefined' && src instanceof Blob) {
    // A File from <input> is read lazily, 4 MiB slices at a time. (Not Blob.stream(): Chromium
    // failed it with "network error" on a 700 MB Blob assembled from parts, slices worked.)
    const step = 4 * 1024 * 1024;
    for (let o = 0; o < src.size; o += step) yield new Uint8Array(await src.slice(o, Math.min(src.size, o + step)).arrayBuffer());
    return;
  }
  if (typeof (src as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (src as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* src as AsyncIterable<Uint8Array>;
}

/**
 * Reads exact byte counts from a chunk stream; running out is a typed 'truncated' error. Chunks
 * are queued and each read copies its bytes once (sources like Blob.stream() deliver 64 KiB
 * chunks: joining them pairwise would be quadratic in the part size).
 */
class ByteReader {
  private queue: Uint8Array[] = [];
  private head = 0; // read offset into queue[0]
  private queued = 0; // unread bytes in the queue
  private ended = false;
  consumed = 0;
  constructor(private readonly it: AsyncGenerator<Uint8Array>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.queued < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) { this.ended = true; break; }
      if (r.value.length === 0) continue;
      this.queue.push(r.value);
      this.queued += r.value.length;
    }
    return this.queued >= n;
  }

  async read(n: number, what: string): Promise<Uint8Array> {
    if (!(await this.fill(n))) {
      throw new CheckpointFormatError('truncated', `checkpoint file is truncated: it ends inside ${what} (after ${this.consumed + this.queued} bytes)`);
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.queue[0];
      const take = Math.min(c.length - this.head, n - o);
      out.set(c.subarray(this.head, this.head + take), o);
      o += take;
      this.head += take;
      if (this.head === c.length) { this.queue.shift(); this.head = 0; }
    }
    this.queued -= n;
    this.consumed += n;
    return out;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }

  async close(): Promise<void> {
    await this.it.return(undefined);
  }
}

export interface ImportOptions {
  /** Whether a game (ROM md5) is available here; unknown games are refused. Default: all known. */
  knownGame?: (md5: string) => boolean | Promise<boolean>;
  onProgress?: (doneBytes: number, totalBytes: number | null) => void;
  /** Name for the imported run (default: the exported run's name). */
  name?: string;
}

function fail(msg: string): never {
  throw new CheckpointFormatError('format', `not a valid checkpoint file: ${msg}`);
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNonNegInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Structural checks of a parsed header (before anything is written). */
export function validateHeader(h: unknown): ContainerHeader {
  if (!isObj(h)) fail('header is not an object');
  if (h.format !== 'arcade-lab-checkpoint') fail(`header format is ${JSON.stringify(h.format)}`);
  if (!READABLE_CONTAINER_VERSIONS.includes(h.version as number)) {
    throw new CheckpointFormatError('version', `checkpoint file header version ${String(h.version)} is not supported (this build reads versions ${READABLE_CONTAINER_VERSIONS.join(', ')})`);
  }
  if (!isObj(h.run) || typeof h.run.runId !== 'string' || typeof h.run.name !== 'string') fail('run is missing');
  const m = h.manifest;
  if (!isObj(m) || !isObj(m.meta) || !Array.isArray(m.arrays) || !isObj(m.counters)) fail('manifest is missing');
  const meta = m.meta as Record<string, unknown>;
  if (meta.schema !== 1 && meta.schema !== 2 && meta.schema !== 3) throw new CheckpointFormatError('version', `checkpoint schema ${String(meta.schema)} is not supported`);
  if (!isObj(meta.run) || typeof meta.run.gameMd5 !== 'string' || !/^[0-9a-f]{32}$/.test(meta.run.gameMd5)) fail('game md5 missing');
  try {
    validateConfig(meta.run.agent as never);
  } catch (e) {
    fail(`hyperparameters invalid (${(e as Error).message})`);
  }
  for (const k of ['agentSteps', 'vectorSteps', 'frames', 'episodes', 'gradientUpdates']) {
    if (!isNonNegInt((m.counters as Record<string, unknown>)[k])) fail(`counter ${k} invalid`);
  }
  let total = 0;
  const keys = new Set<string>();
  for (const a of m.arrays as unknown[]) {
    if (!isObj(a) || typeof a.name !== 'string' || !isNonNegInt(a.byteLength) || !Array.isArray(a.parts) || !['u8', 'f32', 'f64'].includes(a.dtype as string)) fail('array entry invalid');
    let sum = 0;
    for (const p of a.parts as unknown[]) {
      if (!isObj(p) || typeof p.key !== 'string' || !isNonNegInt(p.size) || typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256)) fail(`blob entry of ${a.name} invalid`);
      if (p.size > MAX_BLOB_BYTES) fail(`blob ${p.key} is larger than ${MAX_BLOB_BYTES} bytes`);
      if (keys.has(p.key)) fail(`blob ${p.key} appears twice`);
      keys.add(p.key);
      // Version 1 had no encodings: a codec there is not a file this format describes.
      if (h.version === 1 && (p.codec !== undefined || p.filter !== undefined)) fail(`blob ${p.key} names a codec in a version 1 file`);
      checkEncoding(p as unknown as BlobEncoding & { key: string; size: number });
      const raw = rawSizeOf(p as unknown as BlobEncoding & { size: number });
      if (raw > MAX_BLOB_BYTES) fail(`blob ${p.key} decodes to more than ${MAX_BLOB_BYTES} bytes`);
      sum += raw;
      total += p.size;
    }
    if (sum !== a.byteLength) fail(`array ${a.name} declares ${a.byteLength} bytes but its blobs hold ${sum}`);
  }
  if (total !== h.blobBytes) fail(`blob section declared as ${String(h.blobBytes)} bytes, blobs hold ${total}`);
  const names = new Set((m.arrays as ArrayEntry[]).map((a) => a.name));
  for (const need of ['net/online', 'net/target', 'agent/stacks']) if (!names.has(need)) fail(`array ${need} missing`);
  if (m.hasReplay && !names.has('replay/frames')) fail('replay announced but missing');
  if (meta.schema === 3 && m.hasReplay) {
    // The segment list must tile each env's live rows and match the segmented arrays' parts.
    const r = meta.replay as { totals?: unknown; segments?: unknown } | null;
    const g = meta.replayGeometry as { segmentCapacity?: unknown } | undefined;
    if (!r || !Array.isArray(r.totals) || !r.totals.every(isNonNegInt) || !isObj(g) || !isNonNegInt(g.segmentCapacity) || g.segmentCapacity === 0) fail('replay bookkeeping invalid');
    try {
      checkSegments(r.segments, r.totals as number[], g.segmentCapacity as number, 'checkpoint file');
    } catch (e) {
      fail((e as Error).message);
    }
    for (const a of m.arrays as ArrayEntry[]) {
      if (SEGMENTED_REPLAY_ARRAYS.has(a.name) && a.parts.length !== (r.segments as unknown[]).length) fail(`array ${a.name} has ${a.parts.length} parts for ${(r.segments as unknown[]).length} replay segments`);
    }
  }
  return h as unknown as ContainerHeader;
}

/**
 * Imports a checkpoint file as a new checkpoint (of the exported run if it is not in this
 * store, else of a new run). Validates magic, version, header checksum and structure, the game,
 * then every blob's size and SHA-256 while streaming. Any failure -> typed CheckpointError and
 * nothing of the import remains; existing runs and checkpoints are never touched.
 */
export async function importCheckpoint(store: CheckpointStore, src: ImportSource, o: ImportOptions = {}): Promise<{ run: RunRecord; manifest: Manifest }> {
  const reader = new ByteReader(chunksOf(src));
  try {
    const magic = await reader.read(8, 'the file signature').catch((e) => {
      throw e instanceof CheckpointFormatError ? new CheckpointFormatError('truncated', `checkpoint file is truncated or empty (${e.message})`) : e;
    });
    if (String.fromCharCode(...magic) !== CONTAINER_MAGIC) fail('wrong file signature (expected an Arcade Lab .arcadelab checkpoint)');
    const head = new DataView((await reader.read(8, 'the file header')).buffer);
    const version = head.getUint32(0, true);
    if (!READABLE_CONTAINER_VERSIONS.includes(version)) {
      throw new CheckpointFormatError('version', `checkpoint file version ${version} is not supported (this build reads versions ${READABLE_CONTAINER_VERSIONS.join(', ')})`);
    }
    const hlen = head.getUint32(4, true);
    if (hlen < 2 || hlen > MAX_HEADER_BYTES) fail(`header length ${hlen} out of range`);
    const headerBytes = await reader.read(hlen, 'the header');
    const headerSha = await reader.read(32, 'the header checksum');
    if (toHex(await sha256(headerBytes)) !== toHex(headerSha)) throw new CheckpointCorruptError('checkpoint file header fails its SHA-256 check (file corrupted)');
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
    } catch {
      fail('header is not JSON');
    }
    const h0 = validateHeader(parsed);
    if (h0.version !== version) fail(`header version ${h0.version} differs from the file's version ${version}`);
    const h: ContainerHeader = { ...h0, manifest: migrateManifest(h0.manifest) };
    const problems = validateRunConfig(h.manifest.meta.run);
    if (problems.length) fail(`run config invalid (${problems.join('; ')})`);
    const md5 = h.manifest.meta.run.gameMd5;
    if (o.knownGame && !(await o.knownGame(md5))) {
      throw new CheckpointFormatError('unknown-game', `checkpoint is for a game this app does not have (ROM md5 ${md5}${h.manifest.meta.run.gameName ? `, ${h.manifest.meta.run.gameName}` : ''}); add the ROM first`);
    }
    const total = reader.consumed + h.blobBytes + 8;
    o.onProgress?.(reader.consumed, total);
    const exists = await store.getRun(h.run.runId);
    const now = Date.now();
    const run: RunRecord = {
      runId: exists ? store.newRunId() : h.run.runId,
      name: o.name ?? (exists ? `${h.run.name} (imported)` : h.run.name),
      createdAt: exists ? now : h.run.createdAt,
      updatedAt: now,
      gameMd5: md5,
      gameName: h.manifest.meta.run.gameName,
      mode: { ...h.manifest.meta.run.mode },
      latestId: null,
      latestCounters: null,
    };
    let scratch: Uint8Array | undefined; // decode check target, reused by every compressed blob
    const manifest = await store.writeExternal(run, h.blobBytes, async (id, put) => {
      const arrays: ArrayEntry[] = [];
      for (const a of h.manifest.arrays) {
        const parts: BlobEntry[] = [];
        for (const p of a.parts) {
          const bytes = await reader.read(p.size, `blob ${p.key}`);
          const encoding: BlobEncoding = p.codec ? { codec: p.codec, filter: p.filter, stride: p.stride, rawSize: p.rawSize } : {};
          if (encoding.filter === undefined) { delete encoding.filter; delete encoding.stride; }
          // put() hashes what it stores; a mismatch aborts the import, which deletes every blob written.
          const e = await put(p.key, bytes, encoding);
          if (e.sha256 !== p.sha256) throw new CheckpointCorruptError(`checkpoint file is corrupted: blob ${p.key} fails its SHA-256 check`);
          if (p.codec) {
            // A blob that passed its checksum but does not decode would only fail at restore: check now.
            if (!scratch || scratch.length < p.rawSize!) scratch = new Uint8Array(p.rawSize!);
            decodeBlob(bytes, p, 'checkpoint file', scratch);
          }
          parts.push(e);
          o.onProgress?.(reader.consumed, total);
        }
        arrays.push({ name: a.name, dtype: a.dtype, byteLength: a.byteLength, parts });
      }
      const trailer = await reader.read(8, 'the end marker');
      if (String.fromCharCode(...trailer) !== CONTAINER_TRAILER) fail('end marker missing (file corrupted)');
      if (!(await reader.atEnd())) fail('unexpected data after the end marker');
      o.onProgress?.(reader.consumed, total);
      return { ...h.manifest, id, runId: run.runId, reason: 'import', arrays };
    }, h.manifest);
    return { run: (await store.getRun(run.runId)) as RunRecord, manifest };
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError('aborted', `import failed: ${(e as Error).message}`, { cause: e });
  } finally {
    await reader.close().catch(() => undefined);
  }
}
