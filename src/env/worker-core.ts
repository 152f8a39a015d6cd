/**
 * What runs inside an env worker: K AtariEnvs (one EmulatorHost, e.g. one wasm instance), fed
 * through the shared buffer.
 *
 * Control calls (init, reset, stop, test faults) come through comlink. The per-step hot path
 * does not: the VecEnv writes env ids into this worker's command queue in shared memory and
 * (transport 'atomics') wakes the worker with Atomics.notify, or (transport 'comlink') calls
 * drain(). The worker steps each queued env, auto-resets it when its episode ended (keeping the
 * final observation), and publishes the env id to the shared completion ring, which is what
 * lets VecEnv.recv() hand out the first envs to finish.
 */
import * as Comlink from 'comlink';
import { AtariEnv, newStepOutcome, type AtariEnvOptions } from './atari-env';
import type { EmulatorHost, EmulatorSpec } from './emulator';
import { FakeHost } from './fake-emulator';
import { CMD_HEAD, CMD_TAIL, EPOCH, PROGRESS, QUEUE, SharedState, STOP, type SharedLayout } from './shared';

export type Transport = 'atomics' | 'comlink';

export interface WorkerInit {
  buffer: SharedArrayBuffer;
  layout: SharedLayout;
  worker: number;
  emulator: EmulatorSpec;
  env: AtariEnvOptions;
  transport: Transport;
}

export interface WorkerInfo {
  numActions: number;
  actionSet: number[];
  observationShape: number[];
  obsSize: number;
}

/** Faults the tests can inject. */
export type FaultKind = 'throw' | 'hang' | 'exit';

export interface EnvWorkerApi {
  init(init: WorkerInit): Promise<WorkerInfo>;
  /** Resets this worker's envs; seeds[k] for its k-th env (null = continue the env's RNG). */
  reset(seeds: (number | null)[]): void;
  /** Full states of this worker's envs (AtariEnv.cloneState), in env order. Not the hot path. */
  getStates(): Uint8Array[];
  /**
   * Restores this worker's envs from getStates() results: all are checked first, and if one is
   * rejected while applying, the envs already restored are put back, so nothing is half-applied.
   */
  setStates(states: Uint8Array[]): void;
  /** Processes queued step commands (transport 'comlink'); returns how many it did. */
  drain(): number;
  ping(): number;
  stop(): void;
  /** Test hook: the next step (or `now`) throws, hangs forever, or ends the worker. */
  injectFault(kind: FaultKind, when: 'now' | 'nextStep'): void;
}

export interface WorkerPlatform {
  /** Ends the worker abruptly (browser: self.close(); Node: process.exit()). */
  exit(): void;
}

declare global {
  interface Atomics {
    waitAsync?(typedArray: Int32Array, index: number, value: number, timeout?: number): { async: boolean; value: Promise<string> | string };
  }
}

async function createHost(spec: EmulatorSpec): Promise<EmulatorHost> {
  switch (spec.kind) {
    case 'fake':
      return new FakeHost(spec.game ?? {});
    case 'ale': {
      const { createAleHost } = await import('./ale-emulator');
      return createAleHost(spec);
    }
    default:
      throw new Error(`unknown emulator kind ${(spec as { kind: string }).kind}`);
  }
}

class WorkerClosed extends Error {}

/** How long an idle worker blocks waiting for the next step before yielding to its event loop. */
const HOT_WAIT_MS = 2;

export class EnvWorker implements EnvWorkerApi {
  private shared: SharedState | null = null;
  private host: EmulatorHost | null = null;
  private envs: AtariEnv[] = [];
  private first = 0;
  private base = 0;
  private cap = 0;
  private epoch = 0;
  private transport: Transport = 'atomics';
  private running = false;
  private armed: FaultKind | null = null;
  private readonly outcome = newStepOutcome();

  constructor(private readonly platform: WorkerPlatform) {}

  async init(init: WorkerInit): Promise<WorkerInfo> {
    if (this.shared) throw new Error('env worker already initialised');
    const shared = new SharedState(init.layout, init.buffer);
    const { workerStarts } = init.layout;
    this.first = workerStarts[init.worker];
    const count = workerStarts[init.worker + 1] - this.first;
    this.base = shared.workerBase(init.worker);
    this.cap = count;
    this.epoch = Atomics.load(shared.ctrl, this.base + EPOCH);
    this.transport = init.transport;
    this.host = await createHost(init.emulator);
    for (let k = 0; k < count; k++) this.envs.push(AtariEnv.create(this.host, init.env, shared.obsOf(this.first + k)));
    this.shared = shared;
    const e = this.envs[0];
    if (!e) throw new Error('env worker given no envs');
    if (e.obsSize !== init.layout.obsSize) throw new Error(`observation size ${e.obsSize} != layout ${init.layout.obsSize}`);
    if (this.transport === 'atomics') {
      this.running = true;
      void this.loop();
    }
    return { numActions: e.numActions, actionSet: [...e.actionSet], observationShape: [...e.observationShape], obsSize: e.obsSize };
  }

  reset(seeds: (number | null)[]): void {
    const s = this.need();
    if (seeds.length !== this.envs.length) throw new RangeError(`reset: ${seeds.length} seeds for ${this.envs.length} envs`);
    this.envs.forEach((env, k) => {
      const id = this.first + k;
      const seed = seeds[k];
      const { info } = env.reset(seed ?? undefined);
      s.setResult(id, { reward: 0, rawReward: 0, truncated: false, restarted: false, lives: info.lives, episodeFrame: info.episodeFrameNumber });
    });
  }

  getStates(): Uint8Array[] {
    this.need();
    return this.envs.map((env) => env.cloneState());
  }

  setStates(states: Uint8Array[]): void {
    const s = this.need();
    if (!Array.isArray(states) || states.length !== this.envs.length) {
      throw new RangeError(`setStates: ${Array.isArray(states) ? states.length : 'no'} states for ${this.envs.length} envs`);
    }
    states.forEach((st, k) => {
      try {
        this.envs[k].checkState(st);
      } catch (e) {
        throw new RangeError(`env ${this.first + k}: ${(e as Error).message}`);
      }
    });
    const backup = this.envs.map((env) => env.cloneState());
    let k = 0;
    try {
      for (; k < states.length; k++) this.envs[k].restoreState(states[k]);
    } catch (e) {
      for (let j = 0; j < k; j++) this.envs[j].restoreState(backup[j]);
      throw new RangeError(`env ${this.first + k}: ${(e as Error).message}`);
    }
    this.envs.forEach((env, j) => {
      const id = this.first + j;
      const emu = env.emulator;
      s.setResult(id, { reward: env.lastReward, rawReward: env.lastRawReward, truncated: false, restarted: false, lives: emu.lives(), episodeFrame: emu.episodeFrameNumber() });
    });
  }

  drain(): number {
    const s = this.need();
    let done = 0;
    const ctrl = s.ctrl;
    for (;;) {
      const tail = Atomics.load(ctrl, this.base + CMD_TAIL);
      let head = Atomics.load(ctrl, this.base + CMD_HEAD);
      if (head === tail) return done;
      while (head !== tail) {
        const id = Atomics.load(ctrl, this.base + QUEUE + (head % this.cap));
        head++;
        Atomics.store(ctrl, this.base + CMD_HEAD, head);
        if (!this.stepOne(s, id)) return done;
        done++;
      }
    }
  }

  /** Steps env `id` and publishes it; false when this worker has been abandoned. */
  private stepOne(s: SharedState, id: number): boolean {
    if (this.armed) this.fault(this.armed);
    const k = id - this.first;
    const env = this.envs[k];
    if (!env) throw new Error(`env ${id} is not handled by this worker`);
    const r = this.outcome;
    // The env writes its observation straight into this env's slot of the shared buffer (and
    // the final one, when the episode ended, into its final-observation slot).
    env.stepAutoReset(s.actions[id], s.finalObsOf(id), r);
    // A VecEnv that gave up on this worker has bumped the epoch: do not publish stale results.
    if (Atomics.load(s.ctrl, this.base + EPOCH) !== this.epoch) {
      this.running = false;
      return false;
    }
    s.reward[id] = r.reward;
    s.rawReward[id] = r.rawReward;
    s.terminated[id] = r.terminated ? 1 : 0;
    s.truncated[id] = r.truncated ? 1 : 0;
    s.restarted[id] = 0;
    s.gameOver[id] = r.gameOver ? 1 : 0;
    s.lives[id] = r.lives;
    s.episodeFrame[id] = r.episodeFrame;
    Atomics.add(s.ctrl, this.base + PROGRESS, 1);
    s.publish(id);
    return true;
  }

  private async loop(): Promise<void> {
    const s = this.need();
    const ctrl = s.ctrl;
    const waitAsync = Atomics.waitAsync?.bind(Atomics);
    while (this.running && Atomics.load(ctrl, this.base + STOP) === 0) {
      const tail = Atomics.load(ctrl, this.base + CMD_TAIL);
      if (Atomics.load(ctrl, this.base + CMD_HEAD) !== tail) {
        try {
          this.drain();
        } catch (err) {
          this.running = false;
          if (err instanceof WorkerClosed) return;
          // Surface as an uncaught error: the VecEnv sees the worker's error event.
          setTimeout(() => { throw err; });
          return;
        }
        continue;
      }
      // Right after a batch the next send() usually follows within a few ms (the learner's
      // inference): a short blocking wait (a futex sleep, woken by notify within microseconds)
      // catches it without a trip through the event loop, whose wake-up from waitAsync is slow
      // in Node. Only then fall back to waitAsync, which leaves the worker free for comlink calls.
      if (HOT_WAIT_MS > 0 && Atomics.wait(ctrl, this.base + CMD_TAIL, tail, HOT_WAIT_MS) !== 'timed-out') continue;
      if (waitAsync) {
        const r = waitAsync(ctrl, this.base + CMD_TAIL, tail);
        if (r.async) await r.value;
      } else {
        await new Promise((res) => setTimeout(res, 0));
      }
    }
  }

  ping(): number {
    return Date.now();
  }

  stop(): void {
    this.running = false;
    if (this.shared) {
      Atomics.store(this.shared.ctrl, this.base + STOP, 1);
      Atomics.notify(this.shared.ctrl, this.base + CMD_TAIL);
    }
    for (const e of this.envs) e.close();
    this.envs = [];
    this.host?.dispose();
    this.host = null;
  }

  injectFault(kind: FaultKind, when: 'now' | 'nextStep'): void {
    if (when === 'nextStep') this.armed = kind;
    // Thrown from a timer, so it is an uncaught error of the worker (not a rejected call).
    else if (kind === 'throw') setTimeout(() => this.fault(kind));
    else this.fault(kind);
  }

  private fault(kind: FaultKind): void {
    this.armed = null;
    if (kind === 'throw') throw new Error('injected fault: env worker threw');
    if (kind === 'exit') {
      this.platform.exit();
      // A browser worker that called close() still finishes its current task: abort the step
      // so that, as for a worker that really died, no result is published.
      throw new WorkerClosed();
    }
    if (kind === 'hang') {
      // Busy forever: only terminate() gets this worker back.
      for (;;) {
        /* hang */
      }
    }
  }

  private need(): SharedState {
    if (!this.shared) throw new Error('env worker not initialised (call init first)');
    return this.shared;
  }
}

/** Exposes an EnvWorker on a comlink endpoint (the worker's global scope, or a Node port). */
export function exposeEnvWorker(endpoint: Comlink.Endpoint, platform: WorkerPlatform): EnvWorker {
  const w = new EnvWorker(platform);
  Comlink.expose(w, endpoint);
  return w;
}
