// Boots a TypeScript worker entry inside a Node worker thread: registers tsx's loader, then
// imports the entry named in workerData. (A worker started on a .ts file directly would be
// loaded before any loader could be registered.)
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
