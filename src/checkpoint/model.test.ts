import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DQNAgent } from '../agent/agent';
import { resolveNetwork } from '../agent/config';
import { PQNAgent } from '../agent/pqn';
import { makePQNConfig } from '../agent/pqn-config';
import { CueEnv } from '../agent/toyenv';
import { CheckpointError } from './errors';
import { exportCheckpointModel, modelMetadata, planModelImport, type ModelTarget } from './model';
import { saveAgent } from './restore';
import { exportOnlineSafetensors, layoutOf, parseSafetensors, toSafetensors } from './safetensors';
import type { CheckpointStore } from './store';
import { freshStore, makeAgent, quickConfig, runConfig, stepTo } from './test-helpers';

vi.setConfig({ testTimeout: 180_000 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const stores: CheckpointStore[] = [];
const agents: DQNAgent[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const a of agents.splice(0)) a.dispose();
});

function agent(): DQNAgent {
  const a = makeAgent(quickConfig());
  agents.push(a);
  return a;
}

/** A model file as the page exports it (metadata included). */
async function modelOf(a: DQNAgent, over: Record<string, string> = {}): Promise<Uint8Array> {
  const layout = layoutOf(a.learner.online);
  return exportOnlineSafetensors(a.learner, { ...modelMetadata(layout, { game: 'Cue', gameMd5: '0'.repeat(32), actionSet: [0, 1, 3, 4], agentSteps: a.globalStep, algorithm: 'dqn', agent: a.cfg }), ...over });
}

const target = (a: DQNAgent, over: Partial<ModelTarget> = {}): ModelTarget => ({
  game: 'Cue', numActions: 4, frameHeight: 6, frameWidth: 6, network: 'nature', frameStack: 4, algorithm: 'dqn', ...over,
});

/** The error a call throws (fails the test if it does not throw). */
function errorOf(f: () => unknown): CheckpointError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return e as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}

describe('model files (Export model / Import model)', () => {
  it('metadata names game, action set, network, input, algorithm; the tensors are the CleanRL QNetwork ones', async () => {
    const a = agent();
    const { tensors, metadata } = parseSafetensors(await modelOf(a));
    expect(metadata).toMatchObject({
      format: 'pt', source: 'arcade-lab', arcadelab_model: '1', game: 'Cue', action_set: '[0,1,3,4]', num_actions: '4',
      input: JSON.stringify({ height: 6, width: 6, channels: 4 }), dueling: 'false', algorithm: 'dqn', double_q: 'true', cleanrl: 'dqn_atari.QNetwork',
    });
    expect(JSON.parse(metadata.network)).toEqual(resolveNetwork(a.cfg.network));
    expect(JSON.parse(metadata.agent_config)).toEqual(a.cfg);
    expect([...tensors.keys()].sort()).toEqual(['network.0.bias', 'network.0.weight', 'network.3.bias', 'network.3.weight', 'network.5.bias', 'network.5.weight']);
  });

  it('import plan: takes the file\'s own network (over the page\'s) and returns our-layout weights equal to the exporter\'s', async () => {
    const a = agent();
    const plan = planModelImport(await modelOf(a), target(a, { network: 'small' }));
    expect(plan.network).toEqual(resolveNetwork(a.cfg.network));
    expect(plan.frameStack).toBe(4);
    const want = await a.learner.online.getWeights();
    expect(plan.weights.map((w) => Buffer.from(w.buffer).toString('base64'))).toEqual(want.map((w) => Buffer.from(w.buffer).toString('base64')));
  });

  it('refuses a model for another action count, naming both', async () => {
    const a = agent();
    const file = await modelOf(a);
    const e = errorOf(() => planModelImport(file, target(a, { game: 'Breakout', numActions: 6 })));
    expect(e.code).toBe('incompatible');
    expect(e.message).toBe('the model has 4 actions (trained on Cue), Breakout has 6: it cannot play this game');
  });

  it('a file without metadata (e.g. from CleanRL) is checked against the page\'s network, and the message says so', async () => {
    const a = agent();
    const bare = toSafetensors(a.learner.online.localNames, await a.learner.online.getWeights(), layoutOf(a.learner.online));
    expect(planModelImport(bare, target(a, { network: a.cfg.network })).weights.length).toBe(6);
    const e = errorOf(() => planModelImport(bare, target(a, { network: { conv: [{ filters: 5, kernel: 2, stride: 1 }], hidden: [8] } })));
    expect(e.code).toBe('incompatible');
    expect(e.message).toMatch(/network\.0\.weight has shape \[3,4,3,3\], this network needs \[5,4,2,2\].*checked against the page's network: conv 5×2\/1, hidden \[8\], 4 actions for Cue/);
    // No metadata and another action count: the output layer's shape names both.
    expect(errorOf(() => planModelImport(bare, target(a, { network: a.cfg.network, numActions: 5 }))).message).toMatch(/\[4,8\], this network needs \[5,8\]/);
  });

  it('refuses truncated files, bad headers, wrong dtypes, unknown names, other frame sizes, dueling', async () => {
    const a = agent();
    const good = await modelOf(a);
    const t = target(a);
    expect(errorOf(() => planModelImport(good.slice(0, 5), t)).message).toMatch(/shorter than its 8-byte header length/);
    expect(errorOf(() => planModelImport(good.slice(0, 60), t)).message).toMatch(/header length \d+ does not fit the file/);
    const junk = good.slice();
    junk[9] = 0xff;
    expect(errorOf(() => planModelImport(junk, t)).message).toMatch(/header is not JSON/);
    const edit = (f: (h: Record<string, { dtype?: string; shape?: number[] } | Record<string, string>>) => void): Uint8Array => {
      const n = new DataView(good.buffer).getUint32(0, true);
      const h = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + n)));
      f(h);
      let js = JSON.stringify(h);
      while ((8 + js.length) % 8) js += ' ';
      const hb = new TextEncoder().encode(js);
      const out = new Uint8Array(8 + hb.length + good.length - 8 - n);
      new DataView(out.buffer).setUint32(0, hb.length, true);
      out.set(hb, 8);
      out.set(good.subarray(8 + n), 8 + hb.length);
      return out;
    };
    expect(errorOf(() => planModelImport(edit((h) => { (h['network.0.bias'] as { dtype: string }).dtype = 'F16'; }), t)).message).toMatch(/network\.0\.bias is F16, expected F32/);
    expect(errorOf(() => planModelImport(edit((h) => { h['q_head.weight'] = h['network.0.bias']; }), t)).message).toMatch(/unexpected tensor q_head\.weight/);
    expect(errorOf(() => planModelImport(edit((h) => { delete h['network.5.bias']; }), t)).message).toMatch(/lacks network\.5\.bias/);
    expect(errorOf(() => planModelImport(good, target(a, { frameHeight: 84, frameWidth: 84 }))).message).toBe("the model takes 6×6 frames (trained on Cue), Cue's env gives 84×84");
    const dueling = await modelOf(a, { dueling: 'true' });
    expect(errorOf(() => planModelImport(dueling, t)).message).toMatch(/dueling/);
    const badNet = await modelOf(a, { network: '{"conv": 3' });
    expect(errorOf(() => planModelImport(badNet, t)).code).toBe('format');
  });

  it('a stored checkpoint exports its online net (verified blobs), equal to the live export at that step', async () => {
    const cfg = quickConfig();
    const s = await freshStore({ partBytes: 512 });
    stores.push(s);
    const run = await s.createRun(runConfig(cfg));
    const a = makeAgent(cfg);
    agents.push(a);
    await stepTo(a, 80);
    const { agent: _x, ...r } = runConfig(cfg);
    const m = await saveAgent(s, run.runId, a, { run: r, frames: 320 });
    const { bytes, fileName } = await exportCheckpointModel(s, m.id, [0, 1, 3, 4]);
    expect(fileName).toBe('Cue-80steps.safetensors');
    const live = await modelOf(a);
    const st = parseSafetensors(bytes);
    const lv = parseSafetensors(live);
    for (const [k, v] of lv.tensors) expect(Buffer.from(st.tensors.get(k)!.data).equals(Buffer.from(v.data))).toBe(true);
    expect(st.metadata).toMatchObject({ game: 'Cue', agent_steps: '80', action_set: '[0,1,3,4]', num_actions: '4' });
    // Unknown action set (a ROM not at hand): the key is left out rather than guessed.
    expect(parseSafetensors((await exportCheckpointModel(s, m.id, null)).bytes).metadata.action_set).toBeUndefined();
  });
});

describe('PQN model files (purejaxql names)', () => {
  const pqnNet = { conv: [{ filters: 3, kernel: 3, stride: 1 }], hidden: [8] };
  function pqnAgent(seed: number): PQNAgent {
    const cfg = makePQNConfig({ num_envs: 2, num_steps: 4, num_minibatches: 2, update_epochs: 1, total_timesteps: 4000, network: pqnNet, seed });
    return new PQNAgent(cfg, new CueEnv({ numEnvs: 2, seed: 3, frameHeight: 6, frameWidth: 6 }));
  }

  it('exports the LayerNorm net under purejaxql Flax names, same layouts; imports back bit-exactly; refuses the other algorithm by name', async () => {
    const a = pqnAgent(1);
    try {
      for (let i = 0; i < 12; i++) await a.step(); // one rollout + its gradient steps: LayerNorm params moved off 1/0
      const layout = layoutOf(a.learner.online);
      expect(layout.layerNorm).toBe(true);
      const bytes = await exportOnlineSafetensors(a.learner, modelMetadata(layout, { game: 'Cue', gameMd5: '0'.repeat(32), actionSet: [0, 1, 3, 4], agentSteps: a.globalStep, algorithm: 'pqn', agent: a.cfg }));
      const { tensors, metadata } = parseSafetensors(bytes);
      expect([...tensors.keys()]).toEqual([
        'CNN_0/Conv_0/kernel', 'CNN_0/Conv_0/bias', 'CNN_0/LayerNorm_0/scale', 'CNN_0/LayerNorm_0/bias',
        'CNN_0/Dense_0/kernel', 'CNN_0/Dense_0/bias', 'CNN_0/LayerNorm_1/scale', 'CNN_0/LayerNorm_1/bias',
        'Dense_0/kernel', 'Dense_0/bias',
      ]);
      // Flax layouts are ours: HWIO conv kernels, [in, out] dense kernels (flattened H, W, C).
      expect(tensors.get('CNN_0/Conv_0/kernel')!.shape).toEqual([3, 3, 4, 3]);
      expect(tensors.get('CNN_0/Dense_0/kernel')!.shape).toEqual([4 * 4 * 3, 8]);
      expect(tensors.get('Dense_0/kernel')!.shape).toEqual([8, 4]);
      expect(metadata).toMatchObject({ algorithm: 'pqn', format: 'flax', reference: expect.stringContaining('purejaxql') });
      expect(metadata.double_q).toBeUndefined();
      const weights = await a.learner.online.getWeights();
      const scale = weights[a.learner.online.localNames.indexOf('conv0/ln/scale')];
      expect(scale.some((v) => v !== 1)).toBe(true);

      const t: ModelTarget = { game: 'Cue', numActions: 4, frameHeight: 6, frameWidth: 6, network: 'nature', frameStack: 4, algorithm: 'pqn' };
      const plan = planModelImport(bytes, t);
      expect(plan.network).toEqual(pqnNet);
      const b = pqnAgent(2);
      try {
        b.learner.online.setWeights(plan.weights);
        const back = await b.learner.online.getWeights();
        back.forEach((w, i) => expect(Buffer.from(w.buffer, w.byteOffset, w.byteLength).equals(Buffer.from(weights[i].buffer, weights[i].byteOffset, weights[i].byteLength))).toBe(true));
      } finally {
        b.dispose();
      }
      expect(errorOf(() => planModelImport(bytes, { ...t, algorithm: 'dqn' })).message)
        .toBe('the model is a PQN network (LayerNorm after each layer) (trained on Cue); this run is DQN: choose Algorithm PQN in the new-run form to import it');
      const dqn = agent();
      const dqnFile = await modelOf(dqn);
      expect(errorOf(() => planModelImport(dqnFile, t)).message)
        .toBe('the model is a DQN network (trained on Cue); this run is PQN: choose Algorithm DQN in the new-run form to import it');
    } finally {
      a.dispose();
    }
  });
});
