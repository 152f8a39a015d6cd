/**
 * The run settings bench:learn uses per algorithm: src/run/presets.ts's preset for it (one place
 * for presets), in the mode asked for. DQN: the Quick preset in single mode; PQN (when this
 * build has it): its own preset, vectorized.
 */
import { RUN_PRESETS } from '../../src/run/presets';
import type { RunConfigInput, RunMode } from '../../src/run/types';

export type LearnAlgorithm = 'dqn' | 'pqn';

/** "single" or "WxK" (W env workers x K envs each). */
export function parseMode(s: string): RunMode {
  if (s === 'single') return { kind: 'single' };
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m) throw new Error(`--mode must be single or WxK (e.g. 2x8), got "${s}"`);
  return { kind: 'vectorized', workers: Number(m[1]), envsPerWorker: Number(m[2]) };
}

export function learnSettings(algo: LearnAlgorithm, mode: string | null): Omit<RunConfigInput, 'game'> {
  if (algo !== 'dqn') throw new Error(`--algo ${algo}: this build has no such algorithm (dqn only)`);
  const preset = RUN_PRESETS.quick;
  return { ...preset, ...(mode ? { mode: parseMode(mode) } : {}), seed: 1 };
}
