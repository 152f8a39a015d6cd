/**
 * Writes the fixtures the Python tests (test_arcadelab.py) read back: checkpoints exported by
 * our own checkpoint code from small agents, plus what those agents hold, dumped straight from
 * the live agent (not through the checkpoint code), so the Python reader is checked against
 * the agent rather than against the writer it mirrors.
 *
 *   npx tsx tools/python/make_fixture.ts OUT_DIR
 *
 * OUT_DIR/
 *   <name>.arcadelab          exportCheckpoint() of a saved checkpoint (replay, Adam, env states, metrics)
 *   <name>.safetensors        exportOnlineSafetensors() of the same agent (CleanRL QNetwork names)
 *   <name>.<what>.bin         raw little-endian bytes from agent.getState() / the live replay
 *   expected.json             counters, config, RNG, shapes, Q-values, file names (see below)
 *
 * Agents (tfjs cpu backend, fake-indexeddb):
 *   small   2 envs, 9x7 frames (non-square), 2 strided convs + 1 hidden layer, trained past
 *           learning_starts so Adam has moments, with a replay small enough that both env rings
 *           wrap (the reader must unwrap them)
 *   nature  1 env, 84x84, the Nature net (CleanRL's QNetwork exactly), a few steps, no training
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DQNAgent } from '../../src/agent/agent';
import { makeConfig, type DQNConfig } from '../../src/agent/config';
import { Rng } from '../../src/agent/rng';
import { exportCheckpoint } from '../../src/checkpoint/container';
import { saveAgent } from '../../src/checkpoint/restore';
import { exportOnlineSafetensors } from '../../src/checkpoint/safetensors';
import { CheckpointStore } from '../../src/checkpoint/store';
import { StatefulCueEnv } from '../../src/checkpoint/test-helpers';
import { modeFor, resolveRunConfig } from '../../src/run/config';

const out = process.argv[2];
if (!out) {
  console.error('usage: npx tsx tools/python/make_fixture.ts OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function concat(list: readonly ArrayBufferView[]): Buffer {
  return Buffer.concat(list.map(bytesOf));
}

interface Spec {
  name: string;
  cfg: Partial<DQNConfig>;
  frame: [number, number];
  actions: number;
  capacity: number;
  steps: number;
}

const SPECS: Spec[] = [
  {
    name: 'small',
    cfg: {
      num_envs: 2, total_timesteps: 4000, learning_starts: 40, learning_rate: 3e-3, target_network_frequency: 20,
      exploration_fraction: 0.4, gamma: 0.9,
      network: { conv: [{ filters: 4, kernel: 3, stride: 2 }, { filters: 3, kernel: 2, stride: 1 }], hidden: [6] },
    },
    frame: [9, 7],
    actions: 5,
    capacity: 120, // 60 rows per env: 200 agent steps write ~115 rows per env, so both rings wrap
    steps: 200,
  },
  {
    name: 'nature',
    cfg: { num_envs: 1, learning_starts: 1000, network: 'nature' },
    frame: [84, 84],
    actions: 6,
    capacity: 64,
    steps: 12,
  },
];

async function fixture(s: Spec, store: CheckpointStore): Promise<Record<string, unknown>> {
  const cfg = makeConfig({ seed: 7, ...s.cfg });
  const [H, W] = s.frame;
  const env = new StatefulCueEnv({ numEnvs: cfg.num_envs, numActions: s.actions, frameHeight: H, frameWidth: W, seed: 5 });
  const agent = new DQNAgent(cfg, env, { capacity: s.capacity });
  const run = resolveRunConfig({ env: { frameSkip: 4 }, mode: modeFor(cfg.num_envs, 1), agent: cfg, seed: cfg.seed }, { md5: '0123456789abcdef0123456789abcdef', name: `Cue-${s.name}` });
  const rec = await store.createRun(run, `fixture ${s.name}`);
  const metrics = { v: 1, elapsedSec: 12.5, note: `fixture ${s.name}` };
  const { agent: _a, ...runNoAgent } = run;
  // A save at 70%, so the exported checkpoint's replay is partly that save's segments (the
  // small agent's rings wrap after it: some of them are only partly live).
  while (agent.globalStep < s.steps * 0.7) await agent.step();
  await saveAgent(store, rec.runId, agent, { run: runNoAgent, frames: agent.globalStep * 4, metrics, evalReturn: 1.5 });
  while (agent.globalStep < s.steps) await agent.step();
  const m = await saveAgent(store, rec.runId, agent, { run: runNoAgent, frames: agent.globalStep * 4, metrics, evalReturn: 1.5 });
  if (!m.arrays.some((a) => a.parts.some((p) => p.owner !== undefined))) throw new Error(`fixture ${s.name}: the second save reused no replay segment`);
  const h = await exportCheckpoint(store, m.id, { includeReplay: true });
  const parts: Uint8Array[] = [];
  for await (const c of h.chunks()) parts.push(c);
  writeFileSync(join(out, `${s.name}.arcadelab`), concat(parts));
  writeFileSync(join(out, `${s.name}.safetensors`), await exportOnlineSafetensors(agent.learner, { game: `Cue-${s.name}` }));

  // Straight from the live agent.
  const st = await agent.getState();
  const f = (what: string) => `${s.name}.${what}.bin`;
  const put = (what: string, b: Buffer) => writeFileSync(join(out, f(what)), b);
  put('online', concat(st.learner.online));
  put('target', concat(st.learner.target!)); // a DQN fixture: it has a target net
  if (st.learner.adam) {
    put('adam_m', concat(st.learner.adam.m));
    put('adam_v', concat(st.learner.adam.v));
  }
  put('stacks', bytesOf(st.stacks));
  const r = st.replay;
  put('replay_actions', bytesOf(r.actions));
  put('replay_rewards', bytesOf(r.rewards));
  put('replay_flags', bytesOf(r.flags));
  put('replay_frames', concat(r.frameChunks));
  const envStates = env.getEnvStates();
  envStates.forEach((b, i) => put(`env${i}`, bytesOf(b)));

  // Every valid 1-step transition, as the agent's own sampler builds it (ReplayBuffer.fillSlot),
  // in stream order: obs/next_obs converted from the batch's float NHWC to uint8 NCHW.
  const buf = agent.buffer;
  const S = cfg.frame_stack;
  const per = H * W * S;
  const obs: number[] = [], next: number[] = [], acts: number[] = [], rets: number[] = [], discs: number[] = [], envOf: number[] = [];
  const toNchw = (src: Float32Array, dst: number[]) => {
    for (let c = 0; c < S; c++) for (let i = 0; i < H * W; i++) dst.push(src[i * S + c]);
  };
  for (let e = 0; e < buf.numEnvs; e++) {
    const total = buf.rowsWritten(e);
    for (let L = 0; L < total; L++) {
      if (!buf.isValid(e, L)) continue;
      buf.fillSlot(0, e, L);
      toNchw(buf.batch.obs.subarray(0, per), obs);
      toNchw(buf.batch.nextObs.subarray(0, per), next);
      acts.push(buf.batch.actions[0]);
      rets.push(buf.batch.returns[0]);
      discs.push(buf.batch.discounts[0]);
      envOf.push(e);
    }
  }
  put('tr_obs', Buffer.from(Uint8Array.from(obs)));
  put('tr_next_obs', Buffer.from(Uint8Array.from(next)));
  put('tr_actions', Buffer.from(Uint8Array.from(acts)));
  put('tr_rewards', bytesOf(Float32Array.from(rets)));
  put('tr_discounts', bytesOf(Float32Array.from(discs)));
  put('tr_env', Buffer.from(Uint8Array.from(envOf)));

  // Q-values of random uint8 stacks (NCHW for torch, NHWC for tfjs).
  const B = 3;
  const rng = new Rng(99);
  const nchw = new Uint8Array(B * per);
  const nhwc = new Float32Array(B * per);
  for (let b = 0; b < B; b++) for (let c = 0; c < S; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = rng.nextInt(256);
    nchw[b * per + (c * H + y) * W + x] = v;
    nhwc[b * per + (y * W + x) * S + c] = v;
  }
  put('q_in', Buffer.from(nchw));
  const q = await agent.learner.qValues(nhwc, B);
  const res = {
    file: `${s.name}.arcadelab`,
    safetensors: `${s.name}.safetensors`,
    bin: Object.fromEntries(['online', 'target', 'adam_m', 'adam_v', 'stacks', 'replay_actions', 'replay_rewards', 'replay_flags', 'replay_frames',
      'tr_obs', 'tr_next_obs', 'tr_actions', 'tr_rewards', 'tr_discounts', 'tr_env', 'q_in'].map((k) => [k, f(k)])),
    envStates: envStates.map((_, i) => f(`env${i}`)),
    config: run,
    counters: m.counters,
    rng: { agent: st.rng, eval: st.evalRng },
    names: st.learner.names,
    tfShapes: agent.learner.online.variables.map((v) => v.shape),
    adam: st.learner.adam ? { iterations: st.learner.adam.iterations, accBeta1: st.learner.adam.accBeta1, accBeta2: st.learner.adam.accBeta2 } : null,
    gradientSteps: st.learner.gradientSteps,
    replay: { totals: r.totals, segmentCapacity: r.segmentCapacity, numEnvs: r.numEnvs, frameHeight: H, frameWidth: W, maxPriority: r.maxPriority },
    metrics,
    evalReturn: 1.5,
    stack: S,
    actions: s.actions,
    gamma: cfg.gamma,
    q: { batch: B, values: Array.from(q) },
    transitions: acts.length,
  };
  agent.dispose();
  return res;
}

await tf.setBackend('cpu');
await tf.ready();
const expected: Record<string, unknown> = {};
for (const s of SPECS) {
  // Small parts for the small agent, so its arrays span several blobs the reader must join.
  const store = await CheckpointStore.open({ dbName: `python-fixture-${process.pid}-${s.name}`, estimate: null, ...(s.name === 'small' ? { partBytes: 4096 } : {}) });
  expected[s.name] = await fixture(s, store);
  store.close();
}
writeFileSync(join(out, 'expected.json'), JSON.stringify(expected, null, 1));
console.log(`fixtures written to ${out}: ${SPECS.map((s) => s.name).join(', ')}`);
