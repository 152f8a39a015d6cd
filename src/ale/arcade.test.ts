/**
 * Binding tests over the built core (public/arcade.wasm): typed ROM errors, game info, play,
 * clone/restore determinism, screen views and conversions, many emulators in one instance.
 * Skips with a message when the wasm build or ../shared/roms is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArcadeModule, RomError } from './arcade';

const here = fileURLToPath(new URL('.', import.meta.url));
const wasmPath = resolve(here, '../../public/arcade.wasm');
const roms = resolve(here, '../../../shared/roms');
const haveWasm = existsSync(wasmPath);
const haveRoms = existsSync(resolve(roms, 'pong.bin'));

/** A 4K image that loops forever (JMP $F000): loads as an unknown ROM. */
function loopRom(): Uint8Array {
  const rom = new Uint8Array(4096).fill(0xea);
  rom.set([0x4c, 0x00, 0xf0], 0);
  rom[0xffc] = 0x00;
  rom[0xffd] = 0xf0;
  return rom;
}

describe.skipIf(!haveWasm)('wasm binding', () => {
  let mod: ArcadeModule;
  beforeAll(async () => {
    mod = await ArcadeModule.load(wasmPath);
  });

  it('rejects bad ROMs with a typed error', () => {
    const ale = mod.create();
    expect(() => ale.loadRom(new Uint8Array(0))).toThrow(RomError);
    expect(() => ale.loadRom(new Uint8Array(70000))).toThrow(/too large/);
    try {
      ale.loadRom(new Uint8Array(3000));
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(RomError);
      expect((e as RomError).code).toBe(-3);
    }
    ale.dispose();
  });

  it('loads an unknown ROM without a reward function', () => {
    const ale = mod.create({ randomSeed: 0 });
    const info = ale.loadRom(loopRom());
    expect(info.romId).toBe('');
    expect(info.hasReward).toBe(false);
    expect(info.scheme).toBe('4K');
    expect(info.height).toBe(210);
    expect(ale.act(1)).toBe(0);
    expect(ale.gameOver()).toBe(false);
    ale.dispose();
  });

  it('holds many emulators in one instance and reuses freed memory', () => {
    const before = mod.exports.arcade_alloc(16);
    mod.free(before);
    const ales = Array.from({ length: 8 }, () => mod.create());
    for (const a of ales) a.loadRom(loopRom());
    for (const a of ales) a.dispose();
    const after = mod.exports.arcade_alloc(16);
    mod.free(after);
    expect(after).toBe(before);
  });

  describe.skipIf(!haveRoms)('with pong', () => {
    const pong = () => new Uint8Array(readFileSync(resolve(roms, 'pong.bin')));

    it('reports game info', () => {
      const ale = mod.create({ randomSeed: 0, repeatActionProbability: 0 });
      const info = ale.loadRom(pong());
      expect(info).toMatchObject({ romId: 'pong', scheme: '2K', height: 210, width: 160, pal: false, hasReward: true, paddles: true });
      expect(info.md5).toBe('60e0ea3cbe0913d39803477945e9e5ec');
      expect(info.minimalActions).toEqual([0, 1, 3, 4, 11, 12]);
      expect(info.legalActions).toHaveLength(18);
      expect(info.modes).toEqual([0, 1]);
      expect(info.difficulties).toEqual([0, 1, 2, 3]);
      ale.dispose();
    });

    it('replays identically after restoreState, and its views track the state', () => {
      const ale = mod.create({ randomSeed: 7, repeatActionProbability: 0.25 });
      ale.loadRom(pong());
      for (let i = 0; i < 50; i++) ale.act(i % 18);
      const state = ale.cloneState();
      expect(state.length).toBe(ale.stateSize());
      const run = () => {
        let r = 0;
        for (let i = 0; i < 200; i++) r += ale.act((i * 5) % 18);
        return { r, ram: ale.ram().slice(), screen: ale.screen().slice(), frame: ale.frameNumber() };
      };
      const a = run();
      ale.restoreState(state);
      const b = run();
      expect(b.r).toBe(a.r);
      expect(b.frame).toBe(a.frame);
      expect(Buffer.from(b.ram).equals(Buffer.from(a.ram))).toBe(true);
      expect(Buffer.from(b.screen).equals(Buffer.from(a.screen))).toBe(true);
      expect(() => ale.restoreState(new Uint8Array(10))).toThrow();
      // reseed = a fresh power-on: the same seed gives the same run again
      ale.reseed(3);
      const c = run();
      ale.reseed(3);
      const d = run();
      expect(d.r).toBe(c.r);
      expect(Buffer.from(d.ram).equals(Buffer.from(c.ram))).toBe(true);
      expect(d.frame).toBe(200);
      ale.dispose();
    });

    it('converts screens to grayscale and RGB', () => {
      const ale = mod.create({ randomSeed: 0 });
      ale.loadRom(pong());
      for (let i = 0; i < 10; i++) ale.act(0);
      const idx = ale.screen().slice();
      const gray = ale.grayscale();
      const rgb = ale.rgb();
      expect(idx.length).toBe(210 * 160);
      expect(gray.length).toBe(210 * 160);
      expect(rgb.length).toBe(210 * 160 * 3);
      // index 0 is black in both conversions
      const k = idx.indexOf(0);
      if (k >= 0) {
        expect(gray[k]).toBe(0);
        expect([rgb[3 * k], rgb[3 * k + 1], rgb[3 * k + 2]]).toEqual([0, 0, 0]);
      }
      expect(ale.lives()).toBe(0);
      ale.setMode(1);
      expect(() => ale.setMode(5)).toThrow();
      ale.dispose();
    });
  });
});

if (!haveWasm) {
  describe('wasm binding', () => {
    it.skip(`skipped: ${wasmPath} not built (make -C wasm wasm)`, () => {});
  });
}
