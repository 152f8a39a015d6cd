// Loader and thin typed wrapper for public/train_kernels.wasm (built from wasm/kernels/), and the
// pool of worker threads its kernels run on.
//
// The module imports one shared WebAssembly.Memory. With T threads, T-1 workers (Web Workers in
// a browser, worker_threads in Node) each instantiate the same module on that memory and park
// in tk_worker_loop; a kernel call on this thread splits its work items across them and this
// thread, then blocks (memory.atomic.wait32) until they are done. Tfjs kernels are synchronous,
// so blocking is the only way to use other cores inside one; a browser page's main thread may
// not block, so there the pool has one thread. Results do not depend on the thread count (see
// wasm/kernels/threads.h). Every kernel call starts with reset(), takes buffers from a bump
// arena with alloc(), and the C code may grow memory while it runs, so Float32Array views must
// be created after the last alloc/compute that could grow it.
//
// A pool that fails (a worker traps, dies or stops answering) is replaced, inside the failing
// call, by a fresh 1-thread instance on a new memory (withFallback): the failed call is redone
// from its inputs, `threadsNote` says why, and nothing waits unboundedly.

/** Where the training kernels' wasm comes from (the emulator core has its own, src/ale/arcade.ts WasmSource). */
export type KernelsWasmSource = {
  /** Browser: URL to fetch. Node: a file path or file: URL to read. */
  wasmUrl?: string | URL;
  /** Raw module bytes (skips any I/O). */
  wasmBytes?: ArrayBuffer | Uint8Array;
  /** An already compiled module. */
  wasmModule?: WebAssembly.Module;
};

export interface LoadOptions extends KernelsWasmSource {
  /** Threads for the kernels, this one included; default: the machine's logical cores (max 16). */
  threads?: number;
  /** How long a kernel call waits for the workers after finishing its own share. Default 5000 ms. */
  workerTimeoutMs?: number;
}

interface RawExports {
  __stack_pointer: WebAssembly.Global;
  tk_reset(): void;
  tk_alloc(nbytes: number): number;
  tk_arena_used(): number;
  tk_conv2d_backprop_filter(...args: number[]): number;
  tk_conv2d_backprop_input(...args: number[]): number;
  tk_batch_matmul(...args: number[]): number;
  tk_conv2d(...args: number[]): number;
  tk_adam(...args: number[]): number;
  tk_set_threads(workers: number, timeoutMs: number): number;
  tk_pool_quit(): void;
  tk_debug_trap_worker(tid: number): void;
}

/** wasm/kernels/threads.h's TK_MAX_THREADS. */
export const MAX_THREADS = 16;
/** Must match wasm/kernels/Makefile's --initial-memory / --max-memory (pages of 64 KiB). */
const MEMORY_PAGES = { initial: 16, maximum: 32768 };
const ERR_THREADS = -4;
const ERR_TIMEOUT = -5;

/** Thrown out of a kernel call whose thread pool failed; withFallback catches it. */
export class ThreadPoolError extends Error {}

/**
 * Body of each worker, as source text so that the same code runs as a Web Worker (from a Blob
 * URL) and as an eval'd worker_threads Worker, with nothing for a bundler to rewrite. It moves
 * its shadow stack off the caller's, registers (so a job published right after "ready" is not
 * missed), then stays in tk_worker_loop until tk_pool_quit. A trap is reported to the pool
 * (tk_worker_failed) so the caller stops waiting at once.
 */
const WORKER_SOURCE = `
const run = (d, post) => {
  let ex;
  try {
    ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
    ex.__stack_pointer.value = ex.tk_thread_stack_top(d.tid);
    ex.tk_worker_register(d.tid);
  } catch (e) { post({ kind: 'failed', tid: d.tid, message: 'start: ' + String(e && e.message || e) }); return; }
  post({ kind: 'ready', tid: d.tid });
  try { ex.tk_worker_loop(d.tid); post({ kind: 'exit', tid: d.tid }); }
  catch (e) { ex.tk_worker_failed(d.tid); post({ kind: 'failed', tid: d.tid, message: String(e && e.message || e) }); }
};
if (typeof require === 'function') {
  const { parentPort, workerData } = require('node:worker_threads');
  run(workerData, (m) => parentPort.postMessage(m));
} else {
  self.onmessage = (e) => run(e.data, (m) => self.postMessage(m));
}
`;

interface WorkerMsg { kind: 'ready' | 'exit' | 'failed'; tid: number; message?: string }

/** One started worker, Node or browser, behind the same three calls. */
interface PoolWorker {
  onMessage(cb: (m: WorkerMsg) => void): void;
  onDeath(cb: (why: string) => void): void;
  terminate(): void;
}

async function spawnWorker(module: WebAssembly.Module, memory: WebAssembly.Memory, tid: number): Promise<PoolWorker> {
  const data = { module, memory, tid };
  if (isNode()) {
    const wtName = 'node:worker_threads'; // hidden from bundlers, as in readBytes
    const { Worker } = (await import(/* @vite-ignore */ wtName)) as typeof import('node:worker_threads');
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
    w.unref(); // a parked pool must not keep the process alive
    return {
      onMessage: (cb) => w.on('message', cb),
      onDeath: (cb) => {
        w.on('error', (e) => cb(`worker ${tid} error: ${e.message}`));
        w.on('exit', (code) => cb(`worker ${tid} exited (code ${code})`));
      },
      terminate: () => void w.terminate(),
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  w.postMessage(data);
  return {
    onMessage: (cb) => w.addEventListener('message', (e) => cb((e as MessageEvent<WorkerMsg>).data)),
    onDeath: (cb) => w.addEventListener('error', (e) => cb(`worker ${tid} error: ${(e as ErrorEvent).message ?? 'unknown'}`)),
    terminate: () => w.terminate(),
  };
}

/** Whether this thread may block in Atomics.wait / memory.atomic.wait32. */
function canBlock(): string | null {
  const g = globalThis as { window?: unknown; document?: unknown };
  if (!isNode() && g.window !== undefined && g.document !== undefined) return "a page's main thread may not block";
  return null;
}

async function defaultThreads(): Promise<number> {
  let n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (n === undefined && isNode()) {
    const osName = 'node:os'; // hidden from bundlers, as in readBytes
    const os = (await import(/* @vite-ignore */ osName)) as typeof import('node:os');
    n = os.availableParallelism?.() ?? os.cpus().length;
  }
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(n ?? 1)));
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
  private x: RawExports;
  private memoryObj: WebAssembly.Memory;
  private workers: PoolWorker[] = [];
  private threadCount = 1;
  private timeoutMs = 5000;
  /** Set once we stop the workers ourselves: their exits are then expected. */
  private stopping = false;
  /** Why the pool has fewer threads than asked for (or null). */
  private note: string | null = null;
  /** Set from a worker's death event: the next call falls back before it starts. */
  private deathNote: string | null = null;

  private constructor(private readonly module: WebAssembly.Module, inst: { x: RawExports; memory: WebAssembly.Memory }) {
    this.x = inst.x;
    this.memoryObj = inst.memory;
  }

  private static instantiate(module: WebAssembly.Module): { x: RawExports; memory: WebAssembly.Memory } {
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ ...MEMORY_PAGES, shared: true });
    } catch (e) {
      throw new Error(`train_kernels.wasm needs a shared WebAssembly.Memory (a cross-origin isolated page): ${String(e)}`);
    }
    const x = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as RawExports;
    return { x, memory };
  }

  static async load(src: LoadOptions = {}): Promise<TrainKernels> {
    const bytes = await readBytes(src);
    const mod = bytes instanceof WebAssembly.Module ? bytes : await WebAssembly.compile(bytes);
    const names = WebAssembly.Module.exports(mod).map((e) => e.name);
    for (const name of ['tk_reset', 'tk_alloc', 'tk_conv2d', 'tk_conv2d_backprop_filter', 'tk_conv2d_backprop_input', 'tk_batch_matmul', 'tk_adam', 'tk_set_threads', 'tk_worker_loop']) {
      if (!names.includes(name)) throw new Error(`train_kernels.wasm: missing export ${name} (stale build?)`);
    }
    const k = new TrainKernels(mod, TrainKernels.instantiate(mod));
    const want = Math.max(1, Math.min(MAX_THREADS, Math.floor(src.threads ?? (await defaultThreads()))));
    if (want > 1) await k.startPool(want, src.workerTimeoutMs ?? 5000);
    return k;
  }

  /**
   * Runs the following calls on n threads of the started pool (1..threads); for benchmarks,
   * which alternate 1 and T threads inside one run. Returns the previous count.
   */
  useThreads(n: number): number {
    const started = this.workers.length + 1;
    if (!Number.isInteger(n) || n < 1 || n > started) throw new Error(`useThreads: ${n} is not in 1..${started}`);
    const prev = this.threadCount;
    this.check(this.x.tk_set_threads(n - 1, this.timeoutMs), 'setThreads');
    this.threadCount = n;
    return prev;
  }

  private async startPool(want: number, timeoutMs: number): Promise<void> {
    this.timeoutMs = timeoutMs;
    const blocked = canBlock();
    if (blocked) { this.note = `1 thread: ${blocked}`; return; }
    const ready = new Set<number>();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${want - 1 - ready.size} worker(s) not ready after 10 s`)), 10_000);
        const done = () => { clearTimeout(timer); resolve(); };
        const start = async () => {
          for (let tid = 1; tid < want; tid++) {
            const w = await spawnWorker(this.module, this.memoryObj, tid);
            this.workers.push(w);
            w.onMessage((m) => {
              if (m.kind === 'ready') { ready.add(m.tid); if (ready.size === want - 1) done(); }
              if (m.kind === 'failed') { this.deathNote ??= `worker ${m.tid} failed: ${m.message ?? ''}`; reject(new Error(this.deathNote)); }
            });
            // 'exit' after tk_pool_quit is the normal end; only an exit before it is a death.
            w.onDeath((why) => { if (!this.stopping) { this.deathNote ??= why; reject(new Error(why)); } });
          }
        };
        start().catch(reject);
      });
    } catch (e) {
      this.stopWorkers();
      this.deathNote = null;
      this.note = `1 thread: the worker pool did not start (${e instanceof Error ? e.message : String(e)})`;
      // The failed workers may have touched this memory: start over on a fresh one.
      const fresh = TrainKernels.instantiate(this.module);
      this.x = fresh.x;
      this.memoryObj = fresh.memory;
      return;
    }
    this.check(this.x.tk_set_threads(want - 1, timeoutMs), 'setThreads');
    this.threadCount = want;
  }

  private stopWorkers(): void {
    this.stopping = true;
    try { this.x.tk_pool_quit(); } catch { /* the instance is being dropped anyway */ }
    for (const w of this.workers) w.terminate();
    this.workers = [];
  }

  /** Threads the kernels run on now (this one included). */
  get threads(): number {
    return this.threadCount;
  }

  /** Why there are fewer threads than asked for, or null. */
  get threadsNote(): string | null {
    return this.note;
  }

  /** Leaves the pool for a fresh 1-thread instance on a new memory (the old one may still be
   *  written by a straggling worker). Buffers allocated before are gone: callers redo the call. */
  private fallBack(reason: string): void {
    this.stopWorkers();
    const fresh = TrainKernels.instantiate(this.module);
    this.x = fresh.x;
    this.memoryObj = fresh.memory;
    this.threadCount = 1;
    this.deathNote = null;
    this.note = `1 thread: the worker pool failed (${reason})`;
    console.warn(`train_kernels.wasm: ${this.note}; continuing on one thread`);
  }

  /**
   * Runs a whole kernel call (reset, copies in, compute, copies out). If the pool fails inside
   * it, falls back to one thread and runs the call again from the start, so `fn` must only read
   * its inputs from outside our memory.
   */
  withFallback<T>(fn: () => T): T {
    if (this.deathNote) this.fallBack(this.deathNote);
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof ThreadPoolError)) throw e;
      this.fallBack(this.deathNote ?? e.message);
      return fn();
    }
  }

  /** Stops the workers (the instance keeps working on one thread). */
  dispose(): void {
    if (this.workers.length === 0) return;
    this.threadCount = 1;
    this.stopWorkers();
    this.x.tk_set_threads(0, 1);
  }

  /** Test hooks: make worker `tid` trap in (or, hang: never finish) the next job it joins, or
   *  terminate it outright. */
  debugTrapWorker(tid: number, hang = false): void {
    this.x.tk_debug_trap_worker(hang ? -tid : tid);
  }

  debugTerminateWorker(tid: number): void {
    this.workers[tid - 1]?.terminate();
  }

  get memory(): WebAssembly.Memory {
    return this.memoryObj;
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
    return new Float32Array(this.memoryObj.buffer, ptr, n);
  }

  private check(rc: number, what: string): void {
    if (rc === ERR_THREADS) throw new ThreadPoolError(`${what}: a worker failed during the call`);
    if (rc === ERR_TIMEOUT) throw new ThreadPoolError(`${what}: the workers did not finish in time`);
    if (rc !== 0) throw new Error(`train_kernels.wasm ${what}: ${ERRORS[rc] ?? `error ${rc}`}`);
  }

  private args(g: ConvGeometry): number[] {
    return [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft];
  }

  /** y [batch,outH,outW,outC] = conv2d(x [batch,inH,inW,inC], W [kH,kW,inC,outC]) (no bias). */
  conv2d(xPtr: number, wPtr: number, yPtr: number, g: ConvGeometry): void {
    this.check(this.x.tk_conv2d(xPtr, wPtr, yPtr, ...this.args(g)), 'conv2d');
  }

  /** One Adam update of n floats (wasm/kernels/adam.h); constants as the float32s tfjs uses. */
  adam(p: { value: number; m: number; v: number; g: number; outValue: number; outM: number; outV: number }, n: number,
    c: { b1: number; oneMinusB1: number; b2: number; oneMinusB2: number; c1: number; c2: number; eps: number; negLr: number }): void {
    this.check(this.x.tk_adam(p.value, p.m, p.v, p.g, p.outValue, p.outM, p.outV, n,
      c.b1, c.oneMinusB1, c.b2, c.oneMinusB2, c.c1, c.c2, c.eps, c.negLr), 'adam');
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
    return this.withFallback(() => {
      this.reset();
      const px = this.allocF32(x.length), pdy = this.allocF32(dy.length);
      const nw = g.kH * g.kW * g.inC * g.outC;
      const pw = this.allocF32(nw);
      this.f32(px, x.length).set(x);
      this.f32(pdy, dy.length).set(dy);
      this.conv2dBackpropFilter(px, pdy, pw, g);
      return this.f32(pw, nw).slice();
    });
  }

  /** Convenience for tests: runs the input gradient on JS arrays. */
  backpropInputArrays(dy: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array {
    return this.withFallback(() => {
      this.reset();
      const pdy = this.allocF32(dy.length), pw = this.allocF32(w.length);
      const nx = g.batch * g.inH * g.inW * g.inC;
      const px = this.allocF32(nx);
      this.f32(pdy, dy.length).set(dy);
      this.f32(pw, w.length).set(w);
      this.conv2dBackpropInput(pdy, pw, px, g);
      return this.f32(px, nx).slice();
    });
  }

  /** Convenience for tests: the forward convolution on JS arrays. */
  conv2dArrays(x: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array {
    return this.withFallback(() => {
      this.reset();
      const px = this.allocF32(x.length), pw = this.allocF32(w.length);
      const ny = g.batch * g.outH * g.outW * g.outC;
      const py = this.allocF32(ny);
      this.f32(px, x.length).set(x);
      this.f32(pw, w.length).set(w);
      this.conv2d(px, pw, py, g);
      return this.f32(py, ny).slice();
    });
  }

  /** Convenience for tests: batchMatMul on JS arrays. */
  batchMatMulArrays(a: Float32Array, b: Float32Array, batchA: number, batchB: number,
    m: number, k: number, n: number, transA: boolean, transB: boolean): Float32Array {
    return this.withFallback(() => {
      this.reset();
      const pa = this.allocF32(a.length), pb = this.allocF32(b.length);
      const nc = Math.max(batchA, batchB) * m * n;
      const pc = this.allocF32(nc);
      this.f32(pa, a.length).set(a);
      this.f32(pb, b.length).set(b);
      this.batchMatMul(pa, pb, pc, batchA, batchB, m, k, n, transA, transB);
      return this.f32(pc, nc).slice();
    });
  }
}
