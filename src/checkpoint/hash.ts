import { CheckpointError } from './errors';

/**
 * SHA-256 through WebCrypto (browsers and Node >= 20 expose crypto.subtle). Blobs are cut into
 * parts of a few MiB, so hashing one part at a time keeps memory flat without an incremental
 * hasher.
 */
function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (!s) throw new CheckpointError('unsupported', 'crypto.subtle is unavailable (page not in a secure context?): checksums cannot be computed');
  return s;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(await sha256(bytes));
}

/** Checkpoint blobs hold typed arrays' raw bytes, defined as little-endian; refuse to run elsewhere. */
export function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new CheckpointError('unsupported', 'big-endian platform: checkpoint byte layout is little-endian');
  }
}
