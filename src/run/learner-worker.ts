/// <reference lib="webworker" />
/**
 * The learner worker (module worker; one per open run, plus one "library" worker for store
 * operations and the speed demo, see types.ts for why). Owns: the tfjs backend of this worker,
 * at most one RunController, the checkpoint store handle. The page talks to it through comlink
 * (RunClient in client.ts); the controller is handed out as a comlink proxy.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { ArcadeModule } from '../ale/arcade';
import { CheckpointStore } from '../checkpoint/store';
import { exportCheckpoint, exportFileName, importCheckpoint } from '../checkpoint/container';
import { chooseBackend, destroyDeviceForTest, memoryInfo, watchBackendLoss, type WasmAssets } from '../tfjs/backend';
import { DEFAULT_BACKENDS, resolveRunConfig } from './config';
import { RunControllerImpl, checkpointInfo, type RunDeps } from './controller';
import { createSingleModeEnv, SingleEnv, WorkerVecEnv } from './envs';
import type { AtariEnvOptions } from '../env/atari-env';
import { speedDemo } from './speed';
import { exportCheckpointModel } from '../checkpoint/model';
import { createRunFromModel, exportLiveModel, type GameProbe } from './model-io';
import {
  BUILTIN_GAMES, builtinGame,
  type BackendInfo, type BackendName, type CheckpointInfo, type GameSource, type RunConfigInput, type RunInfo, type RunMode, type SpeedDemoResult,
} from './types';

let base = '';
let storeP: Promise<CheckpointStore> | null = null;
let backendP: Promise<BackendInfo> | null = null;
let controller: RunControllerImpl | null = null;
let coreP: Promise<WebAssembly.Module> | null = null;
/** The hosted run's game as its env sees it (model export metadata). */
let hostedGame: GameProbe | null = null;

function url(rel: string): string {
  if (!base) throw new Error('learner worker: init(baseUrl) was not called');
  return new URL(rel, base).href;
}

function store(): Promise<CheckpointStore> {
  storeP ??= CheckpointStore.open();
  return storeP;
}

function core(): Promise<WebAssembly.Module> {
  coreP ??= (async () => {
    const res = await fetch(url('arcade.wasm'));
    if (!res.ok) throw new Error(`cannot fetch arcade.wasm: HTTP ${res.status}`);
    return WebAssembly.compile(await res.arrayBuffer());
  })();
  return coreP;
}

async function romBytes(g: GameSource): Promise<Uint8Array> {
  if (g.kind === 'rom') {
    if (!(g.bytes instanceof Uint8Array) || g.bytes.length === 0) throw new Error('ROM bytes are empty');
    return g.bytes;
  }
  const game = builtinGame(g.id);
  if (!game) throw new Error(`unknown built-in game "${String(g.id)}" (have ${BUILTIN_GAMES.map((b) => b.id).join(', ')})`);
  const res = await fetch(url(game.path));
  if (!res.ok) throw new Error(`cannot fetch built-in ROM ${g.id}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * md5 (and ROM name) as the core computes it; also checks the core can play the ROM. With the
 * run's env options, the action set and frame size its envs will have (model import/export).
 */
let idModP: Promise<ArcadeModule> | null = null;
async function identify(rom: Uint8Array, envOpts?: AtariEnvOptions): Promise<{ md5: string; name: string; actionSet: number[]; frameHeight: number; frameWidth: number }> {
  // One core instance for all identifications (each instance reserves its own memory).
  idModP ??= core().then((m) => ArcadeModule.load(m));
  const env = await SingleEnv.create({ rom, wasm: await core(), module: await idModP, env: envOpts });
  const id = { md5: env.gameMd5, name: env.gameName, actionSet: [...env.env.actionSet], frameHeight: env.frameHeight, frameWidth: env.frameWidth };
  env.close();
  return id;
}

async function probe(rom: Uint8Array, name: string, envOpts: AtariEnvOptions): Promise<GameProbe> {
  const g = await identify(rom, envOpts);
  return { name, md5: g.md5, actionSet: g.actionSet, frameHeight: g.frameHeight, frameWidth: g.frameWidth };
}

async function toBlobResult(f: { bytes: Uint8Array; fileName: string }): Promise<{ blob: Blob; fileName: string }> {
  return { blob: new Blob([f.bytes as unknown as BlobPart], { type: 'application/octet-stream' }), fileName: f.fileName };
}

async function builtinByMd5(md5: string): Promise<Uint8Array | null> {
  for (const { id } of BUILTIN_GAMES) {
    try {
      const rom = await romBytes({ kind: 'builtin', id });
      if ((await identify(rom)).md5 === md5) return rom;
    } catch {
      // a built-in the core cannot play yet: not this one
    }
  }
  return null;
}

function depsFor(rom: Uint8Array, backend: BackendInfo, envOpts: AtariEnvOptions): RunDeps {
  return {
    backend,
    store: undefined as unknown as CheckpointStore, // set by caller
    makeEnv: async (mode: RunMode, seed: number) => {
      const wasm = await core();
      if (mode.kind === 'single') return createSingleModeEnv(mode, { rom, wasm, env: envOpts });
      return WorkerVecEnv.create({
        numEnvs: mode.workers * mode.envsPerWorker, numWorkers: mode.workers, seed, env: envOpts,
        // Env workers fetch the core themselves: an absolute URL (their base is /assets/).
        emulator: { kind: 'ale', rom, wasm: url('arcade.wasm') },
        onEvent: (e) => controller?.envEvent(e.worker, `${e.kind}: ${e.reason}`),
      });
    },
    makeWatchEnv: async () => SingleEnv.create({ rom, wasm: await core(), env: envOpts }),
    memory: memoryInfo,
    simulateDeviceLoss: destroyDeviceForTest,
  };
}

/** The hosted run stops with a clear error when the backend's GPU goes away (one watch per worker: one backend). */
let watching = false;
function watchDevice(): void {
  if (watching) return;
  watching = true;
  watchBackendLoss((what) => controller?.deviceLost(what));
}

function ensureBackend(order?: BackendName[]): Promise<BackendInfo> {
  const assets: WasmAssets = {
    tfjsWasm: new URL(tfjsWasm, self.location.href).href,
    tfjsWasmSimd: new URL(tfjsWasmSimd, self.location.href).href,
    tfjsWasmThreadedSimd: new URL(tfjsWasmThreadedSimd, self.location.href).href,
    trainKernels: url('train_kernels.wasm'),
  };
  backendP ??= chooseBackend(order && order.length ? order : DEFAULT_BACKENDS, assets);
  return backendP;
}

function one(): void {
  if (controller) throw new Error('this learner worker already hosts a run (one run per worker)');
}

const api = {
  /** baseUrl: absolute URL of the app's public folder (where arcade.wasm and roms/ are). */
  async init(baseUrl: string): Promise<void> {
    base = baseUrl;
  },

  /** The page's watchdog (client.ts): every ping on `port` is answered from this worker's event loop. */
  async heartbeat(port: MessagePort): Promise<void> {
    port.onmessage = (e) => port.postMessage(e.data);
  },

  async backend(order?: BackendName[]): Promise<BackendInfo> {
    return ensureBackend(order);
  },

  async createRun(c: RunConfigInput) {
    one();
    if (!c || typeof c !== 'object') throw new Error('createRun: config object required');
    const { game: source, ...settings } = c;
    const rom = await romBytes(source);
    const game = await identify(rom);
    if (source.kind === 'rom' && source.md5 && source.md5 !== game.md5) throw new Error(`ROM md5 is ${game.md5}, not ${source.md5}`);
    const config = resolveRunConfig(settings, { md5: game.md5, name: source.kind === 'builtin' ? source.id : (source.name ?? game.name) });
    const backend = await ensureBackend(config.backends);
    const deps = { ...depsFor(rom, backend, config.env), store: await store(), onClose: () => { controller = null; } };
    controller = await RunControllerImpl.create(config, deps);
    watchDevice();
    hostedGame = await probe(rom, config.gameName ?? game.name, config.env);
    return Comlink.proxy(controller);
  },

  /** "Import model": a new run (not started) whose nets start from a .safetensors model. */
  async createRunFromModel(c: RunConfigInput, model: Uint8Array) {
    one();
    if (!c || typeof c !== 'object') throw new Error('createRunFromModel: config object required');
    if (!(model instanceof Uint8Array) || model.length === 0) throw new Error('the model file is empty');
    const { game: source, ...settings } = c;
    const rom = await romBytes(source);
    const game = await identify(rom);
    if (source.kind === 'rom' && source.md5 && source.md5 !== game.md5) throw new Error(`ROM md5 is ${game.md5}, not ${source.md5}`);
    const config = resolveRunConfig(settings, { md5: game.md5, name: source.kind === 'builtin' ? source.id : (source.name ?? game.name) });
    const g = await probe(rom, config.gameName ?? game.name, config.env);
    const backend = await ensureBackend(config.backends);
    const deps = { ...depsFor(rom, backend, config.env), store: await store(), onClose: () => { controller = null; } };
    controller = await createRunFromModel(model, config, g, deps);
    hostedGame = g;
    return Comlink.proxy(controller);
  },

  /** The hosted run's online net now, as a model file. */
  async exportModel(): Promise<{ blob: Blob; fileName: string }> {
    if (!controller || !hostedGame) throw new Error('this worker hosts no run');
    return toBlobResult(await exportLiveModel(controller, hostedGame));
  },

  /** A stored checkpoint's online net as a model file (action set known for built-in games). */
  async exportCheckpointModel(id: string): Promise<{ blob: Blob; fileName: string }> {
    const s = await store();
    const m = await s.getManifest(id);
    const rom = await builtinByMd5(m.meta.run.gameMd5);
    const actionSet = rom ? (await identify(rom, m.meta.run.env)).actionSet : null;
    return toBlobResult(await exportCheckpointModel(s, id, actionSet));
  },

  async openCheckpoint(id: string, o: { mode?: RunMode; rom?: Uint8Array; backends?: BackendName[] } = {}) {
    one();
    const s = await store();
    const m = await s.getManifest(id);
    const md5 = m.meta.run.gameMd5;
    let rom = o.rom ?? null;
    if (rom && (await identify(rom)).md5 !== md5) throw new Error(`the ROM given is not this run's game (md5 ${md5})`);
    rom ??= await builtinByMd5(md5);
    if (!rom) throw new Error(`this run's game (md5 ${md5}${m.meta.run.gameName ? `, ${m.meta.run.gameName}` : ''}) is not built in: pick its ROM file to resume it`);
    const backend = await ensureBackend(o.backends ?? m.meta.run.backends);
    const deps = { ...depsFor(rom, backend, m.meta.run.env), store: s, onClose: () => { controller = null; } };
    controller = await RunControllerImpl.fromCheckpoint(id, deps, { mode: o.mode });
    watchDevice();
    hostedGame = await probe(rom, m.meta.run.gameName ?? (await identify(rom)).name, m.meta.run.env);
    return Comlink.proxy(controller);
  },

  async listRuns(): Promise<RunInfo[]> {
    const s = await store();
    return (await s.listRuns()).map((r) => ({
      runId: r.run.runId, name: r.run.name, gameName: r.run.gameName, gameMd5: r.run.gameMd5,
      mode: r.run.mode,
      createdAt: r.run.createdAt, updatedAt: r.run.updatedAt,
      latest: r.latest ? checkpointInfo(r.latest) : null,
      checkpoints: r.checkpoints.map(checkpointInfo),
      open: false,
      training: typeof r.run.trainingSince === 'number',
      retention: r.latest ? { ...r.latest.meta.run.retention } : null,
      autosave: r.latest ? { ...r.latest.meta.run.autosave } : null,
    }));
  },

  async dismissResume(runId: string): Promise<void> {
    await (await store()).setTraining(runId, null);
  },

  async listCheckpoints(runId?: string): Promise<CheckpointInfo[]> {
    const s = await store();
    if (runId) return (await s.listCheckpoints(runId)).map(checkpointInfo);
    return (await s.listRuns()).flatMap((r) => r.checkpoints.map(checkpointInfo));
  },

  async exportCheckpoint(id: string, withReplay: boolean, onProgress?: (d: number, t: number) => void): Promise<{ blob: Blob; fileName: string }> {
    const s = await store();
    const h = await exportCheckpoint(s, id, { includeReplay: withReplay, onProgress });
    const parts: BlobPart[] = [];
    for await (const c of h.chunks()) parts.push(c as unknown as BlobPart);
    const blob = new Blob(parts, { type: 'application/octet-stream' });
    if (blob.size !== h.size) throw new Error(`export wrote ${blob.size} bytes, expected ${h.size}`);
    return { blob, fileName: exportFileName(h.header) };
  },

  async importCheckpoint(file: Blob, onProgress?: (d: number, t: number | null) => void): Promise<CheckpointInfo> {
    const s = await store();
    const r = await importCheckpoint(s, file, { onProgress });
    return checkpointInfo(r.manifest);
  },

  async deleteCheckpoint(id: string): Promise<void> {
    await (await store()).deleteCheckpoint(id);
  },

  async deleteRun(runId: string): Promise<void> {
    await (await store()).deleteRun(runId);
  },

  async speedDemo(game: GameSource, seconds: number, o: { workers?: number; envsPerWorker?: number } = {}): Promise<SpeedDemoResult> {
    const rom = await romBytes(game);
    const wasm = await core();
    const name = game.kind === 'builtin' ? game.id : (game.name ?? (await identify(rom)).name);
    // The training phase needs a tfjs backend: this worker's (the same choice a run makes).
    await ensureBackend();
    return speedDemo({ rom, wasm, wasmUrl: url('arcade.wasm'), name, seconds, workers: o.workers, envsPerWorker: o.envsPerWorker, training: true });
  },

  async memory() {
    return { ...memoryInfo(), backend: tf.getBackend() };
  },
};

export type LearnerWorkerApi = typeof api;

Comlink.expose(api);
