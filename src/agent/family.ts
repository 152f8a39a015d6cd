/**
 * The DQN family in one place: which algorithms exist, their config types, agents and agent
 * states, and the one factory the run layer builds agents with. DQN (agent.ts, config.ts) and
 * PQN (pqn.ts, pqn-config.ts) share the acting contract (AgentEnv, Actor, frame stacking in a
 * ReplayBuffer), the Q-network (network.ts) and Adam (adam.ts); everything the run and checkpoint
 * layers touch exists on both agents (cfg, env, rng, evalRng, buffer, learner, capacity, counters,
 * start/step/actor/getState/setState/dispose, lastStepActed, updatePending).
 */
import { DQNAgent, type AgentState } from './agent';
import { DEFAULT_CONFIG, validateConfig, type DQNConfig } from './config';
import { PQNAgent, type PQNAgentState } from './pqn';
import { DEFAULT_PQN_CONFIG, pqnBatchProblems, validatePQNConfig, type PQNConfig } from './pqn-config';
import type { AgentEnv } from './types';
import type { EpisodeRecord } from '../env/episode';

export type Algorithm = 'dqn' | 'pqn';
export const ALGORITHMS: readonly Algorithm[] = Object.freeze(['dqn', 'pqn'] as const);
export type AgentConfig = DQNConfig | PQNConfig;
export type AnyAgent = DQNAgent | PQNAgent;
export type AnyAgentState = AgentState | PQNAgentState;

export const isAlgorithm = (x: unknown): x is Algorithm => x === 'dqn' || x === 'pqn';

/** The defaults of an algorithm's config (CleanRL's, see config.ts / pqn-config.ts). */
export function defaultAgentConfig(a: Algorithm): Readonly<AgentConfig> {
  return a === 'pqn' ? DEFAULT_PQN_CONFIG : DEFAULT_CONFIG;
}

/** Throws with the first bad field ("DQN config: ..." / "PQN config: ..."). */
export function validateAgentConfig(a: Algorithm, c: AgentConfig): void {
  if (a === 'pqn') {
    validatePQNConfig(c as PQNConfig);
    const p = pqnBatchProblems(c as PQNConfig);
    if (p.length) throw new Error(`PQN config: ${p[0]}`);
  } else validateConfig(c as DQNConfig);
}

export interface MakeAgentOptions {
  /** DQN replay capacity override (rows over all envs); ignored by PQN (no replay). */
  capacity?: number;
  onEpisode?: (e: EpisodeRecord, globalStep: number) => void;
}

export function makeAgent(a: Algorithm, cfg: AgentConfig, env: AgentEnv, o: MakeAgentOptions = {}): AnyAgent {
  if (a === 'pqn') return new PQNAgent(cfg as PQNConfig, env, { onEpisode: o.onEpisode });
  return new DQNAgent(cfg as DQNConfig, env, { ...(o.capacity !== undefined ? { capacity: o.capacity } : {}), onEpisode: o.onEpisode });
}
