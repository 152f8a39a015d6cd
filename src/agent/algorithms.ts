/**
 * The DQN family's algorithms and their configs, without any tfjs (the page imports this through
 * src/run/config.ts and the form): which algorithms exist, their defaults and validators.
 * The agents themselves and the factory are in family.ts.
 */
import { DEFAULT_CONFIG, validateConfig, type DQNConfig } from './config';
import { DEFAULT_PQN_CONFIG, pqnBatchProblems, validatePQNConfig, type PQNConfig } from './pqn-config';

export type Algorithm = 'dqn' | 'pqn';
export const ALGORITHMS: readonly Algorithm[] = Object.freeze(['dqn', 'pqn'] as const);
export type AgentConfig = DQNConfig | PQNConfig;

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
