/**
 * A small fixed-seed run of the emulator fuzzer (tools/fuzz-emu.ts): 200 hostile ROM images
 * (every kind of tools/fuzz-gen.ts; mutations of public/roms and, when present, ../shared/roms),
 * each loaded, reset and run with the whole API exercised, in a worker with a hang watchdog.
 * No image may trap or hang; the generator must produce every kind and some must really run.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EmuPool, type EmuJob, type EmuResult } from './emu-pool';
import { ACCEPTED_SIZES, fuzzRom } from './fuzz-gen';
import { readdirSync, readFileSync } from 'node:fs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const wasm = join(root, 'public/arcade.wasm');

function seedRoms(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const d of [join(root, 'public/roms'), resolve(root, '../shared/roms')]) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (f.endsWith('.bin')) out.push({ name: f, bytes: new Uint8Array(readFileSync(join(d, f))) });
  }
  return out;
}

describe('emulator fuzz (fixed seed)', () => {
  it('generator is deterministic and covers every kind', () => {
    const real = seedRoms();
    const a = fuzzRom(5, 17, real), b = fuzzRom(5, 17, real);
    expect(a.name).toBe(b.name);
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
    const kinds = new Set<string>();
    const sizes = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const r = fuzzRom(5, i, real);
      kinds.add(r.name.split('-')[1]);
      sizes.add(r.bytes.length);
    }
    expect([...kinds].sort()).toEqual(['adv', 'code', 'mut', 'odd', 'rand']);
    for (const s of ACCEPTED_SIZES) expect(sizes.has(s), `size ${s}`).toBe(true);
  });

  it('200 hostile images: 0 traps, 0 hangs', async () => {
    const real = seedRoms();
    const jobs: EmuJob[] = [];
    for (let i = 0; i < 200; i++) {
      const r = fuzzRom(20260101, i, real);
      jobs.push({ id: i, name: r.name, bytes: r.bytes, frames: 60, frameSkip: 1, sticky: 0.25, seed: i, legalActions: true, extras: true });
    }
    const pool = new EmuPool({ wasm, workers: 1, hangMs: 10_000 });
    const results: EmuResult[] = [];
    try {
      await pool.run(jobs, (r) => results.push(r));
    } finally {
      await pool.close();
    }
    expect(results.length).toBe(200);
    const bad = results.filter((r) => r.status === 'trap' || r.status === 'hang').map((r) => `${r.name}: ${r.status} ${r.error}`);
    expect(bad).toEqual([]);
    const ran = results.filter((r) => r.status === 'ok');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ran.length).toBeGreaterThan(100);
    expect(refused.length).toBeGreaterThan(0);
    expect(ran.every((r) => r.frames === 60)).toBe(true);
  }, 300_000); // ~25 s alone; the shared 2-core machine can be several times slower under load
});
