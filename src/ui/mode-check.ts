/**
 * The new-run form's mode inputs (Single / Vectorized, workers, × envs), checked as they are
 * typed, like the hyperparameters: every bad input at once, each with its own message, and the
 * bounds of the run config (MODE_BOUNDS, src/run/config.ts), so the page and the learner agree.
 * DOM-free, so it is unit-tested.
 */
import type { Algorithm } from '../agent/algorithms';
import { MODE_BOUNDS } from '../run/config';
import type { RunMode } from '../run/types';

export interface ModeInputs {
  vectorized: boolean;
  algorithm: Algorithm;
  /** The inputs' text. */
  workers: string;
  envs: string;
}

export interface ModeProblem {
  field: 'workers' | 'envs';
  message: string;
}

const WHOLE = /^\+?\d+$/;

function whole(text: string, [lo, hi]: readonly [number, number], what: string): number | string {
  const t = text.trim();
  const n = Number(t);
  if (!WHOLE.test(t) || n < lo || n > hi) return `${what} must be a whole number from ${lo} to ${hi}${t === '' ? '' : `, got "${t}"`}`;
  return n;
}

/** The mode the inputs describe, or every problem of them. */
export function checkModeInputs(i: ModeInputs): { mode: RunMode | null; problems: ModeProblem[] } {
  const problems: ModeProblem[] = [];
  if (!i.vectorized) {
    // DQN: one env, as always (the envs input does not apply); PQN: the "× envs" count, all in the learner's thread.
    if (i.algorithm !== 'pqn') return { mode: { kind: 'single' }, problems };
    const k = whole(i.envs, MODE_BOUNDS.envs, 'envs');
    if (typeof k === 'string') return { mode: null, problems: [{ field: 'envs', message: k }] };
    return { mode: k === 1 ? { kind: 'single' } : { kind: 'single', envs: k }, problems };
  }
  const w = whole(i.workers, MODE_BOUNDS.workers, 'workers');
  const k = whole(i.envs, MODE_BOUNDS.envs, 'envs per worker');
  if (typeof w === 'string') problems.push({ field: 'workers', message: w });
  if (typeof k === 'string') problems.push({ field: 'envs', message: k });
  if (typeof w === 'string' || typeof k === 'string') return { mode: null, problems };
  return { mode: { kind: 'vectorized', workers: w, envsPerWorker: k }, problems };
}
