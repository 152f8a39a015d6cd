/**
 * `npm run bench:checkpoint -- [transitions] [partMiB] [codecParts]`: checkpoint save / load /
 * export / import of a replay of real Pong frames (pong-frames.ts; emulated once, then cached in
 * the OS temp dir) in the system Chromium with its real IndexedDB (bench-browser-entry.ts via
 * page.ts), uncompressed and compressed in the same run. Prints the codec candidates' table, a
 * before/after table and, last, one line:
 *   checkpoint: save S s, load L s, file F MB (raw R MB)
 * (the compressed save/load, the compressed export's size and the uncompressed one's; MB = 10^6 bytes).
 * The Node + fake-indexeddb variant is `npm run bench:checkpoint:node`.
 */
import { loadavg } from 'node:os';
import { withEntryPage } from './page';
import { pongTrace, traceCachePath } from './pong-frames';

const N = Number(process.argv[2] ?? 100_000);
const PART = process.argv[3] && process.argv[3] !== '-' ? Number(process.argv[3]) * 2 ** 20 : undefined;
const CODEC_PARTS = Number(process.argv[4] ?? 6);

interface Row { save: number; fast: number; load: number; exp: number; imp: number; stored: number; raw: number; file: number; parts: number }

async function main(): Promise<void> {
  const t0 = Date.now();
  await pongTrace(N); // emulates and caches the trace on the first run
  console.log(`pong trace of ${N} steps ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${traceCachePath(N)})`);
  const la = () => loadavg().map((x) => x.toFixed(2)).join(', ');
  const before = la();
  const rows = await withEntryPage(new URL('./bench-browser-entry.ts', import.meta.url), 'benchReady', async (page) => {
    page.on('console', (m) => console.log(m.text()));
    return page.evaluate(([n, p, c]) => (globalThis as unknown as { runBench: (n: number, p?: number, c?: number) => Promise<Row[]> }).runBench(n, p ?? undefined, c), [N, PART ?? null, CODEC_PARTS] as const);
  }, { '/trace.bin': traceCachePath(N) });
  const [u, c] = rows;
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const MB = (b: number) => (b / 1e6).toFixed(1);
  console.log(`\n${N} transitions of real Pong frames, Chromium, real IndexedDB; load average ${before} (start), ${la()} (end); 2-core machine shared with a background training run`);
  console.log('| | uncompressed (before) | compressed (after) |');
  console.log('|---|---|---|');
  console.log(`| save, full (s) | ${s(u.save)} | ${s(c.save)} |`);
  console.log(`| save, fast path, no replay (s) | ${s(u.fast)} | ${s(c.fast)} |`);
  console.log(`| load, restore (s) | ${s(u.load)} | ${s(c.load)} |`);
  console.log(`| export (s) | ${s(u.exp)} | ${s(c.exp)} |`);
  console.log(`| import (s) | ${s(u.imp)} | ${s(c.imp)} |`);
  console.log(`| stored in IndexedDB (MB) | ${MB(u.stored)} | ${MB(c.stored)} |`);
  console.log(`| exported file (MB) | ${MB(u.file)} | ${MB(c.file)} (${(u.file / c.file).toFixed(0)}x smaller) |`);
  console.log(`checkpoint: save ${s(c.save)} s, load ${s(c.load)} s, file ${MB(c.file)} MB (raw ${MB(u.file)} MB)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
