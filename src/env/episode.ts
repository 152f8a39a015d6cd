/**
 * Episodes as the env layer reports them: one record per finished GAME (game over, or cut by
 * the time limit or a worker restart), the same for both env adapters (src/run/envs.ts), the
 * agent (src/agent/types.ts), the run's metrics and its charts. With terminalOnLifeLoss a lost
 * life ends the training episode (the agent sees `terminated`) but not the game: the record
 * sums the game's lives, which is the score a player and the published baselines report.
 */
export interface EpisodeRecord {
  /** Env index in its batch. */
  env: number;
  /** Sum of the training rewards (sign-clipped when clipRewards is on). */
  return: number;
  /** Sum of the raw rewards: the game score. */
  rawReturn: number;
  /** Agent steps. */
  length: number;
  /** Emulated frames (episode frame number at the end); -1 when the episode was cut by a worker restart. */
  frames: number;
  /** Ended by truncation (time limit or worker restart) rather than game over. */
  truncated: boolean;
}

/** Running statistics of one env's current game and its last finished one. */
export interface EnvStats {
  episodes: number;
  last: EpisodeRecord | null;
  currentReturn: number;
  currentRawReturn: number;
  currentLength: number;
}

export function newEnvStats(): EnvStats {
  return { episodes: 0, last: null, currentReturn: 0, currentRawReturn: 0, currentLength: 0 };
}

/**
 * Adds one step's results to env `env`'s running sums. Returns the finished game's record when
 * the step ended the game (`gameOver`), else null. `cut`: the episode was cut short by something
 * outside the game (a worker restart): the running sums restart, but a cut episode is not a game
 * result and is not returned. One implementation for both adapters, so they count alike.
 */
export function accountStep(
  st: EnvStats, env: number, reward: number, rawReward: number, gameOver: boolean, truncated: boolean, frames: number, cut = false,
): EpisodeRecord | null {
  st.currentReturn += reward;
  st.currentRawReturn += rawReward;
  st.currentLength++;
  if (!gameOver && !cut) return null;
  const rec: EpisodeRecord = {
    env, return: st.currentReturn, rawReturn: st.currentRawReturn, length: st.currentLength, frames: cut ? -1 : frames, truncated,
  };
  st.currentReturn = 0;
  st.currentRawReturn = 0;
  st.currentLength = 0;
  if (cut) return null;
  st.episodes++;
  st.last = rec;
  return rec;
}

/** Clears the running sums (an explicit reset starts new games). */
export function restartStats(st: EnvStats): void {
  st.currentReturn = 0;
  st.currentRawReturn = 0;
  st.currentLength = 0;
}
