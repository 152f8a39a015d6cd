/**
 * Evaluation in the product: every `eval_every` agent steps (src/run/config.ts) the training
 * loop stops, plays `agent.eval_episodes` episodes at `agent.eval_epsilon` on a separate single
 * env (the watch env kind, built by RunDeps.makeWatchEnv) through the agent's own acting loop
 * (agent.actor: own frame stacks, exploration from the eval RNG), and goes on. The training envs,
 * their running episodes, the replay and the training RNG are never touched, so a run with
 * evaluations trains exactly like one without (controller.test.ts checks the weights).
 *
 * The eval env is reset with the same seed at every evaluation (cfg.seed + 0x10000, the seed
 * DQNAgent.evaluate uses), so successive evaluations face the same no-op starts and sticky-action
 * streams and their means are comparable. Returns are raw game scores (unclipped), like the
 * training curve and CleanRL's RecordEpisodeStatistics.
 */
import type { AnyAgent } from '../agent/family';
import type { RunEnv } from './envs';
import { SLICE_MS, now, yieldMacrotask } from './timing';

export const EVAL_SEED_OFFSET = 0x10000;

export interface EvalRunOptions {
  episodes: number;
  epsilon: number;
  /** Polled between steps: true = give up (pause, close, mode switch), no result. */
  shouldStop: () => boolean;
  /** Guard against a policy that never ends an episode (default episodes x 27,000 agent steps, the ALE's 108k-frame cap at frame skip 4). */
  maxSteps?: number;
}

export interface EvalOutcome {
  meanReturn: number;
  returns: number[];
  lengths: number[];
  epsilon: number;
}

/** Plays `episodes` episodes on `env` (numEnvs 1) with `agent`'s policy; null when stopped. */
export async function evaluatePolicy(agent: AnyAgent, env: RunEnv, o: EvalRunOptions): Promise<EvalOutcome | null> {
  const actor = agent.actor(env, { epsilon: o.epsilon });
  await actor.reset((agent.cfg.seed + EVAL_SEED_OFFSET) >>> 0);
  const returns: number[] = [];
  const lengths: number[] = [];
  const maxSteps = o.maxSteps ?? o.episodes * 27_000;
  let t0 = now();
  for (let t = 0; returns.length < o.episodes; t++) {
    if (o.shouldStop()) return null;
    if (t >= maxSteps) throw new Error(`evaluation: ${o.episodes} episodes not finished within ${maxSteps} steps`);
    await actor.step();
    for (const e of env.finished) {
      if (returns.length < o.episodes) { returns.push(e.rawReturn); lengths.push(e.length); }
    }
    if (now() - t0 >= SLICE_MS) { await yieldMacrotask(); t0 = now(); }
  }
  return { meanReturn: returns.reduce((a, b) => a + b, 0) / returns.length, returns, lengths, epsilon: o.epsilon };
}

/** The agent step at which the next evaluation is due after one at `lastEvalStep` (null: never). */
export function nextEvalStep(lastEvalStep: number | null, every: number): number | null {
  if (!(every > 0)) return null;
  return (Math.floor((lastEvalStep ?? 0) / every) + 1) * every;
}
