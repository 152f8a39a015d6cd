/**
 * Env workers as Node worker_threads (tests, CLIs). Each thread boots env-worker-node.ts through
 * node-worker-boot.mjs (TypeScript loader) and talks comlink over its parent port.
 */
import { Worker } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { WorkerHandle } from './worker-handle';

let live = 0;
/** Env worker threads started by this module that have not exited yet (for lifecycle tests). */
export function liveNodeWorkers(): number {
  return live;
}

export function nodeWorkerFactory(): WorkerHandle {
  live++;
  const w = new Worker(new URL('./node-worker-boot.mjs', import.meta.url), {
    workerData: { entry: new URL('./env-worker-node.ts', import.meta.url).href },
  });
  let failed: ((reason: string) => void) | null = null;
  let fired = false;
  let terminating = false;
  const fail = (reason: string) => {
    if (fired || terminating) return;
    fired = true;
    failed?.(reason);
  };
  w.on('error', (e: Error) => fail(`worker error: ${e?.message ?? String(e)}`));
  w.on('exit', (code: number) => {
    live--;
    fail(`worker exited (code ${code})`);
  });
  w.on('messageerror', () => fail('worker message could not be deserialised'));
  return {
    endpoint: nodeEndpoint(w as never),
    terminate: async () => {
      terminating = true;
      await w.terminate();
    },
    onFailure: (cb) => {
      failed = cb;
    },
  };
}
