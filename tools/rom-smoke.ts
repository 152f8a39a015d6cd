/**
 * npm run rom-smoke -- [--roms <dir>] [--frames N] [--seed S] [--workers K] [--hang-ms T] [--wasm <file>] [--only a,b]
 *
 * Smoke test of every ROM in a folder through the wasm build in Node: load, reset, then N
 * emulated frames of random actions (minimal action set) with frame_skip 4 and sticky actions
 * 0.25, resetting at game over. One line per ROM (frames/s inside act(), episodes ended, rewards
 * seen), then
 * `roms: N ok, M failed`. A ROM fails when the core traps (wasm RuntimeError), hangs (an emulator
 * call makes no progress for --hang-ms, default 10 s), refuses to load, or never renders a frame
 * (the screen stays one uniform colour for the whole run). Exit status 0 only when none failed.
 * ROMs default to ../shared/roms; when that folder is absent the run is skipped with a message.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Args, runMain } from './cli';
import { EmuPool, type EmuJob, type EmuResult } from './emu-pool';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const usage = 'usage: rom-smoke [--roms <dir>] [--frames N] [--seed S] [--workers K] [--hang-ms T] [--wasm <file>] [--only a,b]';

async function main(): Promise<number> {
  let romDir = resolve(root, '../shared/roms');
  let frames = 2000, seed = 1, workers = 1, hangMs = 10_000;
  let wasm = join(root, 'public/arcade.wasm');
  let only: Set<string> | null = null;
  const args = new Args(process.argv.slice(2), usage);
  for (let a = args.next(); a !== undefined; a = args.next()) {
    if (a === '--roms') romDir = resolve(args.value(a));
    else if (a === '--frames') frames = args.count(a);
    else if (a === '--seed') seed = args.count(a);
    else if (a === '--workers') workers = Math.max(1, args.count(a));
    else if (a === '--hang-ms') hangMs = Math.max(100, args.count(a));
    else if (a === '--wasm') wasm = resolve(args.value(a));
    else if (a === '--only') only = new Set(args.value(a).split(','));
    else throw args.error(`unknown argument ${a}`);
  }
  if (!existsSync(romDir)) {
    console.log(`rom-smoke: skipped, ROM folder ${romDir} is absent (pass --roms <dir>)`);
    console.log('roms: 0 ok, 0 failed');
    return 0;
  }
  if (!existsSync(wasm)) {
    console.error(`rom-smoke: ${wasm} not found (make -C wasm wasm)`);
    return 2;
  }
  const files = readdirSync(romDir)
    .filter((f) => /\.(bin|a26)$/i.test(f))
    .filter((f) => !only || only.has(basename(f).replace(/\.(bin|a26)$/i, '')))
    .sort();
  if (files.length === 0) {
    console.log(`rom-smoke: no .bin/.a26 files in ${romDir}`);
    console.log('roms: 0 ok, 0 failed');
    return 0;
  }
  const jobs: EmuJob[] = files.map((f, i) => ({
    id: i, name: f.replace(/\.(bin|a26)$/i, ''), bytes: new Uint8Array(readFileSync(join(romDir, f))),
    frames, frameSkip: 4, sticky: 0.25, seed: seed + i,
  }));
  console.log(`rom-smoke: ${files.length} ROMs from ${romDir}, ${frames} frames each (frame_skip 4, sticky 0.25, seed ${seed})`);
  const pool = new EmuPool({ wasm, workers, hangMs });
  const results: EmuResult[] = [];
  const t0 = performance.now();
  const pad = Math.max(...jobs.map((j) => j.name.length));
  await pool.run(jobs, (r) => {
    results.push(r);
    const failedWhy =
      r.status === 'ok' ? (r.rendered ? '' : 'never rendered a frame (uniform screen)') :
      r.status === 'rejected' ? `refused: ${r.error}` : `${r.status.toUpperCase()}: ${r.error}`;
    const fps = r.actMs > 0 ? Math.round(r.frames / (r.actMs / 1000)) : 0;
    const stats = `${String(fps).padStart(6)} frames/s  episodes ${String(r.episodes).padStart(3)}  rewards ${String(r.rewardSum).padStart(7)} over ${String(r.rewardFrames).padStart(4)} steps  max call ${r.maxCallMs.toFixed(1)} ms  ${r.scheme}`;
    console.log(`${failedWhy ? 'FAIL' : 'ok  '} ${r.name.padEnd(pad)}  ${r.status === 'ok' ? stats : ''}${failedWhy ? `  ${failedWhy}` : ''}`);
  });
  await pool.close();
  const failed = results.filter((r) => r.status !== 'ok' || !r.rendered);
  const secs = (performance.now() - t0) / 1000;
  const total = results.reduce((s, r) => s + r.frames, 0);
  console.log(`rom-smoke: ${total} frames in ${secs.toFixed(1)} s (${Math.round(total / secs)} frames/s overall)`);
  console.log(`roms: ${results.length - failed.length} ok, ${failed.length} failed`);
  return failed.length === 0 ? 0 : 1;
}

runMain(main);
