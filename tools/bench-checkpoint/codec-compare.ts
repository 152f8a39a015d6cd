/**
 * Which codec for checkpoint blobs, in Node: the candidates of codec-candidates.ts plus Node's
 * native zlib (the library Chromium's CompressionStream wraps, without the stream overhead), on
 * 8 MiB parts of real Pong replay frames (pong-frames.ts).
 * Run: `npx tsx tools/bench-checkpoint/codec-compare.ts [parts]`. The Chromium numbers (what
 * the learner worker gets) come from `npm run bench:checkpoint`.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { candidates, compareCodecs, sampleParts, type Candidate } from './codec-candidates';
import { pongTrace } from './pong-frames';

const t = await pongTrace(100_000);
const parts = sampleParts(t.frames, t.frameBytes, Number(process.argv[2] ?? 12));
const native: Candidate[] = [1, 6].map((level) => ({ name: `node zlib deflateRaw L${level} (native)`, enc: (b) => deflateRawSync(b, { level }), dec: (b) => inflateRawSync(b) }));
console.log(`Node ${process.version}: ${parts.length} parts of real Pong frames (84x84) spread over 100k steps`);
await compareCodecs(parts, [...candidates(t.frameBytes), ...native], console.log);
