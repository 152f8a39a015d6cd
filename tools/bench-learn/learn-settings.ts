/**
 * The run settings bench:learn uses per algorithm: src/run/presets.ts's preset for it (one place
 * for presets), in the mode asked for. DQN: the Quick preset, single mode (one env). PQN: its
 * preset with PQN_SINGLE_ENVS (8) envs in the learner's thread by default (on a 2-core machine the in-thread envs
 * skip the worker hop; --mode 2x4 puts them in env workers instead).
 */
import { PQN_SINGLE_ENVS, RUN_PRESETS } from '../../src/run/presets';
import type { RunConfigInput, RunMode } from '../../src/run/types';

export type LearnAlgorithm = 'dqn' | 'pqn';

/** "single", "singleN" (N envs in the learner's thread) or "WxK" (W env workers x K envs each). */
export function parseMode(s: string): RunMode {
  if (s === 'single') return { kind: 'single' };
  const one = /^single(\d+)$/.exec(s);
  if (one) return { kind: 'single', envs: Number(one[1]) };
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m) throw new Error(`--mode must be single, singleN or WxK (e.g. 2x8), got "${s}"`);
  return { kind: 'vectorized', workers: Number(m[1]), envsPerWorker: Number(m[2]) };
}

/**
 * "name=value" (--set, repeatable): one agent hyperparameter over the preset, under its config
 * name (e.g. anneal_lr=true, learning_rate=2.5e-4, num_minibatches=8). Values are decimal numbers,
 * true/false or null; the run config checks names and bounds as the form's input would be.
 */
export function parseOverride(s: string): [string, number | boolean | null] {
  const m = /^([a-z_][a-z0-9_]*)=(.+)$/.exec(s);
  if (!m) throw new Error(`--set wants name=value (an agent hyperparameter), got "${s}"`);
  const v = m[2];
  if (v === 'true' || v === 'false') return [m[1], v === 'true'];
  if (v === 'null') return [m[1], null];
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v)) throw new Error(`--set ${m[1]}: "${v}" is not a decimal number, true, false or null`);
  return [m[1], Number(v)];
}

export function learnSettings(algo: LearnAlgorithm, mode: string | null, totalTimesteps: number | null = null, overrides: readonly string[] = []): Omit<RunConfigInput, 'game'> {
  const preset = algo === 'dqn' ? RUN_PRESETS.quick : algo === 'pqn' ? RUN_PRESETS.pqn : null;
  if (!preset) throw new Error(`--algo must be dqn or pqn, got "${String(algo)}"`);
  const agent = {
    ...preset.agent,
    ...(totalTimesteps === null ? {} : { total_timesteps: totalTimesteps }),
    ...Object.fromEntries(overrides.map(parseOverride)),
  };
  const runMode = mode ? parseMode(mode) : algo === 'pqn' ? parseMode(`single${PQN_SINGLE_ENVS}`) : undefined;
  return { ...preset, agent, ...(runMode ? { mode: runMode } : {}), seed: 1 };
}
