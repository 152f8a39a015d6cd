/**
 * The wasm preprocessing (wasm/src/preprocess.c, SIMD build) against the independent TypeScript
 * implementation in src/env/preprocess.ts (OpenCV INTER_AREA arithmetic): bit-exact on random
 * gray frames, random palette-index frames, and real emulator frames (our built-in ROMs always;
 * the shared ALE ROMs when ../shared/roms exists).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArcadeModule } from '../ale/arcade';
import { AreaResizer, maxPool } from '../env/preprocess';
import { NTSC_GRAY } from '../ui/palette';
import { WasmPreprocessor, PreprocessError } from './wasm-preprocess';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');
const wasmPath = join(root, 'public/arcade.wasm');
const sharedRoms = resolve(root, '../shared/roms');

/** Small deterministic PRNG (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

function firstDiff(a: Uint8Array, b: Uint8Array): string {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `first difference at ${i} (y ${Math.floor(i / 84)}, x ${i % 84}): wasm ${a[i]}, ts ${b[i]}`;
  return 'equal';
}

describe('wasm preprocessing vs src/env/preprocess.ts', () => {
  let mod: ArcadeModule;
  beforeAll(async () => {
    mod = await ArcadeModule.load(wasmPath);
  });

  /** Copies bytes into a fresh wasm allocation; returns its address. */
  const put = (bytes: Uint8Array): number => {
    const p = mod.alloc(bytes.length);
    mod.u8.set(bytes, p);
    return p;
  };

  for (const [h, kinds] of [[210, 'NTSC'], [250, 'PAL'], [214, 'carnival'], [230, 'journey_escape']] as const) {
    it(`random gray frames ${h}x160 -> 84x84, with and without max-pool (${kinds})`, () => {
      const pp = new WasmPreprocessor(mod, 160, h, 84, 84);
      const ts = new AreaResizer(160, h, 84, 84);
      const n = 160 * h;
      const next = rng(h * 7919);
      const a = new Uint8Array(n), b = new Uint8Array(n), pooled = new Uint8Array(n);
      const want = new Uint8Array(84 * 84);
      const pa = mod.alloc(n), pb = mod.alloc(n), pd = mod.alloc(84 * 84);
      try {
        for (let img = 0; img < 24; img++) {
          const style = img % 4;
          for (let i = 0; i < n; i++) {
            const r = next();
            a[i] = style === 0 ? r & 255 : style === 1 ? (r & 7 ? 0 : 255) : style === 2 ? (i * 3 + (i / 160) * 5) & 255 : (r & 1) * 255;
            b[i] = (r >>> 8) & 255;
          }
          mod.u8.set(a, pa);
          mod.u8.set(b, pb);
          pp.resizeGrayAt(pa, 0, pd);
          ts.resize(a, want);
          const got1 = mod.u8.slice(pd, pd + 84 * 84);
          expect(firstDiff(got1, want), `image ${img} unpooled`).toBe('equal');
          pp.resizeGrayAt(pa, pb, pd);
          maxPool(a, b, pooled);
          ts.resize(pooled, want);
          const got2 = mod.u8.slice(pd, pd + 84 * 84);
          expect(firstDiff(got2, want), `image ${img} pooled`).toBe('equal');
        }
      } finally {
        mod.free(pa); mod.free(pb); mod.free(pd);
        pp.dispose();
      }
    });
  }

  it('random palette-index frames: grayscale each frame, then max, then resize (NTSC)', () => {
    const pp = new WasmPreprocessor(mod);
    const ts = new AreaResizer(160, 210, 84, 84);
    const n = 160 * 210, next = rng(99);
    const ia = new Uint8Array(n), ib = new Uint8Array(n), ga = new Uint8Array(n), gb = new Uint8Array(n), pooled = new Uint8Array(n);
    const want = new Uint8Array(84 * 84);
    for (let img = 0; img < 8; img++) {
      for (let i = 0; i < n; i++) {
        const r = next();
        ia[i] = r & 0xfe; ib[i] = (r >>> 8) & 0xfe;   // the TIA draws even indices on NTSC
        ga[i] = NTSC_GRAY[ia[i] >> 1]; gb[i] = NTSC_GRAY[ib[i] >> 1];
      }
      const pa = put(ia), pb = put(ib), pd = mod.alloc(84 * 84);
      pp.resizeIndicesAt(pa, pb, false, pd);
      maxPool(ga, gb, pooled);
      ts.resize(pooled, want);
      expect(firstDiff(mod.u8.slice(pd, pd + 84 * 84), want), `image ${img}`).toBe('equal');
      mod.free(pa); mod.free(pb); mod.free(pd);
    }
    pp.dispose();
  });

  /** Plays a ROM with random actions; after each frame compares pp_observe with the TS pipeline
   * fed by ale.grayscale() of this frame and the previous one. Returns frames compared. */
  function compareOnRom(bytes: Uint8Array, frames: number, seed: number): number {
    const ale = mod.create({ frameSkip: 1, repeatActionProbability: 0.25, randomSeed: seed });
    const info = ale.loadRom(bytes);
    const pp = new WasmPreprocessor(mod, 160, info.height, 84, 84);
    const ts = new AreaResizer(160, info.height, 84, 84);
    const n = 160 * info.height;
    const prev = new Uint8Array(n), cur = new Uint8Array(n), pooled = new Uint8Array(n);
    const want = new Uint8Array(84 * 84);
    const pd = mod.alloc(84 * 84);
    const actions = info.minimalActions;
    const next = rng(seed + 1);
    let compared = 0;
    try {
      ale.grayscale(prev);
      for (let f = 0; f < frames; f++) {
        ale.act(actions[next() % actions.length]);
        if (ale.gameOver()) ale.reset();
        ale.grayscale(cur);
        maxPool(prev, cur, pooled);
        ts.resize(pooled, want);
        pp.observeAt(ale, pd, true);
        const got = mod.u8.slice(pd, pd + 84 * 84);
        expect(firstDiff(got, want), `${info.romId || info.md5} frame ${f}`).toBe('equal');
        prev.set(cur);
        compared++;
      }
    } finally {
      mod.free(pd);
      pp.dispose();
      ale.dispose();
    }
    return compared;
  }

  it('real frames of the built-in ROMs (catch, dodge)', () => {
    for (const name of ['catch', 'dodge']) {
      const bytes = readFileSync(join(root, 'public/roms', `${name}.bin`));
      expect(compareOnRom(bytes, 150, 3)).toBe(150);
    }
  });

  const games = ['pong', 'breakout', 'space_invaders', 'ms_pacman', 'seaquest', 'mr_do', 'keystone_kapers'];
  if (!existsSync(sharedRoms)) {
    it.skip(`real ALE frames: skipped, ${sharedRoms} is absent`, () => {});
  } else {
    it(`real ALE frames (${games.join(', ')}), incl. PAL when present`, () => {
      let total = 0;
      for (const g of games) {
        const p = join(sharedRoms, `${g}.bin`);
        if (existsSync(p)) total += compareOnRom(readFileSync(p), 120, 11);
      }
      expect(total).toBeGreaterThan(0);
    }, 120_000);
  }

  it('refuses bad geometry and mismatched screens with clear errors', () => {
    expect(() => new WasmPreprocessor(mod, 160, 210, 200, 84)).toThrow(PreprocessError);
    expect(() => new WasmPreprocessor(mod, 0, 210, 84, 84)).toThrow(/size out of range/);
    const pp = new WasmPreprocessor(mod, 160, 250, 84, 84);
    const ale = mod.create();
    const pd = mod.alloc(84 * 84);
    try {
      expect(() => pp.observeAt(ale, pd)).toThrow(/no ROM loaded/);
      ale.loadRom(readFileSync(join(root, 'public/roms/catch.bin')));
      expect(() => pp.observeAt(ale, pd)).toThrow(/geometry/);   // catch is 210 lines high
    } finally {
      mod.free(pd);
      ale.dispose();
      pp.dispose();
    }
  });
});
