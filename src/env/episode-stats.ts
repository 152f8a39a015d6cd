/**
 * Per-env episode accounting of a VecEnv: each result handed out (recv/step) adds to its env's
 * running return, raw score and length; a finished game becomes that env's `last` episode and is
 * returned as an EpisodeRecord. Results made up after a worker restart end the running episode
 * without counting it (a cut episode is not a game result).
 */
import { accountStep, newEnvStats, restartStats, type EnvStats, type EpisodeRecord } from './episode';
import type { SharedState } from './shared';

export type { EnvStats, EpisodeRecord } from './episode';

export class EpisodeStats {
  /** One entry per env, in env order; restore() replaces an entry, the array stays the same. */
  readonly perEnv: EnvStats[];

  constructor(numEnvs: number) {
    this.perEnv = Array.from({ length: numEnvs }, newEnvStats);
  }

  /** Adds env `id`'s latest result (in `s`); returns the episode it finished, if a game ended. */
  account(s: SharedState, id: number): EpisodeRecord | null {
    return accountStep(this.perEnv[id], id, s.reward[id], s.rawReward[id], s.gameOver[id] === 1, s.truncated[id] === 1,
      s.episodeFrame[id], s.restarted[id] === 1);
  }

  /** Every env starts a new episode (reset()); episode counts and last episodes stay. */
  clearRunning(): void {
    for (const st of this.perEnv) restartStats(st);
  }

  /** Env `id`'s statistics as saved in a state blob, and put back from one. */
  get(id: number): EnvStats { return this.perEnv[id]; }
  restore(id: number, st: EnvStats): void { this.perEnv[id] = st; }
}
