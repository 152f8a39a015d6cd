/**
 * Per-kernel timing of train_kernels.wasm on the Nature-DQN layers at batch 32 (compute only:
 * inputs already in the module's memory), 1 thread against T threads alternated rep by rep in
 * one pool, so machine load drifts hit both alike. Shared by bench:train (Chromium worker) and
 * tools/bench-train-wasm.ts (Node). Timed numbers only; nothing is asserted.
 */
import { TrainKernels, type ConvGeometry } from '../src/tfjs/kernels-module';

export interface KernelRow {
  kernel: string;
  gflop: number;
  ms1: number;
  msT: number;
  gflops1: number;
  gflopsT: number;
}

interface Case { kernel: string; flop: number; sizes: number[]; run(k: TrainKernels, p: number[]): void }

const BATCH = 32;

function conv(name: string, x: [number, number, number, number], f: [number, number, number, number], s: number): Case[] {
  const outH = Math.floor((x[1] - f[0]) / s) + 1, outW = Math.floor((x[2] - f[1]) / s) + 1;
  const g: ConvGeometry = { batch: x[0], inH: x[1], inW: x[2], inC: x[3], outH, outW, outC: f[3], kH: f[0], kW: f[1], strideH: s, strideW: s, padTop: 0, padLeft: 0 };
  const nx = x[0] * x[1] * x[2] * x[3], nf = f[0] * f[1] * f[2] * f[3], ny = x[0] * outH * outW * f[3];
  const flop = 2 * x[0] * outH * outW * f[3] * f[0] * f[1] * f[2];
  const cases: Case[] = [
    { kernel: `${name} forward`, flop, sizes: [nx, nf, ny], run: (k, [px, pf, py]) => k.conv2d(px, pf, py, g) },
    { kernel: `${name} filter grad`, flop, sizes: [nx, ny, nf], run: (k, [px, py, pf]) => k.conv2dBackpropFilter(px, py, pf, g) },
  ];
  // conv1's input gradient is never needed (the frames are not trained)
  if (name !== 'conv1') cases.push({ kernel: `${name} input grad`, flop, sizes: [ny, nf, nx], run: (k, [py, pf, px]) => k.conv2dBackpropInput(py, pf, px, g) });
  return cases;
}

function mm(kernel: string, m: number, kk: number, n: number, ta: boolean, tb: boolean): Case {
  return { kernel, flop: 2 * m * kk * n, sizes: [m * kk, kk * n, m * n], run: (k, [a, b, c]) => k.batchMatMul(a, b, c, 1, 1, m, kk, n, ta, tb) };
}

export const NATURE_CASES: Case[] = [
  ...conv('conv1', [BATCH, 84, 84, 4], [8, 8, 4, 32], 4),
  ...conv('conv2', [BATCH, 20, 20, 32], [4, 4, 32, 64], 2),
  ...conv('conv3', [BATCH, 9, 9, 64], [3, 3, 64, 64], 1),
  mm('fc1 forward (32x3136 . 3136x512)', BATCH, 3136, 512, false, false),
  mm('fc1 weight grad (x^T dy)', 3136, BATCH, 512, true, false),
  mm('fc1 input grad (dy W^T)', BATCH, 512, 3136, false, true),
];

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** reps timed calls per kernel and thread count (after one untimed call of each). */
export function benchKernels(k: TrainKernels, threads: number, reps: number): KernelRow[] {
  const rows: KernelRow[] = [];
  const prev = k.threads;
  try {
    for (const c of NATURE_CASES) {
      k.reset();
      const ptrs = c.sizes.map((n) => k.allocF32(n));
      c.sizes.forEach((n, i) => {
        const v = k.f32(ptrs[i], n);
        for (let j = 0; j < n; j++) v[j] = ((j * 2654435761) >>> 0) / 4294967296 - 0.5;
      });
      const keep = k.arenaUsed();
      const once = (t: number): number => {
        k.useThreads(t);
        k.reset();
        k.allocF32(keep / 4); // the kernel's scratch goes above the preloaded buffers
        const t0 = performance.now();
        c.run(k, ptrs);
        return performance.now() - t0;
      };
      once(1);
      once(threads);
      const a: number[] = [], b: number[] = [];
      for (let r = 0; r < reps; r++) { a.push(once(1)); b.push(once(threads)); }
      const ms1 = median(a), msT = median(b);
      rows.push({ kernel: c.kernel, gflop: c.flop / 1e9, ms1, msT, gflops1: c.flop / 1e6 / ms1, gflopsT: c.flop / 1e6 / msT });
    }
  } finally {
    k.useThreads(prev);
  }
  return rows;
}
