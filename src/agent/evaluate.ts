/**
 * Evaluation games, the one loop for every agent of the family (DQN, PQN) and every caller (the
 * run's eval_every schedule, tools, tests): the agent's own acting (agent.actor: a frame store
 * of its own and the evaluation RNG, so training envs, replay and exploration are never touched)
 * on a separate env, reset with the same seed each time (cfg.seed + EVAL_SEED_OFFSET) so
 * successive evaluations face the same no-op starts and are comparable. Returns raw game scores.
 */
import type { Actor } from './actor';
import type { AgentEnv } from './types';

export interface EvalResult {
  returns: number[];
  lengths: number[];
  epsilon: number;
}

export interface EvalOptions {
  /** Default cfg.eval_episodes. */
  episodes?: number;
  /** Default cfg.eval_epsilon. */
  epsilon?: number;
  /** Default episodes x 27,000 (the ALE's 108k-frame cap at frame skip 4). */
  maxVectorSteps?: number;
  /** Polled between vector steps: true = give up, evaluate() returns null. */
  shouldStop?: () => boolean;
  /** Awaited after each vector step (e.g. a time-sliced yield to the event loop). */
  pause?: () => Promise<void>;
}

/** Offset of the evaluation env's seed from cfg.seed (the watch env uses its own). */
export const EVAL_SEED_OFFSET = 0x10000;

/** What evaluation needs of an agent. */
export interface Evaluable {
  readonly cfg: { seed: number; eval_episodes: number; eval_epsilon: number };
  actor(env: AgentEnv, o: { epsilon: number }): Actor;
}

/** The first `episodes` games finished on `env` under the agent's policy; null when stopped. */
export async function evaluate(agent: Evaluable, env: AgentEnv, o: EvalOptions = {}): Promise<EvalResult | null> {
  const episodes = o.episodes ?? agent.cfg.eval_episodes;
  const epsilon = o.epsilon ?? agent.cfg.eval_epsilon;
  const maxVectorSteps = o.maxVectorSteps ?? episodes * 27_000;
  const actor = agent.actor(env, { epsilon });
  const out: EvalResult = { returns: [], lengths: [], epsilon };
  await actor.reset((agent.cfg.seed + EVAL_SEED_OFFSET) >>> 0);
  for (let t = 0; out.returns.length < episodes; t++) {
    if (o.shouldStop?.()) return null;
    if (t >= maxVectorSteps) throw new Error(`evaluate: ${episodes} episodes not finished within ${maxVectorSteps} vector steps`);
    await actor.step();
    for (const e of env.finished) {
      if (out.returns.length >= episodes) break;
      out.returns.push(e.rawReturn);
      out.lengths.push(e.length);
    }
    if (o.pause) await o.pause();
  }
  return out;
}
