/**
 * Model export from a live run and "Import model" as a new run, in Node (tfjs cpu): CATCH through
 * the real wasm core, the tests' tiny net, fake-indexeddb.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveNetwork } from '../agent/config';
import type { DQNLearner } from '../agent/learner';
import { CheckpointError } from '../checkpoint/errors';
import { parseSafetensors, toSafetensors } from '../checkpoint/safetensors';
import { freshStore } from '../checkpoint/test-helpers';
import { resolveRunConfig } from './config';
import { RunControllerImpl, type RunDeps } from './controller';
import { SingleEnv } from './envs';
import { createRunFromModel, exportLiveModel, type GameProbe } from './model-io';
import { NETWORKS, QUICK_PRESET } from './presets';

vi.setConfig({ testTimeout: 180_000 });

const ROOT = resolve(__dirname, '../..');
const WASM = resolve(ROOT, 'public/arcade.wasm');
const ROM = resolve(ROOT, 'public/roms/catch.bin');
const missing = !existsSync(WASM) ? `no ${WASM}` : !existsSync(ROM) ? `no ${ROM}` : '';
if (missing) console.warn(`model import/export tests skipped: ${missing}`);
const wasm = missing ? new Uint8Array() : new Uint8Array(readFileSync(WASM));
const rom = missing ? new Uint8Array() : new Uint8Array(readFileSync(ROM));

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const hyper = { ...QUICK_PRESET.agent, network: NETWORKS.smoke, learning_starts: 32 };

async function probe(): Promise<GameProbe> {
  const e = await SingleEnv.create({ rom, wasm, env: { noopMax: 5 } });
  const p = { name: 'catch', md5: e.gameMd5, actionSet: [...e.env.actionSet], frameHeight: e.frameHeight, frameWidth: e.frameWidth };
  e.close();
  return p;
}

describe.skipIf(!!missing)('model export / import as a new run (CATCH, cpu)', () => {
  const open: RunControllerImpl[] = [];
  afterAll(async () => { for (const c of open) await c.close().catch(() => undefined); });

  it('a trained run\'s model starts a new run with the same Q-net (file\'s network over the page\'s); a refused file creates nothing', async () => {
    const store = await freshStore();
    const deps: RunDeps = {
      store,
      backend: { name: 'cpu', adapter: '', isFallbackAdapter: false, fallbackReasons: [] },
      makeEnv: async () => SingleEnv.create({ rom, wasm, env: { noopMax: 5 } }),
      makeWatchEnv: () => SingleEnv.create({ rom, wasm, env: { noopMax: 5 } }),
      memory: () => tf.memory(),
      capacity: 2000,
      metricsIntervalMs: 0,
    };
    const game = await probe();
    const a = await RunControllerImpl.create(resolveRunConfig({ env: { noopMax: 5 }, agent: hyper, seed: 3 }, { md5: game.md5, name: 'catch' }), deps);
    open.push(a);
    // Train past the warm-up, exporting while the loop runs (the clone snapshot needs no pause).
    await a.start();
    while (a.agent.learner.gradientSteps < 5) await new Promise((r) => setTimeout(r, 5));
    const during = await exportLiveModel(a, game);
    expect(parseSafetensors(during.bytes).metadata).toMatchObject({ game: 'catch', num_actions: String(game.actionSet.length), action_set: JSON.stringify(game.actionSet) });
    await a.pause();
    const { bytes, fileName } = await exportLiveModel(a, game);
    expect(fileName).toBe(`catch-${a.agent.globalStep}steps.safetensors`);
    const runsBefore = (await store.listRuns()).length;

    // The page is set to the Nature net; the file says smoke: the new run takes the file's.
    const page = resolveRunConfig({ env: { noopMax: 5 }, agent: { ...hyper, network: 'nature' }, seed: 9, name: 'from model' }, { md5: game.md5, name: 'catch' });
    const b = await createRunFromModel(bytes, page, game, deps);
    open.push(b);
    expect(b.state).toBe('ready');
    expect(b.config.agent.network).toEqual(resolveNetwork(NETWORKS.smoke));
    expect(b.config.seed).toBe(9);
    const wa = (await a.agent.learner.online.getWeights()).map((w) => Buffer.from(w.buffer).toString('base64'));
    expect((await b.agent.learner.online.getWeights()).map((w) => Buffer.from(w.buffer).toString('base64'))).toEqual(wa);
    expect((await (b.agent.learner as DQNLearner).target.getWeights()).map((w: Float32Array) => Buffer.from(w.buffer).toString('base64'))).toEqual(wa);
    expect((await store.listRuns()).length).toBe(runsBefore + 1);
    // It can be watched, and trained further.
    await b.watch({ realtime: false });
    expect(b.state).toBe('watching');
    await b.stopWatch();
    expect(b.state).toBe('ready');
    await b.start();
    while (b.counters.agentSteps < 40) await new Promise((r) => setTimeout(r, 5));
    await b.pause();

    // Refused: another game's action count (no metadata: the output layer shape says so), and a
    // truncated file. Nothing is created or changed in the store.
    const names = a.agent.learner.online.localNames;
    const w = await a.agent.learner.online.getWeights();
    const fp = JSON.stringify(await store.listRuns());
    const other = { ...game, name: 'other', actionSet: [...game.actionSet, 99] };
    await expect(createRunFromModel(bytes, page, other, deps)).rejects.toThrow(`the model has ${game.actionSet.length} actions (trained on catch), other has ${game.actionSet.length + 1}: it cannot play this game`);
    const bare = toSafetensors(names, w, { spec: resolveNetwork(NETWORKS.smoke), input: { height: 84, width: 84, channels: 4 }, numActions: game.actionSet.length, dueling: false });
    await expect(createRunFromModel(bare, page, game, deps)).rejects.toThrow(/checked against the page's network: conv 32×8\/4/);
    await expect(createRunFromModel(bytes.slice(0, 100), page, game, deps)).rejects.toBeInstanceOf(CheckpointError);
    expect(JSON.stringify(await store.listRuns())).toBe(fp);
  });
});
