/*
 * Instantiates public/arcade.wasm on a fresh shared memory. Works in browsers (URL) and in
 * Node (bytes), so unit tests exercise the same path as the worker.
 */

/** Memory limits the module was linked with (wasm/Makefile: 16 MiB initial, 1 GiB max). */
export const WASM_MEMORY = { initial: 256, maximum: 16384, shared: true } as const;

export interface ArcadeWasm {
  memory: WebAssembly.Memory;
  instance: WebAssembly.Instance;
  /** First free byte after the module's stack and static data. */
  heapBase: number;
  /** Draws demo test-pattern frame `frame` (uint32) at `ptr`; returns 0 on success. */
  demoPattern(ptr: number, frame: number): number;
  /** Throws a RangeError unless [ptr, ptr+len) lies inside the memory. */
  checkRange(ptr: number, len: number): void;
  /**
   * Reserves `n` bytes of wasm memory (16-byte aligned) through the module's own allocator
   * (arcade_alloc), so buffers never overlap the emulators'. Modules without an allocator
   * get a bump pointer from __heap_base. Throws when memory is exhausted.
   */
  alloc(n: number): number;
}

export async function instantiateArcade(source: BufferSource | Response | Promise<Response>): Promise<ArcadeWasm> {
  const memory = new WebAssembly.Memory(WASM_MEMORY);
  const imports = { env: { memory } };
  let instance: WebAssembly.Instance;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    instance = (await WebAssembly.instantiate(source, imports)).instance;
  } else {
    const res = await source;
    if (!res.ok) throw new Error(`fetching arcade.wasm failed: HTTP ${res.status} ${res.url}`);
    const type = res.headers.get('content-type') ?? '';
    instance = type.startsWith('application/wasm')
      ? (await WebAssembly.instantiateStreaming(res, imports)).instance
      : (await WebAssembly.instantiate(await res.arrayBuffer(), imports)).instance;
  }
  const ex = instance.exports as Record<string, unknown>;
  const demo = ex['demo_pattern'];
  const heap = ex['__heap_base'];
  if (typeof demo !== 'function') throw new Error('arcade.wasm does not export demo_pattern');
  if (!(heap instanceof WebAssembly.Global)) throw new Error('arcade.wasm does not export __heap_base');
  const checkRange = (ptr: number, len: number): void => {
    if (!Number.isInteger(ptr) || !Number.isInteger(len) || ptr <= 0 || len < 0 || ptr + len > memory.buffer.byteLength) {
      throw new RangeError(`range [${ptr}, ${ptr}+${len}) is outside wasm memory of ${memory.buffer.byteLength} bytes`);
    }
  };
  const draw = demo as (ptr: number, frame: number) => number;
  const moduleAlloc = typeof ex['arcade_alloc'] === 'function' ? (ex['arcade_alloc'] as (n: number) => number) : null;
  let bump = ((heap.value as number) + 15) & ~15;
  const alloc = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0 || n > 0x7fff0000) throw new RangeError(`cannot allocate ${n} bytes`);
    let p: number;
    if (moduleAlloc) {
      p = moduleAlloc(n) >>> 0;
    } else {
      p = bump;
      bump = (bump + n + 15) & ~15;
    }
    if (p === 0 || p + n > memory.buffer.byteLength) throw new RangeError(`wasm memory exhausted allocating ${n} bytes`);
    return p;
  };
  return {
    memory,
    instance,
    heapBase: heap.value as number,
    demoPattern(ptr, frame) {
      checkRange(ptr, 160 * 210);
      return draw(ptr, frame >>> 0);
    },
    checkRange,
    alloc,
  };
}

export function loadArcadeWasm(url: string): Promise<ArcadeWasm> {
  return instantiateArcade(fetch(url));
}
