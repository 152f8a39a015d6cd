// Loader and thin typed wrapper for public/train_kernels.wasm (built from wasm/kernels/).
//
// The module owns its own (non-shared) linear memory. Every kernel call starts with reset(),
// takes buffers from a bump arena with alloc(), and the C code may grow memory while it runs,
// so Float32Array views must be created after the last alloc/compute that could grow it.

/** Where the training kernels' wasm comes from (the emulator core has its own, src/ale/arcade.ts WasmSource). */
export type KernelsWasmSource = {
  /** Browser: URL to fetch. Node: a file path or file: URL to read. */
  wasmUrl?: string | URL;
  /** Raw module bytes (skips any I/O). */
  wasmBytes?: ArrayBuffer | Uint8Array;
  /** An already compiled module. */
  wasmModule?: WebAssembly.Module;
};

interface RawExports {
  memory: WebAssembly.Memory;
  tk_reset(): void;
  tk_alloc(nbytes: number): number;
  tk_arena_used(): number;
  tk_conv2d_backprop_filter(...args: number[]): number;
  tk_conv2d_backprop_input(...args: number[]): number;
  tk_batch_matmul(...args: number[]): number;
}

/** Geometry shared by both gradient kernels (NHWC activations, HWIO filter, dilation 1). */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

const ERRORS: Record<number, string> = {
  [-1]: 'out of memory (train_kernels.wasm could not grow its memory)',
  [-2]: 'invalid or too large shape',
  [-3]: 'unsupported padding',
};

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return !!p?.versions?.node && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

async function readBytes(src: KernelsWasmSource): Promise<BufferSource | WebAssembly.Module> {
  if (src.wasmModule) return src.wasmModule;
  if (src.wasmBytes) return src.wasmBytes;
  if (isNode()) {
    // Hidden from bundlers: this branch only ever runs under Node.
    const fsName = 'node:fs/promises';
    const urlName = 'node:url';
    const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
    const { fileURLToPath } = (await import(/* @vite-ignore */ urlName)) as typeof import('node:url');
    let where: string;
    if (src.wasmUrl === undefined) {
      where = fileURLToPath(new URL('../../public/train_kernels.wasm', import.meta.url));
    } else if (src.wasmUrl instanceof URL || String(src.wasmUrl).startsWith('file:')) {
      where = fileURLToPath(src.wasmUrl);
    } else {
      where = String(src.wasmUrl);
    }
    try {
      return await fs.readFile(where);
    } catch (e) {
      throw new Error(`train_kernels.wasm: cannot read ${where} (build it with make -C wasm/kernels): ${String(e)}`);
    }
  }
  const url = src.wasmUrl ?? 'train_kernels.wasm';
  const res = await fetch(url);
  if (!res.ok) throw new Error(`train_kernels.wasm: fetch ${String(url)} failed: HTTP ${res.status}`);
  return await res.arrayBuffer();
}

export class TrainKernels {
  private constructor(private readonly x: RawExports) {}

  static async load(src: KernelsWasmSource = {}): Promise<TrainKernels> {
    const bytes = await readBytes(src);
    const mod = bytes instanceof WebAssembly.Module ? bytes : await WebAssembly.compile(bytes);
    const inst = await WebAssembly.instantiate(mod, {});
    const ex = inst.exports as unknown as RawExports;
    for (const name of ['memory', 'tk_reset', 'tk_alloc', 'tk_conv2d_backprop_filter', 'tk_conv2d_backprop_input', 'tk_batch_matmul']) {
      if (!(name in ex)) throw new Error(`train_kernels.wasm: missing export ${name} (stale build?)`);
    }
    return new TrainKernels(ex);
  }

  get memory(): WebAssembly.Memory {
    return this.x.memory;
  }

  reset(): void {
    this.x.tk_reset();
  }

  /** Bytes currently taken from the arena (for tests/diagnostics). */
  arenaUsed(): number {
    return this.x.tk_arena_used();
  }

  /** Allocates `n` float32s; throws instead of returning a null pointer. */
  allocF32(n: number): number {
    const bytes = n * 4;
    if (!Number.isFinite(bytes) || bytes < 0 || bytes > 0x7fff0000) {
      throw new Error(`train_kernels.wasm: cannot allocate ${n} floats`);
    }
    const p = this.x.tk_alloc(bytes) >>> 0;
    if (p === 0) throw new Error(`train_kernels.wasm: out of memory allocating ${bytes} bytes`);
    return p;
  }

  /** A view of `n` floats at `ptr` (valid until memory grows). */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.x.memory.buffer, ptr, n);
  }

  private check(rc: number, what: string): void {
    if (rc !== 0) throw new Error(`train_kernels.wasm ${what}: ${ERRORS[rc] ?? `error ${rc}`}`);
  }

  private args(g: ConvGeometry): number[] {
    return [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft];
  }

  /** dW [kH,kW,inC,outC] from x [batch,inH,inW,inC] and dy [batch,outH,outW,outC] (all in our memory). */
  conv2dBackpropFilter(xPtr: number, dyPtr: number, dwPtr: number, g: ConvGeometry): void {
    this.check(this.x.tk_conv2d_backprop_filter(xPtr, dyPtr, dwPtr, ...this.args(g)), 'conv2dBackpropFilter');
  }

  /** dx [batch,inH,inW,inC] from dy [batch,outH,outW,outC] and W [kH,kW,inC,outC]. */
  conv2dBackpropInput(dyPtr: number, wPtr: number, dxPtr: number, g: ConvGeometry): void {
    this.check(this.x.tk_conv2d_backprop_input(dyPtr, wPtr, dxPtr, ...this.args(g)), 'conv2dBackpropInput');
  }

  /**
   * C[i] = op(A[i]) * op(B[i]) for i < max(batchA, batchB) (a batch of 1 broadcasts);
   * A[i] is [k][m] if transA else [m][k]; B[i] is [n][k] if transB else [k][n]; C is [batch][m][n].
   */
  batchMatMul(aPtr: number, bPtr: number, cPtr: number, batchA: number, batchB: number,
    m: number, k: number, n: number, transA: boolean, transB: boolean): void {
    this.check(this.x.tk_batch_matmul(aPtr, bPtr, cPtr, batchA, batchB, m, k, n, transA ? 1 : 0, transB ? 1 : 0), 'batchMatMul');
  }

  /** Convenience for tests: runs the filter gradient on JS arrays. */
  backpropFilterArrays(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float32Array {
    this.reset();
    const px = this.allocF32(x.length), pdy = this.allocF32(dy.length);
    const nw = g.kH * g.kW * g.inC * g.outC;
    const pw = this.allocF32(nw);
    this.f32(px, x.length).set(x);
    this.f32(pdy, dy.length).set(dy);
    this.conv2dBackpropFilter(px, pdy, pw, g);
    return this.f32(pw, nw).slice();
  }

  /** Convenience for tests: runs the input gradient on JS arrays. */
  backpropInputArrays(dy: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array {
    this.reset();
    const pdy = this.allocF32(dy.length), pw = this.allocF32(w.length);
    const nx = g.batch * g.inH * g.inW * g.inC;
    const px = this.allocF32(nx);
    this.f32(pdy, dy.length).set(dy);
    this.f32(pw, w.length).set(w);
    this.conv2dBackpropInput(pdy, pw, px, g);
    return this.f32(px, nx).slice();
  }
}
