import type { EpisodeRecord } from '../env/episode';

/**
 * AgentEnv: the interface the DQN agent needs from a batch of N environments. Deliberately small
 * so that the two env adapters of src/run/envs.ts (SingleEnv: one AtariEnv in the learner's
 * thread; WorkerVecEnv: src/env's VecEnv across env workers) and the toy envs of the tests all fit
 * it. (Not to be confused with src/env's VecEnv, the worker pool that WorkerVecEnv adapts.)
 *
 * Shape of the data (EnvPool-like batch, one row per env):
 *   obs          Uint8Array  [N, H, W]  the LATEST preprocessed frame of each env (84x84 for Atari)
 *   finalObs     Uint8Array  [N, H, W]  for envs whose episode just ended: the last frame of that
 *                                       episode (obs already holds the first frame of the next one)
 *   rewards      Float32Array [N]       reward of the step just taken (already clipped or not: the
 *                                       env decides; DQN on Atari expects sign-clipped rewards)
 *   terminated   Uint8Array  [N]        1 = the episode reached a terminal state (no bootstrap)
 *   truncated    Uint8Array  [N]        1 = the episode was cut by a time limit (bootstrap from finalObs)
 *
 *   finished    EpisodeRecord[]        the GAMES that ended on this step (game over or time limit;
 *                                       with terminalOnLifeLoss a lost life ends the training
 *                                       episode, flagged in `terminated`, but not the game)
 *
 * Why the latest frame and not the 4-frame stack: the replay buffer stores every frame once and
 * rebuilds stacks from indices anyway, so a stacked observation would be copied (and sent
 * through the SharedArrayBuffer) four times for nothing. Frames are stacked in one place, the
 * replay buffer (ReplayBuffer.stackRows: a new episode's stack repeats its first frame), and the
 * agent acts on the stacks the replay rebuilds from the frames it just stored. Frame skip,
 * max-pooling, grayscale and resizing stay in the env.
 *
 * Why same-step autoreset with finalObs (Gymnasium's "same step" mode) instead of EnvPool's
 * next-step autoreset: with next-step autoreset the agent must spend a forward pass acting on
 * the final state and then drop a fake transition; here each step() is one real transition
 * for every env, and a truncated episode still hands over its true final frame so the target
 * can bootstrap from it.
 *
 * Buffers are owned by the env and overwritten in place by every reset()/step() (so a
 * SharedArrayBuffer-backed implementation can expose views directly); the agent copies what
 * it needs before the next call. step()/reset() may return a Promise (worker-backed envs) or
 * complete synchronously.
 */
export interface AgentEnv {
  readonly numEnvs: number;
  readonly numActions: number;
  /** Frame height and width in pixels (84 x 84 for Atari; tests use smaller frames). */
  readonly frameHeight: number;
  readonly frameWidth: number;
  readonly obs: Uint8Array;
  readonly finalObs: Uint8Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Games that ended in the last step (emptied by the next reset()/step()). */
  readonly finished: readonly EpisodeRecord[];
  /** Start a fresh episode in every env and write the first frames into obs. */
  reset(seed?: number): void | Promise<void>;
  /** Apply actions[i] in env i, fill rewards/terminated/truncated/obs (and finalObs where done). */
  step(actions: Int32Array): void | Promise<void>;
}

/**
 * The result arrays of an AgentEnv that steps its envs in this thread (LocalVecEnv, the test
 * CueEnv), allocated in one place with checkAgentEnv's sizes. `obs` may be given (LocalVecEnv's
 * SingleEnvs write their rows of it directly). WorkerVecEnv does not use it: its arrays are
 * views of the env workers' shared buffer.
 */
export abstract class LocalEnvArrays {
  readonly obs: Uint8Array;
  readonly finalObs: Uint8Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finished: EpisodeRecord[] = [];

  constructor(
    readonly numEnvs: number,
    readonly numActions: number,
    readonly frameHeight: number,
    readonly frameWidth: number,
    obs?: Uint8Array,
  ) {
    const frames = numEnvs * frameHeight * frameWidth;
    this.obs = obs ?? new Uint8Array(frames);
    this.finalObs = new Uint8Array(frames);
    this.rewards = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
  }
}

/** Validate an AgentEnv's buffers once, up front, so a mis-sized buffer fails loudly instead of corrupting replay. */
export function checkAgentEnv(env: AgentEnv): void {
  const n = env.numEnvs;
  const hw = env.frameHeight * env.frameWidth;
  if (!Number.isInteger(n) || n < 1) throw new Error(`AgentEnv.numEnvs must be a positive integer, got ${n}`);
  if (!Number.isInteger(env.numActions) || env.numActions < 1 || env.numActions > 255) {
    throw new Error(`AgentEnv.numActions must be an integer in [1, 255], got ${env.numActions}`);
  }
  if (!Number.isInteger(hw) || hw < 1) throw new Error(`AgentEnv frame size must be positive, got ${env.frameHeight}x${env.frameWidth}`);
  const want: Array<[string, ArrayLike<number>, number]> = [
    ['obs', env.obs, n * hw],
    ['finalObs', env.finalObs, n * hw],
    ['rewards', env.rewards, n],
    ['terminated', env.terminated, n],
    ['truncated', env.truncated, n],
  ];
  for (const [name, arr, len] of want) {
    if (!arr || arr.length !== len) throw new Error(`AgentEnv.${name} must have length ${len}, got ${arr ? arr.length : arr}`);
  }
  if (!Array.isArray(env.finished)) throw new Error('AgentEnv.finished must be an array of episode records');
}
