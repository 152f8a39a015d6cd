import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { DQNAgent } from '../agent/agent';
import { makeConfig, type DQNConfig } from '../agent/config';
import { Rng } from '../agent/rng';
import { CueEnv } from '../agent/toyenv';
import type { EnvStateIO } from './restore';
import { CheckpointStore, type StoreOptions } from './store';
import { modeFor, resolveRunConfig, type RunSettingsInput } from '../run/config';
import { sha256Hex } from './hash';
import type { ArrayEntry, Manifest, RunConfig } from './types';

/** Test-only helpers (imported by *.test.ts; fake-indexeddb provides IndexedDB in Node). */

let dbSeq = 0;
export async function freshStore(o: StoreOptions = {}): Promise<CheckpointStore> {
  return CheckpointStore.open({ dbName: `test-${process.pid}-${Date.now()}-${dbSeq++}`, estimate: null, ...o });
}

/** CueEnv whose full state (RNG, cues, step counts, frames) can be captured, like AtariEnv.cloneState(). */
export class StatefulCueEnv extends CueEnv implements EnvStateIO {
  getEnvStates(): Uint8Array[] {
    const self = this as unknown as { rng: Rng; cue: Int32Array; t: Int32Array };
    const out: Uint8Array[] = [];
    const fs = this.frameHeight * this.frameWidth;
    for (let e = 0; e < this.numEnvs; e++) {
      // The RNG is shared by all envs of a CueEnv: every env's state carries it (restored from env 0).
      const head = new Uint32Array([...self.rng.getState(), self.cue[e], self.t[e]]);
      const b = new Uint8Array(head.byteLength + fs);
      b.set(new Uint8Array(head.buffer), 0);
      b.set(this.obs.subarray(e * fs, (e + 1) * fs), head.byteLength);
      out.push(b);
    }
    return out;
  }

  setEnvStates(states: Uint8Array[]): void {
    const self = this as unknown as { rng: Rng; cue: Int32Array; t: Int32Array };
    const fs = this.frameHeight * this.frameWidth;
    states.forEach((b, e) => {
      const head = new Uint32Array(b.slice(0, 24).buffer);
      if (e === 0) self.rng.setState([head[0], head[1], head[2], head[3]]);
      self.cue[e] = head[4];
      self.t[e] = head[5];
      this.obs.set(b.subarray(24, 24 + fs), e * fs);
    });
  }
}

export function quickConfig(over: Partial<DQNConfig> = {}): DQNConfig {
  return makeConfig({
    num_envs: 2,
    total_timesteps: 4000,
    learning_starts: 40,
    learning_rate: 3e-3,
    target_network_frequency: 20,
    exploration_fraction: 0.4,
    gamma: 0.9,
    network: { conv: [{ filters: 3, kernel: 3, stride: 1 }], hidden: [8] },
    ...over,
  });
}

export const FAKE_MD5 = '0123456789abcdef0123456789abcdef';

/** A resolved run config for an agent config (num_envs over `numWorkers` workers); `over` replaces run settings. */
export function runConfig(cfg: DQNConfig, numWorkers = 1, over: RunSettingsInput = {}): RunConfig {
  return resolveRunConfig({ env: { frameSkip: 4 }, ...over, mode: modeFor(cfg.num_envs, numWorkers), agent: cfg }, { md5: FAKE_MD5, name: 'Cue' });
}

export function makeAgent(cfg: DQNConfig, capacity = 600, envSeed = 8): DQNAgent {
  return new DQNAgent(cfg, new StatefulCueEnv({ numEnvs: cfg.num_envs, seed: envSeed, frameHeight: 6, frameWidth: 6 }), { capacity });
}

export async function stepTo(agent: DQNAgent, globalStep: number): Promise<void> {
  while (agent.globalStep < globalStep) await agent.step();
}

/** Flat comparable snapshot of everything an agent holds (bit patterns, not rounded numbers). */
export async function snapshot(agent: DQNAgent): Promise<Record<string, unknown>> {
  const s = await agent.getState();
  const bits = (a: Float32Array[] | Float32Array) => (Array.isArray(a) ? a : [a]).map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64'));
  const frames = s.replay.frameChunks.map((c) => Buffer.from(c).toString('base64'));
  return {
    globalStep: s.globalStep,
    vectorSteps: s.vectorSteps,
    episodes: s.episodes,
    rng: s.rng,
    evalRng: s.evalRng,
    stacks: Buffer.from(s.stacks).toString('base64'),
    replayTotals: s.replay.totals,
    replayActions: Buffer.from(s.replay.actions).toString('base64'),
    replayRewards: bits(s.replay.rewards),
    replayFlags: Buffer.from(s.replay.flags).toString('base64'),
    replayFrames: frames,
    replayPriorities: s.replay.priorities ? Buffer.from(s.replay.priorities.buffer).toString('base64') : null,
    maxPriority: s.replay.maxPriority,
    gradientSteps: s.learner.gradientSteps,
    online: bits(s.learner.online),
    target: s.learner.target ? bits(s.learner.target) : null,
    adamM: s.learner.adam ? bits(s.learner.adam.m) : null,
    adamV: s.learner.adam ? bits(s.learner.adam.v) : null,
    adamIter: s.learner.adam?.iterations,
    accBeta1: s.learner.adam?.accBeta1,
    accBeta2: s.learner.adam?.accBeta2,
  };
}

/**
 * Rewrites stored checkpoint `m` the way an older schema stored it: every array named in `whole`
 * becomes one blob of those bytes (key `${name}@${tag}`), the others stay, and the manifest gets
 * `meta` (the old schema's). For the tests that read old checkpoints.
 */
export async function rewriteAsOldSchema(dbName: string, m: Manifest, whole: Record<string, Uint8Array>, tag: string, meta: Manifest['meta']): Promise<void> {
  const raw = await openDB(dbName);
  try {
    const arrays: ArrayEntry[] = [];
    for (const a of m.arrays) {
      const bytes = whole[a.name];
      if (!bytes) { arrays.push(a); continue; }
      const key = `${a.name}@${tag}`;
      await raw.put('blobs', bytes, [m.id, key]);
      arrays.push({ name: a.name, dtype: a.dtype, byteLength: bytes.length, parts: [{ key, size: bytes.length, sha256: await sha256Hex(bytes) }] });
    }
    await raw.put('manifests', { ...m, meta, arrays });
  } finally {
    raw.close();
  }
}
