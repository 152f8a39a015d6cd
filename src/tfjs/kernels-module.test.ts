// Loading train_kernels.wasm by the different routes, and the module's arena/error behaviour.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TrainKernels } from './kernels-module';

const WASM = fileURLToPath(new URL('../../public/train_kernels.wasm', import.meta.url));

describe('TrainKernels loading', () => {
  it('loads from a path, a file: URL and raw bytes', async () => {
    const a = await TrainKernels.load({ wasmUrl: WASM });
    const b = await TrainKernels.load({ wasmUrl: new URL(`file://${WASM}`) });
    const c = await TrainKernels.load({ wasmBytes: await readFile(WASM) });
    for (const k of [a, b, c]) {
      k.reset();
      expect(k.arenaUsed()).toBe(0);
    }
  });

  it('reports a missing file clearly', async () => {
    await expect(TrainKernels.load({ wasmUrl: '/nonexistent/train_kernels.wasm' })).rejects.toThrow(/cannot read .*make -C wasm\/kernels/);
  });

  it('grows its own memory for large buffers and resets the arena', async () => {
    const k = await TrainKernels.load();
    const before = k.memory.buffer.byteLength;
    k.reset();
    const p = k.allocF32(8 << 20); // 32 MiB
    expect(p % 64).toBe(0);
    expect(k.memory.buffer.byteLength).toBeGreaterThan(before + (32 << 20) - 1);
    k.f32(p, 8 << 20).fill(1); // the whole block is addressable
    expect(k.arenaUsed()).toBeGreaterThanOrEqual(32 << 20);
    k.reset();
    expect(k.arenaUsed()).toBe(0);
    expect(() => k.allocF32(-1)).toThrow(/cannot allocate/);
    expect(() => k.allocF32(0x40000000)).toThrow(/cannot allocate/);
  });
});
