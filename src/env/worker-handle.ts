/**
 * A platform-neutral handle on one env worker: its comlink endpoint, a way to kill it, and a way
 * to hear that it failed (uncaught error, exit, undeliverable message).
 */
import type { Endpoint } from 'comlink';

export interface WorkerHandle {
  readonly endpoint: Endpoint;
  /** Stops the worker now; resolves once it is gone (Node) or immediately (browser). */
  terminate(): Promise<void>;
  /** Registers the failure callback (called at most once per handle). */
  onFailure(cb: (reason: string) => void): void;
}

export type WorkerFactory = () => WorkerHandle;

/** Module worker for the browser; Vite bundles env-worker.ts from this URL expression. */
export function browserWorkerFactory(): WorkerHandle {
  const w = new Worker(new URL('./env-worker.ts', import.meta.url), { type: 'module', name: 'env-worker' });
  let failed: ((reason: string) => void) | null = null;
  let fired = false;
  const fail = (reason: string) => {
    if (fired) return;
    fired = true;
    failed?.(reason);
  };
  w.addEventListener('error', (e: ErrorEvent) => {
    e.preventDefault();
    fail(`worker error: ${e.message || 'uncaught error (no message)'}`);
  });
  w.addEventListener('messageerror', () => fail('worker message could not be deserialised'));
  return {
    endpoint: w as unknown as Endpoint,
    terminate: async () => {
      fired = true;
      w.terminate();
    },
    onFailure: (cb) => {
      failed = cb;
    },
  };
}
