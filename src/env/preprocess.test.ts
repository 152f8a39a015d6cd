import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AreaResizer, areaTable, maxPool, ReferenceObserver, roundToByte } from './preprocess';

interface GoldenCase { kind: 'noise' | 'blocks'; seed: number; h: number; w: number; c: number; dh: number; dw: number; out: string }
/** cv2.resize(..., INTER_AREA) outputs made by fixtures/gen-inter-area.py (Debian python3-opencv). */
const golden = JSON.parse(readFileSync(new URL('./fixtures/inter-area-opencv.json', import.meta.url), 'utf8')) as { opencv: string; cases: GoldenCase[] };

/** The generators of gen-inter-area.py, bit for bit. */
function goldenInput(g: GoldenCase): Uint8Array {
  const n = g.h * g.w * g.c;
  const img = new Uint8Array(n);
  if (g.kind === 'noise') {
    let x = g.seed >>> 0;
    for (let i = 0; i < n; i++) {
      x = (x ^ (x << 13)) >>> 0;
      x = (x ^ (x >>> 17)) >>> 0;
      x = (x ^ (x << 5)) >>> 0;
      img[i] = x & 255;
    }
  } else {
    for (let y = 0; y < g.h; y++) for (let x = 0; x < g.w; x++) img[y * g.w + x] = ((((x >> 3) * 37 + (y >> 2) * 101) ^ g.seed) & 255);
  }
  return img;
}

/** Exact rational area average, for comparison (no float32 emulation). */
function exactArea(src: number[][], dh: number, dw: number): number[][] {
  const sh = src.length;
  const sw = src[0].length;
  const out: number[][] = [];
  for (let dy = 0; dy < dh; dy++) {
    const row: number[] = [];
    for (let dx = 0; dx < dw; dx++) {
      const y0 = (dy * sh) / dh, y1 = ((dy + 1) * sh) / dh;
      const x0 = (dx * sw) / dw, x1 = ((dx + 1) * sw) / dw;
      let acc = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          acc += wx * wy * src[y][x];
        }
      }
      row.push(acc / ((y1 - y0) * (x1 - x0)));
    }
    out.push(row);
  }
  return out;
}

function run(src: number[][], dh: number, dw: number): number[][] {
  const sh = src.length, sw = src[0].length;
  const r = new AreaResizer(sw, sh, dw, dh);
  const out = new Uint8Array(dh * dw);
  r.resize(Uint8Array.from(src.flat()), out);
  return Array.from({ length: dh }, (_, y) => Array.from(out.subarray(y * dw, (y + 1) * dw)));
}

describe('areaTable (OpenCV computeResizeAreaTab semantics)', () => {
  it('3 -> 2: weights 2/3,1/3 | 1/3,2/3', () => {
    const t = areaTable(3, 2);
    expect(Array.from(t.di)).toEqual([0, 0, 1, 1]);
    expect(Array.from(t.si)).toEqual([0, 1, 1, 2]);
    expect(Array.from(t.alpha)).toEqual([2 / 3, 1 / 3, 1 / 3, 2 / 3].map(Math.fround));
  });
  it('210 -> 84 rows: cells of 2.5 rows (0.4, 0.4, 0.2 | 0.2, 0.4, 0.4)', () => {
    const t = areaTable(210, 84);
    expect(Array.from(t.si.subarray(0, 6))).toEqual([0, 1, 2, 2, 3, 4]);
    expect(Array.from(t.di.subarray(0, 6))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(t.alpha.subarray(0, 6))).toEqual([0.4, 0.4, 0.2, 0.2, 0.4, 0.4].map(Math.fround));
    expect(t.di.length).toBe(84 * 3);
  });
  it('160 -> 84 columns: weights of each cell sum to 1 and cover every source column', () => {
    const t = areaTable(160, 84);
    const sums = new Float64Array(84);
    const cover = new Float64Array(160);
    for (let k = 0; k < t.di.length; k++) {
      sums[t.di[k]] += t.alpha[k];
      cover[t.si[k]] += t.alpha[k] * (160 / 84);
    }
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    for (const c of cover) expect(c).toBeCloseTo(1, 4);
    // first cell: column 0 whole, column 1 for 0.9047...
    expect(Array.from(t.si.subarray(0, 2))).toEqual([0, 1]);
    expect(t.alpha[0]).toBe(Math.fround(84 / 160));
    expect(t.alpha[1]).toBe(Math.fround((160 / 84 - 1) / (160 / 84)));
  });
  it('rejects enlarging and bad sizes', () => {
    expect(() => areaTable(2, 3)).toThrow(/only shrinking/);
    expect(() => areaTable(0, 1)).toThrow(RangeError);
  });
});

describe('roundToByte (cvRound: ties to even, saturate)', () => {
  it('rounds', () => {
    expect([0.5, 1.5, 2.5, 2.4999, 2.5001, 254.5, 255.7, -3].map(roundToByte)).toEqual([0, 2, 2, 2, 3, 254, 255, 0]);
  });
});

describe('AreaResizer', () => {
  it('3x1 -> 2x1 by hand: [0,30,90] -> [10,70]; [10,11,200] -> [10,137]', () => {
    expect(run([[0, 30, 90]], 1, 2)).toEqual([[10, 70]]);
    expect(run([[10, 11, 200]], 1, 2)).toEqual([[10, 137]]);
  });
  it('5x2 -> 2x2 (rows 2.5): column sums weighted 0.4,0.4,0.2 | 0.2,0.4,0.4', () => {
    // rows: 0, 10, 20, 30, 40 (each row constant), two columns
    const src = [[0, 0], [10, 10], [20, 20], [30, 30], [40, 40]];
    // row 0: 0.4*0 + 0.4*10 + 0.2*20 = 8 ; row 1: 0.2*20 + 0.4*30 + 0.4*40 = 32
    expect(run(src, 2, 2)).toEqual([[8, 8], [32, 32]]);
  });
  it('a single bright pixel spreads by its covered area (3x3 -> 2x2)', () => {
    // pixel (1,1) = 225 is split among four output cells, each covering 1/3 x 1/3 of it out of a
    // 1.5 x 1.5 cell: 225 * (1/9) / (2.25/9)... = 225 * (1/3*1/3) / (1.5*1.5)*... computed exactly:
    const src = [[0, 0, 0], [0, 225, 0], [0, 0, 0]];
    // each cell covers half of the middle pixel in each direction: weight (0.5*0.5)/(1.5*1.5) = 1/9
    expect(run(src, 2, 2)).toEqual([[25, 25], [25, 25]]);
  });
  it('a uniform image stays uniform at 210x160 -> 84x84 for every value', () => {
    const r = new AreaResizer(160, 210, 84, 84);
    const out = new Uint8Array(84 * 84);
    for (const v of [0, 1, 2, 37, 127, 128, 200, 254, 255]) {
      r.resize(new Uint8Array(210 * 160).fill(v), out);
      expect(out.every((x) => x === v)).toBe(true);
    }
  });
  it('210x160 -> 84x84 matches the exact area average within rounding on a structured image', () => {
    const src: number[][] = Array.from({ length: 210 }, (_, y) => Array.from({ length: 160 }, (_, x) => (x * 7 + y * 13 + ((x * y) % 17)) & 255));
    const got = run(src, 84, 84);
    const want = exactArea(src, 84, 84);
    let maxErr = 0;
    for (let y = 0; y < 84; y++) for (let x = 0; x < 84; x++) maxErr = Math.max(maxErr, Math.abs(got[y][x] - want[y][x]));
    // rounding to integers: at most 0.5 away (plus float32 noise)
    expect(maxErr).toBeLessThanOrEqual(0.5 + 1e-3);
  });
  it('RGB (3 channels) resizes each channel like the grayscale path', () => {
    const gray = Array.from({ length: 5 }, (_, y) => Array.from({ length: 3 }, (_, x) => y * 40 + x * 7));
    const g = run(gray, 2, 2);
    const rgbSrc = new Uint8Array(5 * 3 * 3);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 3; c++) rgbSrc[(y * 3 + x) * 3 + c] = c === 1 ? 255 - gray[y][x] : gray[y][x];
    const out = new Uint8Array(2 * 2 * 3);
    new AreaResizer(3, 5, 2, 2, 3).resize(rgbSrc, out);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) {
      expect(out[(y * 2 + x) * 3]).toBe(g[y][x]);
      expect(out[(y * 2 + x) * 3 + 2]).toBe(g[y][x]);
    }
  });
  it('rejects short buffers', () => {
    const r = new AreaResizer(160, 210, 84, 84);
    expect(() => r.resize(new Uint8Array(10), new Uint8Array(84 * 84))).toThrow(/source has 10 bytes/);
    expect(() => r.resize(new Uint8Array(210 * 160), new Uint8Array(5))).toThrow(/destination/);
  });
});

describe(`AreaResizer is bit-identical to OpenCV ${golden.opencv} INTER_AREA`, () => {
  for (const g of golden.cases) {
    it(`${g.kind} ${g.h}x${g.w}x${g.c} -> ${g.dh}x${g.dw}`, () => {
      const want = Uint8Array.from(Buffer.from(g.out, 'base64'));
      const got = new Uint8Array(g.dh * g.dw * g.c);
      new AreaResizer(g.w, g.h, g.dw, g.dh, g.c).resize(goldenInput(g), got);
      let diff = 0;
      let first = -1;
      for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) { diff++; if (first < 0) first = i; }
      expect(diff, `first difference at byte ${first}: got ${got[first]}, OpenCV ${want[first]}`).toBe(0);
    });
  }
});

describe('maxPool and ReferenceObserver', () => {
  it('maxPool is element-wise max', () => {
    const out = new Uint8Array(4);
    maxPool(Uint8Array.of(1, 9, 3, 0), Uint8Array.of(5, 2, 3, 255), out);
    expect(Array.from(out)).toEqual([5, 9, 3, 255]);
  });
  it('pools with the previous frame only when given one, then resizes (or copies at full size)', () => {
    const o = new ReferenceObserver(3, 1);
    const out = new Uint8Array(2);
    o.observe(Uint8Array.of(0, 30, 90), null, out, 2, 1);
    expect(Array.from(out)).toEqual([10, 70]);
    o.observe(Uint8Array.of(0, 30, 90), Uint8Array.of(60, 0, 0), out, 2, 1);
    expect(Array.from(out)).toEqual([50, 70]); // pooled [60,30,90]: 60*2/3+30/3, 30/3+90*2/3
    const full = new Uint8Array(3);
    o.observe(Uint8Array.of(1, 2, 3), Uint8Array.of(3, 2, 1), full, 3, 1);
    expect(Array.from(full)).toEqual([3, 2, 3]);
  });
});
