/**
 * Deterministic generator of hostile ROM images for tools/fuzz-emu.ts and its test.
 *
 * Kinds (chosen by a seeded PRNG, so `--seed S` reproduces a run image for image):
 *  - random bytes at every size the cartridge detector accepts (2K, 4K, 8K, DPC 10240/10495/
 *    10496, 16K), half of them with a reset vector into the ROM so the garbage actually runs;
 *  - odd sizes (empty, 1 byte, off-by-one around each accepted size, AR 8448, 12K, 32K, 64K, >64K);
 *  - "code-like" images: random instructions biased to the hot addresses (bank-switch hotspots,
 *    Superchip RAM ports, DPC registers, TIA/RIOT registers, stack page);
 *  - adversarial programs aimed at the per-frame work bound: an infinite loop without VSYNC,
 *    endless WSYNC, a JAM opcode, bank-switch storms (the same loop in every bank), VSYNC spam,
 *    TIA writes past the scanline limit, JSR recursion, BRK loops, decimal-mode storms, DPC
 *    register storms over garbage, RIOT timer polling;
 *  - byte mutations of real ROMs (flips, overwritten ranges, truncation/extension, random reset
 *    vector, bank swaps).
 */

export interface FuzzRom {
  name: string;
  bytes: Uint8Array;
}

/** mulberry32: small, fast, good enough for fuzzing; 32-bit unsigned outputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export const ACCEPTED_SIZES = [2048, 4096, 8192, 10240, 10495, 10496, 16384];
export const ODD_SIZES = [0, 1, 2, 255, 1024, 2047, 2049, 3000, 4095, 4097, 6144, 8191, 8193, 8448, 10239, 10241,
  12288, 16383, 16385, 24576, 32768, 65536, 65537, 70000];

/** Hot addresses for operands: hotspots, SC RAM ports, DPC registers, TIA, RIOT, stack. */
const HOT = [
  0x1ff4, 0x1ff5, 0x1ff6, 0x1ff7, 0x1ff8, 0x1ff9, 0x1ffa, 0x1ffb, // F6/F8 hotspots
  0x1fe0, 0x1fe7, 0x1fe8, 0x1fef, 0x1ff0, 0x1ff7,                 // E0 slices
  0x1000, 0x1010, 0x1040, 0x1050, 0x107f, 0x1080, 0x10ff,         // SC write/read ports, DPC regs
  0x1008, 0x1018, 0x1028, 0x1038, 0x1058, 0x1070, 0x1005,         // DPC fetchers / music
  0x0000, 0x0001, 0x0002, 0x0003, 0x0009, 0x000d, 0x001b, 0x002a, 0x002b, 0x002c, // TIA
  0x0008, 0x000c, 0x0038, 0x003c, 0x003f,
  0x0280, 0x0281, 0x0282, 0x0283, 0x0284, 0x0285, 0x0294, 0x0295, 0x0296, 0x0297, // RIOT
  0x01fe, 0x01ff, 0x0180, 0x00ff, 0x0080, 0xffff, 0xfffc, 0x3ff8, 0x5ff9, 0x7ff6,
];

function fillRandom(b: Uint8Array, next: () => number): void {
  for (let i = 0; i < b.length; i++) b[i] = next() & 0xff;
}

/** Sets the reset (and IRQ/BRK) vector of every 4K bank (or the last 2K) to `addr`. */
function setVectors(b: Uint8Array, addr: number, brk = addr): void {
  const step = b.length >= 4096 ? 4096 : 2048;
  for (let base = 0; base + step <= b.length; base += step) {
    const v = base + step - 4;
    b[v] = addr & 0xff; b[v + 1] = (addr >> 8) & 0xff;
    b[v + 2] = brk & 0xff; b[v + 3] = (brk >> 8) & 0xff;
  }
}

/** Writes the same program at `offset` of every 4K bank (so bank switches land in it). */
function everyBank(b: Uint8Array, offset: number, code: number[]): void {
  const step = b.length >= 4096 ? 4096 : b.length;
  for (let base = 0; base + step <= b.length; base += step) b.set(code, base + offset);
}

function codeLike(size: number, next: () => number): Uint8Array {
  const b = new Uint8Array(size);
  fillRandom(b, next);
  const limit = Math.min(size, 4096) - 6;
  let i = 0;
  while (i < limit) {
    const r = next() % 100;
    if (r < 45) {
      // absolute LDA/STA/BIT/INC/LDX/STY... on a hot address
      const ops = [0xad, 0x8d, 0x2c, 0xee, 0xae, 0x8c, 0xbd, 0x9d, 0x6d, 0xed, 0x4c, 0x20, 0x0d];
      const a = HOT[next() % HOT.length];
      b[i++] = ops[next() % ops.length]; b[i++] = a & 0xff; b[i++] = a >> 8;
    } else if (r < 60) {
      // zero-page store to a TIA register
      b[i++] = [0x85, 0x86, 0x84, 0x87][next() % 4]; b[i++] = next() & 0x3f;
    } else if (r < 70) {
      // short branch (loops)
      b[i++] = [0x10, 0x30, 0x50, 0x70, 0x90, 0xb0, 0xd0, 0xf0][next() % 8]; b[i++] = next() & 0xff;
    } else {
      b[i++] = next() & 0xff; // anything, including JAMs and undocumented opcodes
    }
  }
  const step = size >= 4096 ? 4096 : 2048;
  setVectors(b, 0xf000 + (next() % Math.min(step - 8, 256)), 0xf000 + (next() % 256));
  return b;
}

/** Adversarial programs: each targets one way a frame could run unbounded. */
function adversarial(kind: number, size: number, next: () => number): { name: string; bytes: Uint8Array } {
  const b = new Uint8Array(size);
  fillRandom(b, next);
  const start = 0xf000;
  let name = '';
  let code: number[] = [];
  switch (kind) {
    case 0: name = 'jmp-self'; code = [0x4c, 0x00, 0xf0]; break;
    case 1: name = 'endless-wsync'; code = [0x85, 0x02, 0x4c, 0x00, 0xf0]; break;
    case 2: name = 'jam'; code = [[0x02, 0x12, 0x22, 0x32, 0x42, 0x52, 0x62, 0x72, 0x92, 0xb2, 0xd2, 0xf2][next() % 12]]; break;
    case 3: // bank-switch storm, same loop in every bank
      name = 'bank-storm';
      code = [0xad, 0xf8, 0x1f, 0xad, 0xf9, 0x1f, 0xad, 0xf6, 0x1f, 0xad, 0xe0, 0x1f, 0xad, 0xe8, 0x1f,
        0x8d, 0xfa, 0x1f, 0x2c, 0xf7, 0x1f, 0x4c, 0x00, 0xf0];
      break;
    case 4: name = 'vsync-spam'; code = [0xa9, 0x02, 0x85, 0x00, 0xa9, 0x00, 0x85, 0x00, 0x4c, 0x00, 0xf0]; break;
    case 5: name = 'tia-no-vsync'; code = [0x85, 0x09, 0x85, 0x02, 0xe6, 0x80, 0xa5, 0x80, 0x85, 0x09, 0x4c, 0x00, 0xf0]; break;
    case 6: name = 'jsr-recursion'; code = [0x20, 0x00, 0xf0]; break;
    case 7: name = 'brk-loop'; code = [0x00, 0x00]; break; // BRK vector points back here
    case 8: // decimal storm with RIOT timer polling that never succeeds
      name = 'decimal-timer';
      code = [0xf8, 0x69, 0x99, 0xe9, 0x01, 0xa9, 0xff, 0x8d, 0x96, 0x02, 0xad, 0x84, 0x02, 0xc9, 0x00, 0xd0, 0xef];
      break;
    case 9: // DPC register storm over garbage (reads clock the generator, writes set fetchers)
      name = 'dpc-storm';
      code = [0xad, 0x00, 0x10, 0xad, 0x08, 0x10, 0x8d, 0x50, 0x10, 0x8d, 0x58, 0x10, 0xad, 0x18, 0x10, 0x8d,
        0x70, 0x10, 0xad, 0x05, 0x10, 0xad, 0xf8, 0x1f, 0x4c, 0x00, 0xf0];
      break;
    default: // VSYNC on forever (the frame end needs VSYNC off)
      name = 'vsync-held'; code = [0xa9, 0x02, 0x85, 0x00, 0x85, 0x02, 0x4c, 0x02, 0xf0]; break;
  }
  everyBank(b, 0, code);
  setVectors(b, start, start);
  return { name, bytes: b };
}

function mutate(base: Uint8Array, next: () => number): { how: string; bytes: Uint8Array } {
  const r = next() % 6;
  let b = base.slice();
  let how = '';
  if (r === 0 || r === 1) {
    const k = 1 + (next() % (r === 0 ? 4 : 64));
    for (let i = 0; i < k; i++) b[next() % b.length] ^= 1 << (next() % 8);
    how = `flip${k}`;
  } else if (r === 2) {
    const at = next() % b.length, len = 1 + (next() % 512);
    for (let i = at; i < Math.min(b.length, at + len); i++) b[i] = next() & 0xff;
    how = `range${len}@${at}`;
  } else if (r === 3) {
    const sizes = [...ACCEPTED_SIZES, ...ODD_SIZES.filter((s) => s > 0 && s <= 65536)];
    const n = sizes[next() % sizes.length];
    const out = new Uint8Array(n);
    out.set(b.subarray(0, Math.min(n, b.length)));
    for (let i = b.length; i < n; i++) out[i] = next() & 0xff;
    b = out;
    how = `resize${n}`;
  } else if (r === 4) {
    setVectors(b, next() & 0xffff, next() & 0xffff);
    how = 'vector';
  } else {
    // swap two 1K blocks (scrambles bank layout / code entry points)
    const blocks = Math.floor(b.length / 1024);
    if (blocks >= 2) {
      const x = next() % blocks, y = next() % blocks;
      const tmp = b.slice(x * 1024, x * 1024 + 1024);
      b.copyWithin(x * 1024, y * 1024, y * 1024 + 1024);
      b.set(tmp, y * 1024);
    }
    b[next() % b.length] ^= 0xff;
    how = 'swap';
  }
  return { how, bytes: b };
}

/** The i-th ROM of the run with this seed (independent of how many were generated before). */
export function fuzzRom(seed: number, i: number, real: { name: string; bytes: Uint8Array }[]): FuzzRom {
  const next = prng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
  const r = next() % 100;
  if (real.length > 0 && r < 40) {
    const base = real[next() % real.length];
    const m = mutate(base.bytes, next);
    return { name: `${i}-mut-${base.name}-${m.how}`, bytes: m.bytes };
  }
  if (r < 55) {
    const size = ACCEPTED_SIZES[next() % ACCEPTED_SIZES.length];
    const a = adversarial(next() % 11, size, next);
    return { name: `${i}-adv-${a.name}-${size}`, bytes: a.bytes };
  }
  if (r < 75) {
    const size = ACCEPTED_SIZES[next() % ACCEPTED_SIZES.length];
    return { name: `${i}-code-${size}`, bytes: codeLike(size, next) };
  }
  if (r < 90) {
    const size = ACCEPTED_SIZES[next() % ACCEPTED_SIZES.length];
    const b = new Uint8Array(size);
    fillRandom(b, next);
    if (next() & 1) setVectors(b, 0xf000 | (next() & 0x0fff));
    return { name: `${i}-rand-${size}`, bytes: b };
  }
  const size = ODD_SIZES[next() % ODD_SIZES.length];
  const b = new Uint8Array(size);
  fillRandom(b, next);
  return { name: `${i}-odd-${size}`, bytes: b };
}
