/**
 * The codec candidates for checkpoint blobs, timed on 8 MiB parts of real Pong replay frames.
 * Runs in Node (codec-compare.ts, which adds native zlib rows) and in Chromium (the
 * bench:checkpoint page), because the browser's CompressionStream and V8-run fflate are what
 * a save in the learner worker gets.
 */
import { deflateSync, inflateSync } from 'fflate';
import { decodeBlob, encodeBlob, encodingFor } from '../../src/checkpoint/blob-codec';

export interface Candidate {
  name: string;
  enc(b: Uint8Array): Uint8Array | Promise<Uint8Array>;
  dec(b: Uint8Array, n: number): Uint8Array | Promise<Uint8Array>;
}

/** XOR with the frame `stride` bytes before (the first frame stays), in place. */
export function xorDelta(buf: Uint8Array, stride: number): Uint8Array {
  for (let i = buf.length - 1; i >= stride; i--) buf[i] ^= buf[i - stride];
  return buf;
}
export function xorUndo(buf: Uint8Array, stride: number): Uint8Array {
  for (let i = stride; i < buf.length; i++) buf[i] ^= buf[i - stride];
  return buf;
}

async function viaStream(bytes: Uint8Array, t: TransformStream<Uint8Array, Uint8Array>): Promise<Uint8Array> {
  const w = t.writable.getWriter();
  void w.write(bytes).then(() => w.close());
  return new Uint8Array(await new Response(t.readable as ReadableStream<Uint8Array<ArrayBuffer>>).arrayBuffer());
}

export function candidates(frameBytes: number): Candidate[] {
  const frameEnc = encodingFor('replay/frames', 'u8', frameBytes)!;
  const cs = (): TransformStream<Uint8Array, Uint8Array> => new CompressionStream('deflate-raw') as unknown as TransformStream<Uint8Array, Uint8Array>;
  const ds = (): TransformStream<Uint8Array, Uint8Array> => new DecompressionStream('deflate-raw') as unknown as TransformStream<Uint8Array, Uint8Array>;
  return [
    ...[1, 3].map((level): Candidate => ({ name: `fflate deflate L${level}`, enc: (b) => deflateSync(b, { level: level as 1 }), dec: (b, n) => inflateSync(b, { out: new Uint8Array(n) }) })),
    { name: 'xor-delta + fflate deflate L1', enc: (b) => deflateSync(xorDelta(b.slice(), frameBytes), { level: 1 }), dec: (b, n) => xorUndo(inflateSync(b, { out: new Uint8Array(n) }), frameBytes) },
    { name: 'CompressionStream deflate-raw (native, default level)', enc: (b) => viaStream(b, cs()), dec: (b) => viaStream(b, ds()) },
    { name: 'xor-delta + CompressionStream deflate-raw', enc: (b) => viaStream(xorDelta(b.slice(), frameBytes), cs()), dec: async (b) => xorUndo(await viaStream(b, ds()), frameBytes) },
    // What the store uses for replay frames (src/checkpoint/blob-codec.ts).
    { name: 'xor-sparse32 + fflate deflate-raw L1 (chosen)', enc: (b) => encodeBlob(b, frameEnc).bytes, dec: (b, n) => decodeBlob(b, { key: 'bench', size: b.length, ...frameEnc, rawSize: n }, 'bench') },
  ];
}

/** Markdown table rows: ratio and MiB/s of raw bytes, compress and decompress, after one untimed warm-up pass. */
export async function compareCodecs(parts: readonly Uint8Array[], list: readonly Candidate[], log: (s: string) => void): Promise<void> {
  log('| codec | ratio | compress MiB/s | decompress MiB/s |');
  log('|---|---|---|---|');
  for (const c of list) await c.dec(await c.enc(parts[0]), parts[0].length);
  for (const c of list) {
    let raw = 0, packed = 0, te = 0, td = 0;
    for (const p of parts) {
      let t0 = performance.now();
      const z = await c.enc(p);
      te += performance.now() - t0;
      t0 = performance.now();
      const back = await c.dec(z, p.length);
      td += performance.now() - t0;
      if (back.length !== p.length) throw new Error(`${c.name}: round trip has ${back.length} bytes, expected ${p.length}`);
      for (let i = 0; i < p.length; i++) if (back[i] !== p[i]) throw new Error(`${c.name}: round trip differs at byte ${i}`);
      raw += p.length; packed += z.length;
    }
    const mib = raw / 2 ** 20;
    log(`| ${c.name} | ${(raw / packed).toFixed(1)}x | ${(mib / (te / 1000)).toFixed(0)} | ${(mib / (td / 1000)).toFixed(0)} |`);
  }
}

/** `count` parts of whole frames (<= 8 MiB each) taken evenly across the trace's frames. */
export function sampleParts(frames: Uint8Array, frameBytes: number, count: number): Uint8Array[] {
  const part = Math.floor((8 * 2 ** 20) / frameBytes) * frameBytes;
  const slots = Math.floor(frames.length / part);
  const out: Uint8Array[] = [];
  for (let i = 0; i < Math.min(count, slots); i++) {
    const at = Math.floor((i * slots) / Math.min(count, slots)) * part;
    out.push(frames.slice(at, at + part));
  }
  return out;
}
