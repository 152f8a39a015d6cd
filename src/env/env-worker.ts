/**
 * Browser entry of an env worker (a module worker):
 *   new Worker(new URL('./env-worker.ts', import.meta.url), { type: 'module' })
 */
import type { Endpoint } from 'comlink';
import { exposeEnvWorker } from './worker-core';

const scope = self as unknown as Endpoint & { close(): void };
exposeEnvWorker(scope, { exit: () => scope.close() });
