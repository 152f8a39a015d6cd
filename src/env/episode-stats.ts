/**
 * Per-env episode accounting of a VecEnv: each result handed out (recv/step) adds to its env's
 * running return, raw score and length; a finished game becomes that env's `last` episode and is
 * returned as an EpisodeRecord. Results made up after a worker restart end the running episode
 * without counting it (a cut episode is not a game result).
 */
import type { SharedState } from './shared';

export interface EpisodeRecord {
  envId: number;
  /** Sum of the training rewards (clipped when clipRewards is on). */
  return: number;
  /** Sum of the raw rewards: the game score. */
  rawScore: number;
  /** Agent steps. */
  length: number;
  /** Emulated frames (episode frame number at the end). */
  frames: number;
  /** Whether it ended by truncation (time limit or worker restart). */
  truncated: boolean;
}

export interface EnvStats {
  episodes: number;
  last: EpisodeRecord | null;
  currentReturn: number;
  currentRawScore: number;
  currentLength: number;
}

export class EpisodeStats {
  /** One entry per env, in env order; restore() replaces an entry, the array stays the same. */
  readonly perEnv: EnvStats[];

  constructor(numEnvs: number) {
    this.perEnv = Array.from({ length: numEnvs }, () => ({ episodes: 0, last: null, currentReturn: 0, currentRawScore: 0, currentLength: 0 }));
  }

  /** Adds env `id`'s latest result (in `s`); returns the episode it finished, if a game ended. */
  account(s: SharedState, id: number): EpisodeRecord | null {
    const st = this.perEnv[id];
    st.currentReturn += s.reward[id];
    st.currentRawScore += s.rawReward[id];
    st.currentLength++;
    if (!s.gameOver[id] && !s.restarted[id]) return null;
    const rec: EpisodeRecord = {
      envId: id,
      return: st.currentReturn,
      rawScore: st.currentRawScore,
      length: st.currentLength,
      frames: s.restarted[id] ? -1 : s.episodeFrame[id],
      truncated: s.truncated[id] === 1,
    };
    if (s.restarted[id]) {
      st.currentReturn = 0; st.currentRawScore = 0; st.currentLength = 0;
      return null; // a cut episode is not a game result
    }
    st.episodes++;
    st.last = rec;
    st.currentReturn = 0;
    st.currentRawScore = 0;
    st.currentLength = 0;
    return rec;
  }

  /** Every env starts a new episode (reset()); episode counts and last episodes stay. */
  clearRunning(): void {
    for (const st of this.perEnv) { st.currentReturn = 0; st.currentRawScore = 0; st.currentLength = 0; }
  }

  /** Env `id`'s statistics as saved in a state blob, and put back from one. */
  get(id: number): EnvStats { return this.perEnv[id]; }
  restore(id: number, st: EnvStats): void { this.perEnv[id] = st; }
}
