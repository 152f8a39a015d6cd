/**
 * Runs emulator jobs (load a ROM image, reset, play random actions) in worker threads with a
 * watchdog, for tools/rom-smoke.ts and tools/fuzz-emu.ts. A wasm call cannot be interrupted
 * from its own thread, so each worker reports progress through shared memory after every
 * emulator call; a worker that makes no progress for `hangMs` is terminated, its job reported
 * as a hang, and a fresh worker takes the next job. A worker whose job trapped is replaced
 * too (its wasm instance may be inconsistent).
 */
import { Worker } from 'node:worker_threads';

export interface EmuJob {
  id: number;
  name: string;
  bytes: Uint8Array;
  frames: number;        // emulated frames (acts = frames / frameSkip)
  frameSkip: number;
  sticky: number;
  seed: number;
  legalActions?: boolean; // all legal actions instead of the minimal set
  extras?: boolean;       // also clone/restore, screens, preprocessing, bad states
}

export interface EmuResult {
  id: number;
  name: string;
  status: 'ok' | 'rejected' | 'trap' | 'hang';
  error?: string;
  fatal?: boolean;
  frames: number;
  ms: number;
  episodes: number;
  rewardSum: number;
  rewardFrames: number;
  rendered: boolean;
  maxCallMs: number;
  actMs: number;          // time spent inside act() calls
  romId: string;
  scheme: string;
}

interface Slot {
  worker: Worker;
  progress: Int32Array;
  job: EmuJob | null;
  lastBeat: number;
  lastChange: number;
  ready: Promise<void>;
}

const STAGES = ['idle', 'load', 'reset', 'act', 'extras'];

export class EmuPool {
  private slots: Slot[] = [];
  private readonly wasm: string;
  private readonly hangMs: number;

  constructor(opts: { wasm: string; workers?: number; hangMs?: number }) {
    this.wasm = opts.wasm;
    this.hangMs = opts.hangMs ?? 10_000;
    for (let i = 0; i < Math.max(1, opts.workers ?? 1); i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const sab = new SharedArrayBuffer(8);
    const worker = new Worker(new URL('../src/env/node-worker-boot.mjs', import.meta.url), {
      workerData: { entry: new URL('./emu-worker.ts', import.meta.url).href, wasm: this.wasm, progress: sab },
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: { ready?: boolean }) => {
        if (m && m.ready) {
          worker.off('message', onMsg);
          resolve();
        }
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
    });
    return { worker, progress: new Int32Array(sab), job: null, lastBeat: 0, lastChange: Date.now(), ready };
  }

  /** Runs every job; onResult is called in completion order. Resolves when all are done. */
  async run(jobs: Iterable<EmuJob>, onResult: (r: EmuResult) => void): Promise<void> {
    const it = jobs[Symbol.iterator]();
    let pending = 0;
    let finished = false;
    await Promise.all(this.slots.map((s) => s.ready));
    return new Promise<void>((resolveAll, rejectAll) => {
      const done = () => {
        if (!finished && pending === 0) {
          finished = true;
          clearInterval(timer);
          resolveAll();
        }
      };
      const feed = (slot: Slot) => {
        const n = it.next();
        if (n.done) {
          done();
          return;
        }
        slot.job = n.value;
        slot.lastBeat = Atomics.load(slot.progress, 0);
        slot.lastChange = Date.now();
        pending++;
        slot.worker.postMessage(n.value);
      };
      const attach = (slot: Slot) => {
        slot.worker.on('message', (m: EmuResult | { ready: boolean }) => {
          if ('ready' in m) return;
          const job = slot.job;
          slot.job = null;
          pending--;
          onResult(m);
          if (m.status === 'trap' && job) {
            void replace(slot);
          } else {
            feed(slot);
          }
        });
        slot.worker.on('error', (e) => {
          // an uncaught error in the worker (not a job result): report the job as a trap
          const job = slot.job;
          if (job) {
            slot.job = null;
            pending--;
            onResult(failed(job, 'trap', `worker error: ${e?.message ?? String(e)}`));
          }
          void replace(slot);
        });
      };
      const replace = async (slot: Slot) => {
        const i = this.slots.indexOf(slot);
        slot.worker.removeAllListeners();
        await slot.worker.terminate().catch(() => 0);
        const fresh = this.spawn();
        this.slots[i] = fresh;
        try {
          await fresh.ready;
        } catch (e) {
          rejectAll(e);
          return;
        }
        attach(fresh);
        feed(fresh);
      };
      const failed = (job: EmuJob, status: 'trap' | 'hang', error: string): EmuResult => ({
        id: job.id, name: job.name, status, error, frames: 0, ms: 0, episodes: 0, rewardSum: 0,
        rewardFrames: 0, rendered: false, maxCallMs: 0, actMs: 0, romId: '', scheme: '',
      });
      const timer = setInterval(() => {
        const now = Date.now();
        for (const slot of this.slots) {
          if (!slot.job) continue;
          const beat = Atomics.load(slot.progress, 0);
          if (beat !== slot.lastBeat) {
            slot.lastBeat = beat;
            slot.lastChange = now;
          } else if (now - slot.lastChange > this.hangMs) {
            const job = slot.job;
            const stage = STAGES[Atomics.load(slot.progress, 1)] ?? '?';
            slot.job = null;
            pending--;
            onResult(failed(job, 'hang', `no progress for ${this.hangMs} ms (during ${stage})`));
            void replace(slot);
          }
        }
      }, 100);
      for (const slot of this.slots) {
        attach(slot);
        feed(slot);
      }
      if (pending === 0) done();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => 0)));
  }
}
