/** Small timing helpers shared by the run loop, evaluation and watch mode. */

/** A macrotask yield (lets worker messages / timers in between loop slices). */
export function yieldMacrotask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  return new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => { ch.port1.close(); r(); };
    ch.port2.postMessage(0);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));
export const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Work slice between macrotask yields (~30 ms keeps control calls responsive). */
export const SLICE_MS = 30;
