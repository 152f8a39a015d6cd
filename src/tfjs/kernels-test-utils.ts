// Shared helpers for the kernels-*.test.ts files (not shipped code).
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { fileURLToPath } from 'node:url';

let wasmReady: Promise<void> | null = null;

/** Points tfjs-backend-wasm at its .wasm files in node_modules and initialises both backends. */
export function initBackends(): Promise<void> {
  if (!wasmReady) {
    const dist = fileURLToPath(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url));
    setWasmPaths(dist);
    wasmReady = (async () => {
      await tf.setBackend('cpu');
      await tf.ready();
      await tf.setBackend('wasm');
      await tf.ready();
    })();
  }
  return wasmReady;
}

/** Deterministic uniform floats in [-1, 1) (xorshift32), so failures reproduce. */
export function randomFloats(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

export interface Diff {
  maxAbs: number;
  maxRef: number;
  rel: number;
}

/** Max abs difference, and that difference relative to the largest reference magnitude. */
export function compare(got: ArrayLike<number>, ref: ArrayLike<number>): Diff {
  if (got.length !== ref.length) throw new Error(`length mismatch ${got.length} vs ${ref.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  return { maxAbs, maxRef, rel: maxAbs / Math.max(maxRef, 1e-30) };
}

/** Runs `fn` with `backend` active, returning plain arrays so results outlive backend switches. */
export async function onBackend<T>(backend: string, fn: () => T): Promise<T> {
  await tf.setBackend(backend);
  return fn();
}
