import { deflateSync, inflateSync } from 'fflate';
import { CheckpointCorruptError, CheckpointFormatError } from './errors';

/**
 * How one stored blob (a part of an array) is encoded (FORMAT.md "Blob encodings").
 *
 * Replay frames dominate a checkpoint (a 100k replay is ~700 MB of 84x84 frames) and consecutive
 * Atari frames are nearly identical: XOR with the previous frame leaves ~1% of the 32-bit words
 * non-zero on real Pong. `xor-sparse32` keeps only those words plus a bitmap of where they were,
 * in one linear pass over 32-bit words (GB/s), and raw DEFLATE squeezes what is left. Deflating
 * the whole 700 MB instead ran at ~100 MiB/s (fflate or CompressionStream, Chromium, loaded
 * 2-core machine): 7+ s per save. DEFLATE because Python's zlib (stdlib) reads it, so the
 * Python reader needs nothing beyond numpy. Measurements: src/checkpoint/README.md.
 *
 * Absent fields = the blob is stored raw (every blob written before container version 2, and
 * blobs that compression would not shrink, e.g. float32 weights).
 */
export interface BlobEncoding {
  /** 'deflate-raw': the stored bytes are raw DEFLATE (RFC 1951, no zlib/gzip wrapper). */
  codec?: 'deflate-raw';
  /** Applied before DEFLATE: 'xor-sparse32' (below), with `stride` = bytes per frame. */
  filter?: 'xor-sparse32';
  stride?: number;
  /** Bytes after decoding (the array's bytes this blob carries); the stored size is the entry's `size`. */
  rawSize?: number;
}

export const CODECS: ReadonlySet<string> = new Set(['deflate-raw']);
export const FILTERS: ReadonlySet<string> = new Set(['xor-sparse32']);

/**
 * DEFLATE level: 1. On filtered frames the DEFLATE input is ~4% of the raw size, so a higher
 * level gains little there; on the other u8 blobs level 1 keeps a save's fast path fast.
 */
const LEVEL = 1;

/** Which encoding a save uses for an array (by its name/type), or null to store it raw. */
export function encodingFor(name: string, dtype: string, align: number): BlobEncoding | null {
  // float32/float64 (weights, Adam moments, rewards, priorities) barely compress (~1.1x): not worth the time.
  if (dtype !== 'u8') return null;
  if (name === 'replay/frames' && align % 4 === 0 && align > 0) return { codec: 'deflate-raw', filter: 'xor-sparse32', stride: align };
  return { codec: 'deflate-raw' };
}

// Scratch for the filter (grown, never shrunk): a save/load encodes one part at a time and the
// calls below are synchronous, so one buffer serves every part without per-part allocation.
let scratch = new Uint32Array(0);
function scratchWords(n: number): Uint32Array {
  if (scratch.length < n) scratch = new Uint32Array(n);
  return scratch;
}

/**
 * xor-sparse32, encode: words w[i] of the blob (u32 LE), d[i] = w[i] ^ w[i - stride/4] (the
 * first frame against zeros); output = bitmap of d[i] != 0 (bit i%8 of byte i>>3, LSB first,
 * ceil(n/8) bytes) followed by the non-zero d[i] in order, u32 LE. Returns a view of scratch.
 */
export function xorSparseEncode(raw: Uint8Array, stride: number): Uint8Array {
  const n = raw.length >> 2;
  const s = Math.min(stride >> 2, n);
  const w = new Uint32Array(raw.buffer, raw.byteOffset, n);
  const maskWords = (n + 31) >> 5; // bitmap as u32 words (LE = the byte layout above)
  const out = scratchWords(maskWords + n);
  out.fill(0, 0, maskWords);
  let k = maskWords;
  // Two loops instead of a per-word "first frame?" test: this runs over every word of the replay.
  for (let i = 0; i < s; i++) {
    const d = w[i];
    if (d !== 0) { out[i >> 5] |= 1 << (i & 31); out[k++] = d; }
  }
  for (let i = s; i < n; i++) {
    const d = w[i] ^ w[i - s];
    if (d !== 0) { out[i >> 5] |= 1 << (i & 31); out[k++] = d; }
  }
  const bytes = new Uint8Array(out.buffer, 0, k * 4);
  // The bitmap occupies ceil(n/8) bytes on disk, not a whole number of u32 words: close the gap.
  const maskBytes = (n + 7) >> 3;
  if (maskBytes !== maskWords * 4) bytes.copyWithin(maskBytes, maskWords * 4, k * 4);
  return bytes.subarray(0, maskBytes + (k - maskWords) * 4);
}

/**
 * xor-sparse32, decode: scatter the non-zero deltas into a zeroed output (walking the bitmap a
 * byte at a time, skipping zero bytes), then undo the XOR with one running pass
 * w[i] ^= w[i - stride/4]. Both loops are branch-light; a per-word decode loop with the bitmap
 * test inside ran ~10x slower in Chromium.
 */
export function xorSparseDecode(payload: Uint8Array, rawSize: number, stride: number, what: string, into?: Uint8Array): Uint8Array {
  const n = rawSize >> 2;
  const s = stride >> 2;
  const maskBytes = (n + 7) >> 3;
  if (payload.length < maskBytes || (payload.length - maskBytes) % 4 !== 0) throw new CheckpointCorruptError(`${what}: filtered payload has ${payload.length} bytes`);
  // Into the caller's buffer when it is u32-aligned (replay loads reuse one), else a fresh one.
  const out = into && into.length >= rawSize && into.byteOffset % 4 === 0 ? into.subarray(0, rawSize).fill(0) : new Uint8Array(rawSize);
  const w = new Uint32Array(out.buffer, out.byteOffset, n);
  const vals = (payload.length - maskBytes) >> 2;
  let k = maskBytes; // byte offset of the next value in the payload
  for (let byte = 0; byte < maskBytes; byte++) {
    let m = payload[byte];
    while (m !== 0) {
      const bit = 31 - Math.clz32(m & -m); // lowest set bit
      const i = (byte << 3) + bit;
      if (i >= n || k + 4 > payload.length) throw new CheckpointCorruptError(`${what}: filtered payload's bitmap does not match its values`);
      w[i] = payload[k] | (payload[k + 1] << 8) | (payload[k + 2] << 16) | (payload[k + 3] << 24);
      k += 4;
      m &= m - 1;
    }
  }
  if (k !== payload.length) throw new CheckpointCorruptError(`${what}: filtered payload holds ${vals} values, its bitmap names ${(k - maskBytes) >> 2}`);
  for (let i = s; i < n; i++) w[i] ^= w[i - s];
  return out;
}

/**
 * Encodes one blob for storage (`raw` is only read). Returns the raw bytes
 * themselves with an empty encoding when compression would not make them smaller.
 */
export function encodeBlob(raw: Uint8Array, e: BlobEncoding | null): { bytes: Uint8Array; encoding: BlobEncoding } {
  if (!e || raw.length === 0) return { bytes: raw, encoding: {} };
  const filtered = e.filter === 'xor-sparse32' && raw.length % 4 === 0 && raw.byteOffset % 4 === 0 && e.stride! % 4 === 0;
  const input = filtered ? xorSparseEncode(raw, e.stride!) : raw;
  const packed = deflateSync(input, { level: LEVEL });
  if (packed.length >= raw.length) return { bytes: raw, encoding: {} };
  return { bytes: packed, encoding: filtered ? { codec: 'deflate-raw', filter: 'xor-sparse32', stride: e.stride, rawSize: raw.length } : { codec: 'deflate-raw', rawSize: raw.length } };
}

/** Checks that this build can decode an entry's encoding (unknown codec = a newer writer: code 'version'). */
export function checkEncoding(e: BlobEncoding & { key: string; size: number }): void {
  if (e.codec === undefined) {
    if (e.filter !== undefined) throw new CheckpointFormatError('format', `blob ${e.key}: filter without a codec`);
    return;
  }
  if (!CODECS.has(e.codec)) throw new CheckpointFormatError('version', `blob ${e.key} uses codec ${JSON.stringify(e.codec)}, which this build does not read`);
  if (e.filter !== undefined && !FILTERS.has(e.filter)) throw new CheckpointFormatError('version', `blob ${e.key} uses filter ${JSON.stringify(e.filter)}, which this build does not read`);
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  if (!ok(e.rawSize)) throw new CheckpointFormatError('format', `blob ${e.key}: rawSize missing`);
  if (e.filter && (!ok(e.stride) || e.stride === 0 || e.stride % 4 !== 0 || e.rawSize % 4 !== 0)) throw new CheckpointFormatError('format', `blob ${e.key}: bad filter stride ${String(e.stride)}`);
}

/** The bytes a blob carries (its decoded size). */
export function rawSizeOf(e: BlobEncoding & { size: number }): number {
  return e.codec ? e.rawSize! : e.size;
}

/**
 * Decodes a stored blob (already checked against its SHA-256, which covers the stored bytes) and
 * checks its decoded size, so a blob either decodes to exactly what was saved or fails as corrupt.
 * With `into` (>= rawSize bytes) the result is written there and a view of it returned; a raw
 * blob is returned as it is (the caller copies it where it belongs).
 */
export function decodeBlob(stored: Uint8Array, e: BlobEncoding & { key: string; size: number }, what: string, into?: Uint8Array): Uint8Array {
  if (!e.codec) return stored;
  checkEncoding(e);
  const rawSize = e.rawSize!;
  let out: Uint8Array;
  try {
    if (e.filter === 'xor-sparse32') out = xorSparseDecode(inflateSync(stored), rawSize, e.stride!, what, into);
    else out = inflateSync(stored, { out: into && into.length >= rawSize ? into.subarray(0, rawSize) : new Uint8Array(rawSize) });
  } catch (err) {
    if (err instanceof CheckpointCorruptError) throw err;
    throw new CheckpointCorruptError(`${what}: blob ${e.key} does not decode (${(err as Error).message})`);
  }
  if (out.length !== rawSize) throw new CheckpointCorruptError(`${what}: blob ${e.key} decodes to ${out.length} bytes, expected ${rawSize}`);
  return out;
}
