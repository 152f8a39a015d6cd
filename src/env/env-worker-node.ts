/**
 * Node entry of an env worker (worker_threads), for tests and CLIs. Loaded through
 * node-worker-boot.mjs, which registers the TypeScript loader first.
 */
import { parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { exposeEnvWorker } from './worker-core';

if (!parentPort) throw new Error('env-worker-node.ts must run in a worker thread');
exposeEnvWorker(nodeEndpoint(parentPort), { exit: () => process.exit(1) });
