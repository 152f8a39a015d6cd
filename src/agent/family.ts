/**
 * The DQN family's agents in one place: DQN (agent.ts, config.ts) and PQN (pqn.ts,
 * pqn-config.ts) share the acting contract (AgentEnv, Actor, frame stacking in a ReplayBuffer),
 * the Q-network (network.ts) and Adam (adam.ts); everything the run and checkpoint layers touch
 * exists on both agents (cfg, env, rng, evalRng, buffer, learner, capacity, counters,
 * start/step/actor/getState/setState/dispose, lastStepActed, updatePending). makeAgent() is the
 * one place the run layer builds an agent. The tfjs-free part (algorithms, configs) is algorithms.ts.
 */
import type { EpisodeRecord } from '../env/episode';
import { DQNAgent, type AgentState } from './agent';
import type { AgentConfig, Algorithm } from './algorithms';
import type { DQNConfig } from './config';
import { PQNAgent, type PQNAgentState } from './pqn';
import type { PQNConfig } from './pqn-config';
import type { AgentEnv } from './types';

export { ALGORITHMS, defaultAgentConfig, isAlgorithm, validateAgentConfig, type AgentConfig, type Algorithm } from './algorithms';
export type AnyAgent = DQNAgent | PQNAgent;
export type AnyAgentState = AgentState | PQNAgentState;

export interface MakeAgentOptions {
  /** DQN replay capacity override (rows over all envs); ignored by PQN (no replay). */
  capacity?: number;
  onEpisode?: (e: EpisodeRecord, globalStep: number) => void;
}

export function makeAgent(a: Algorithm, cfg: AgentConfig, env: AgentEnv, o: MakeAgentOptions = {}): AnyAgent {
  if (a === 'pqn') return new PQNAgent(cfg as PQNConfig, env, { onEpisode: o.onEpisode });
  return new DQNAgent(cfg as DQNConfig, env, { ...(o.capacity !== undefined ? { capacity: o.capacity } : {}), onEpisode: o.onEpisode });
}
