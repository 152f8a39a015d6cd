/**
 * npm run fuzz:emu -- --count N [--seed S] [--frames F] [--workers K] [--hang-ms T] [--roms <dir>] [--wasm <file>] [--out <dir>]
 *
 * Fuzzes the wasm core with hostile ROM images (tools/fuzz-gen.ts: random images of every
 * accepted size and odd sizes, code-like and adversarial programs, mutations of the ROMs in
 * ../shared/roms when present and of our own public/roms/*.bin). Each image is loaded, reset and
 * run for F frames (default 600) of random legal actions with sticky actions 0.25, with the rest
 * of the API exercised once mid-run (clone/restore, a truncated state, screens, preprocessing,
 * modes). A refused image (RomError) is fine; a trap (wasm RuntimeError or any other exception)
 * or a hang (no progress for T ms, default 10 s, in one emulator call) is a failure, and the image
 * is saved to --out (default $TMPDIR/arcade-fuzz) for reproduction.
 * Last line: `fuzz: N roms, T traps, H hangs`. Exit status 0 only when there were none.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmuPool, type EmuJob, type EmuResult } from './emu-pool';
import { Args, runMain } from './cli';
import { fuzzRom } from './fuzz-gen';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const usage = 'usage: fuzz:emu --count N [--seed S] [--frames F] [--workers K] [--hang-ms T] [--roms <dir>] [--wasm <file>] [--out <dir>]';

export function loadSeedRoms(romDir: string | null): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  const dirs = [join(root, 'public/roms'), ...(romDir && existsSync(romDir) ? [romDir] : [])];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) {
      if (/\.(bin|a26)$/i.test(f)) out.push({ name: f.replace(/\.(bin|a26)$/i, ''), bytes: new Uint8Array(readFileSync(join(d, f))) });
    }
  }
  return out;
}

async function main(): Promise<number> {
  let count = 0, seed = 1, frames = 600, workers = 1, hangMs = 10_000;
  let romDir = resolve(root, '../shared/roms');
  let wasm = join(root, 'public/arcade.wasm');
  let outDir = join(tmpdir(), 'arcade-fuzz');
  const args = new Args(process.argv.slice(2), usage);
  for (let a = args.next(); a !== undefined; a = args.next()) {
    if (a === '--count') count = args.count(a);
    else if (a === '--seed') seed = args.count(a);
    else if (a === '--frames') frames = Math.max(1, args.count(a));
    else if (a === '--workers') workers = Math.max(1, args.count(a));
    else if (a === '--hang-ms') hangMs = Math.max(100, args.count(a));
    else if (a === '--roms') romDir = resolve(args.value(a));
    else if (a === '--wasm') wasm = resolve(args.value(a));
    else if (a === '--out') outDir = resolve(args.value(a));
    else throw args.error(`unknown argument ${a}`);
  }
  if (count <= 0) throw args.error('--count N is required');
  if (!existsSync(wasm)) {
    console.error(`fuzz:emu: ${wasm} not found (make -C wasm wasm)`);
    return 2;
  }
  const real = loadSeedRoms(romDir);
  console.log(`fuzz:emu: ${count} ROMs, seed ${seed}, ${frames} frames each; mutating ${real.length} real ROMs` +
    (existsSync(romDir) ? '' : ` (${romDir} absent: only public/roms)`));
  function* jobs(): Generator<EmuJob> {
    for (let i = 0; i < count; i++) {
      const r = fuzzRom(seed, i, real);
      yield { id: i, name: r.name, bytes: r.bytes, frames, frameSkip: 1, sticky: 0.25, seed: seed * 7919 + i, legalActions: true, extras: true };
    }
  }
  // keep the images of failed jobs: regenerate them from (seed, id), no need to hold them all
  const pool = new EmuPool({ wasm, workers, hangMs });
  const t0 = performance.now();
  let done = 0, traps = 0, hangs = 0, rejected = 0, blank = 0, frameTotal = 0, maxCall = 0;
  let maxCallName = '';
  const schemes = new Map<string, number>();
  await pool.run(jobs(), (r: EmuResult) => {
    done++;
    frameTotal += r.frames;
    if (r.maxCallMs > maxCall) { maxCall = r.maxCallMs; maxCallName = r.name; }
    if (r.status === 'rejected') rejected++;
    else if (r.status === 'ok') {
      schemes.set(r.scheme, (schemes.get(r.scheme) ?? 0) + 1);
      if (!r.rendered) blank++;
    }
    if (r.status === 'trap' || r.status === 'hang') {
      if (r.status === 'trap') traps++; else hangs++;
      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, `seed${seed}-${r.name}.bin`);
      writeFileSync(file, fuzzRom(seed, r.id, real).bytes);
      console.log(`${r.status.toUpperCase()} ${r.name}: ${r.error} (image saved to ${file})`);
    }
    if (done % 500 === 0) {
      const s = (performance.now() - t0) / 1000;
      console.log(`  ${done}/${count} after ${s.toFixed(0)} s: ${traps} traps, ${hangs} hangs, ${rejected} refused`);
    }
  });
  await pool.close();
  const secs = (performance.now() - t0) / 1000;
  const ran = [...schemes.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`fuzz:emu: ${done} images in ${secs.toFixed(1)} s (${Math.round(frameTotal / secs)} frames/s); ran: ${ran}; refused ${rejected}; ` +
    `never drew a non-uniform screen ${blank}; slowest act() ${maxCall.toFixed(1)} ms (${maxCallName})`);
  console.log(`fuzz: ${done} roms, ${traps} traps, ${hangs} hangs`);
  return traps + hangs === 0 ? 0 : 1;
}

runMain(main);
