/**
 * Evaluation in the product: every `eval_every` agent steps (src/run/config.ts) the training
 * loop stops, plays `agent.eval_episodes` episodes at `agent.eval_epsilon` on a separate single
 * env (the watch env kind, built by RunDeps.makeWatchEnv) through the agent's own acting loop
 * (agent.actor: own frame stacks, exploration from the eval RNG), and goes on. The training envs,
 * their running episodes, the replay and the training RNG are never touched, so a run with
 * evaluations trains exactly like one without (controller.test.ts checks the weights).
 *
 * The loop is src/agent/evaluate.ts's (one evaluation rule for the product, tools and tests): the
 * eval env is reset with the same seed at every evaluation, so successive evaluations face the
 * same no-op starts and sticky-action streams and their means are comparable. Returns are raw game scores (unclipped), like the
 * training curve and CleanRL's RecordEpisodeStatistics.
 */
import { evaluate } from '../agent/evaluate';
import type { AnyAgent } from '../agent/family';
import type { RunEnv } from './envs';
import { SLICE_MS, now, yieldMacrotask } from './timing';

export interface EvalRunOptions {
  episodes: number;
  epsilon: number;
  /** Polled between steps: true = give up (pause, close, mode switch), no result. */
  shouldStop: () => boolean;
}

export interface EvalOutcome {
  meanReturn: number;
  returns: number[];
  lengths: number[];
  epsilon: number;
}

/** The family's evaluation loop (src/agent/evaluate.ts) on `env`, yielding to the event loop every SLICE_MS; null when stopped. */
export async function evaluatePolicy(agent: AnyAgent, env: RunEnv, o: EvalRunOptions): Promise<EvalOutcome | null> {
  let t0 = now();
  const pause = async () => {
    if (now() - t0 >= SLICE_MS) { await yieldMacrotask(); t0 = now(); }
  };
  const r = await evaluate(agent, env, { episodes: o.episodes, epsilon: o.epsilon, shouldStop: o.shouldStop, pause });
  if (!r) return null;
  return { meanReturn: r.returns.reduce((a, b) => a + b, 0) / r.returns.length, ...r };
}

/** The agent step at which the next evaluation is due after one at `lastEvalStep` (null: never). */
export function nextEvalStep(lastEvalStep: number | null, every: number): number | null {
  if (!(every > 0)) return null;
  return (Math.floor((lastEvalStep ?? 0) / every) + 1) * every;
}
