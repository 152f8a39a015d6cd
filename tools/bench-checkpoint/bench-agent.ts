/**
 * The agent both checkpoint benchmarks save and load (bench.ts in Node, bench-browser-entry.ts
 * in Chromium): Nature net, one env, a replay of N transitions. Frames are written straight into
 * the replay (no acting), so filling 100k transitions takes seconds, not hours: real Pong frames
 * (fillTraceReplay, from pong-frames.ts; what compression must be judged on) or random ones.
 */
import { DQNAgent } from '../../src/agent/agent';
import { makeConfig, type DQNConfig } from '../../src/agent/config';
import { Rng } from '../../src/agent/rng';
import { CueEnv } from '../../src/agent/toyenv';
import type { PongTrace } from './trace-format';

export interface BenchAgents {
  cfg: DQNConfig;
  /** A fresh agent whose replay holds N transitions (the restore target). */
  make(): DQNAgent;
}

export function benchAgents(N: number): BenchAgents {
  const cfg = makeConfig({ num_envs: 1, network: 'nature', learning_starts: 1_000_000 });
  const make = () => new DQNAgent(cfg, new CueEnv({ numEnvs: 1, numActions: 6, frameHeight: 84, frameWidth: 84 }), { capacity: N + 16 });
  return { cfg, make };
}

/** Writes N transitions of random frames into the agent's replay and sets its step counters. */
export function fillRandomReplay(agent: DQNAgent, N: number): void {
  const rng = new Rng(1);
  const frame = new Uint8Array(84 * 84);
  randomFrame(rng, frame);
  agent.buffer.startEpisodes(frame);
  addRandomSteps(agent, rng, 0, N);
}

/** Steps `from` .. `from + n - 1` of the random trace (after fillRandomReplay's start): random frames, cyclic actions/rewards, an episode end every 1,000 steps. */
export function addRandomSteps(agent: DQNAgent, rng: Rng, from: number, n: number): void {
  const frame = new Uint8Array(84 * 84);
  const act = new Int32Array(1), rew = new Float32Array(1), term = new Uint8Array(1), trunc = new Uint8Array(1);
  for (let i = from; i < from + n; i++) {
    randomFrame(rng, frame);
    act[0] = i % 6; rew[0] = i % 7 === 0 ? 1 : 0; term[0] = i % 1000 === 999 ? 1 : 0;
    agent.buffer.addVectorStep(act, rew, term, trunc, frame, frame);
  }
  agent.globalStep = from + n;
  agent.vectorSteps = from + n;
}

function randomFrame(rng: Rng, frame: Uint8Array): void {
  for (let i = 0; i < frame.length; i += 4) {
    const r = rng.nextU32();
    frame[i] = r; frame[i + 1] = r >>> 8; frame[i + 2] = r >>> 16; frame[i + 3] = r >>> 24;
  }
}

/** Writes the trace's N steps (real Pong frames, actions, rewards, episode ends) into the agent's replay. */
export function fillTraceReplay(agent: DQNAgent, t: PongTrace): void {
  const fb = t.frameBytes;
  agent.buffer.startEpisodes(t.first);
  const act = new Int32Array(1), rew = new Float32Array(1), term = new Uint8Array(1), trunc = new Uint8Array(1);
  for (let i = 0; i < t.n; i++) {
    const frame = t.frames.subarray(i * fb, (i + 1) * fb);
    act[0] = t.actions[i]; rew[0] = t.rewards[i]; term[0] = t.dones[i];
    // The trace keeps the frame after each step, not the reset frame after an episode end: the
    // final frame stands in for both (the bytes a checkpoint stores are what matters here).
    agent.buffer.addVectorStep(act, rew, term, trunc, frame, frame);
  }
  agent.globalStep = t.n;
  agent.vectorSteps = t.n;
}
