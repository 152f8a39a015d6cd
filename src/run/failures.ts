/**
 * How a run that stopped for good is told (one wording for every failure: a step that threw, a
 * lost GPU device, a learner worker that crashed or stopped answering) and the page's watchdog
 * bounds. tfjs-free: the page (client.ts) and the learner (controller.ts) both use it.
 */

/**
 * The text of a run that stopped for good: what happened (`what`, at agent step `at` when
 * known), what was kept (the last checkpoint, step `saved`), what to do ("Resume from last
 * save", reopening `where`). The run card shows it with that button. With `auto` the page
 * reopens the run by itself (a lost GPU device, RunEvent recover 'auto'), and the text says so.
 */
export function stoppedMessage(what: string, at: number | null, saved: number | null, where = 'on the same backend', advice = '', auto = false): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const next = auto
    ? `The page reopens the run from it by itself in a new learner, ${where}; if that fails, press "Resume from last save".`
    : `Press "Resume from last save": the run reopens from it in a new learner, ${where}.`;
  return `Training stopped: ${what}${at !== null ? ` at step ${fmt(at)}` : ''}. Nothing was saved after that, so ` +
    (saved !== null ? `the last checkpoint (step ${fmt(saved)}) is intact. ` : 'no checkpoint exists yet: this run cannot be resumed. ') +
    (advice ? `${advice} ` : '') +
    (saved !== null ? next : 'Close it and start a new run.');
}

/**
 * How often the page reopens a run by itself after a lost GPU device before it leaves the choice
 * to the person (a driver that keeps crashing): at most AUTO_RECOVER_MAX times within
 * AUTO_RECOVER_WINDOW_MS.
 */
export const AUTO_RECOVER_MAX = 3;
export const AUTO_RECOVER_WINDOW_MS = 10 * 60_000;

/**
 * How JavaScript engines, WebAssembly and the GPU APIs say that an allocation failed (V8's
 * RangeErrors for a too-large ArrayBuffer / typed array, a wasm memory that could not grow,
 * Emscripten's OOM abort, WebGPU's out-of-memory error, our kernels' arena).
 */
const OUT_OF_MEMORY = /Array buffer allocation failed|Invalid (typed )?array (buffer )?length|Invalid array length|out of memory|\bOOM\b|could not (grow|allocate)|Cannot enlarge memory|WebAssembly\.Memory\(\): could not allocate/i;

/** What to do when memory ran out (one wording for the form, the run card and the learner). */
export const OUT_OF_MEMORY_ADVICE = 'Lower buffer_size, batch_size or the number of envs, or close other tabs and runs, then try again.';

/** True when an error's text says an allocation failed (OUT_OF_MEMORY). */
export function isOutOfMemory(message: string): boolean {
  return OUT_OF_MEMORY.test(message);
}

/**
 * The text of an error for the user: allocation failures say what happened and what to do (the
 * engine's own words stay in parentheses); other errors keep their message, which at every layer
 * of this code already says what happened.
 */
export function describeError(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  return isOutOfMemory(raw) && !raw.includes(OUT_OF_MEMORY_ADVICE) ? `The browser ran out of memory (${raw}). ${OUT_OF_MEMORY_ADVICE}` : raw;
}

/** The page pings each learner worker this often (a ping is answered from the worker's event loop). */
export const HEARTBEAT_MS = 2000;
/**
 * A ping unanswered this long means the learner worker is gone or hung. The run loop yields a
 * macrotask every ~30 ms (SLICE_MS) and saves are asynchronous (IndexedDB, WebCrypto), so a
 * healthy worker answers within one step; 30 s leaves room for the slowest synchronous piece
 * seen on a loaded 2-core machine (a gradient step, a replay relayout in a mode switch).
 */
export const WATCHDOG_MS = 30_000;
