/**
 * Every DQN hyperparameter in one typed object. Names follow CleanRL's dqn_atari.py
 * (https://github.com/vwxyzjn/cleanrl/blob/master/cleanrl/dqn_atari.py) so runs can be compared
 * with its published curves; extra knobs take the names CleanRL uses in its other scripts
 * (rainbow_atari.py: n_step, prioritized_replay_*; ppo: max_grad_norm) where one exists.
 *
 * CleanRL dqn_atari.py defaults and where we differ (every deviation is listed here):
 *   total_timesteps          10_000_000  same. Counted in agent steps (transitions, summed over the
 *                                        N envs). CleanRL counts vector steps; identical for N = 1.
 *   learning_rate            1e-4        same (Adam).
 *   adam_eps                 1e-8        CleanRL inherits PyTorch's Adam eps = 1e-8; we pass it
 *                                        explicitly because tfjs otherwise substitutes the backend's
 *                                        epsilon (1e-4 on WebGL without float32 textures, 1e-7 else).
 *   num_envs                 1           same default; N > 1 runs the same code with batched acting.
 *   buffer_size              1_000_000   requested size; the EFFECTIVE capacity is capped by memory
 *                                        (see replayCapacity(): ~7.06 KB per transition, so 1M would
 *                                        need 7 GB; default cap replay_max_bytes = 2 GiB ≈ 304k).
 *   gamma                    0.99        same.
 *   tau                      1.0         same (1.0 = hard copy; < 1 = Polyak soft update).
 *   target_network_frequency 1000        DEVIATION in units: counted in GRADIENT steps here (as in the
 *                                        Nature paper's "parameter updates"); CleanRL counts env steps,
 *                                        i.e. it copies every 250 gradient steps at train_frequency 4.
 *   batch_size               32          same.
 *   start_e / end_e          1 / 0.01    same.
 *   exploration_fraction     0.10        same (linear decay over 10% of total_timesteps).
 *   learning_starts          80_000      same default, configurable (tests/quick runs use far less).
 *   train_frequency          4           same: one gradient step per 4 agent steps. With N envs the
 *                                        agent owes N/4 gradient steps per vector step (replay ratio
 *                                        stays fixed when N changes).
 *   double_q                 true        DEVIATION: CleanRL dqn_atari is plain DQN (max over target
 *                                        net). We default to Double DQN (van Hasselt et al. 2016);
 *                                        set false for CleanRL's target.
 *   n_step                   1           same as dqn_atari (1-step); 3 as in rainbow_atari.
 *   loss                     'mse'       same as CleanRL (F.mse_loss); 'huber' = smooth L1 with
 *                                        delta 1 (Nature DQN's error clipping, SB3's default).
 *   max_grad_norm            null        same (CleanRL DQN does not clip); a number clips the global
 *                                        gradient norm.
 *   network                  'nature'    same (Nature DQN). 'small' = the 2013 NIPS DQN net for quick
 *                                        runs; a NetworkSpec object allows custom nets (tests).
 *   dueling                  false       same (dqn_atari has no dueling head).
 *   prioritized_replay       false       same (uniform). alpha/beta/eps as in CleanRL rainbow_atari:
 *                                        0.5 / 0.4 (annealed to 1 over the run) / 1e-6.
 *   eval_epsilon             0.05        same as CleanRL's evaluate().
 *   frame_stack              4           same (AtariPreprocessing + FrameStack 4).
 *   seed                     1           same.
 */
export interface ConvLayerSpec {
  filters: number;
  kernel: number;
  stride: number;
}

export interface NetworkSpec {
  /** Conv layers, 'valid' padding, ReLU after each. May be empty (dense-only net, tests). */
  conv: ConvLayerSpec[];
  /** Hidden dense layer widths, ReLU after each (each stream gets these when dueling). */
  hidden: number[];
}

export const NETWORK_PRESETS: Readonly<Record<'nature' | 'small', NetworkSpec>> = Object.freeze({
  /** Mnih et al. 2015 (Nature): 1.69M parameters for 18 actions on 84x84x4. */
  nature: {
    conv: [
      { filters: 32, kernel: 8, stride: 4 },
      { filters: 64, kernel: 4, stride: 2 },
      { filters: 64, kernel: 3, stride: 1 },
    ],
    hidden: [512],
  },
  /** Mnih et al. 2013 (NIPS workshop): ~0.67M parameters, ~4x fewer conv FLOPs; for quick runs. */
  small: {
    conv: [
      { filters: 16, kernel: 8, stride: 4 },
      { filters: 32, kernel: 4, stride: 2 },
    ],
    hidden: [256],
  },
});

export type LossType = 'mse' | 'huber';

export interface DQNConfig {
  seed: number;
  total_timesteps: number;
  learning_rate: number;
  adam_eps: number;
  num_envs: number;
  buffer_size: number;
  /** Upper bound on replay memory in bytes (the clear cap; see replayCapacity()). */
  replay_max_bytes: number;
  /** Fraction of the device memory the replay buffer may take (see replayCapacity()). */
  replay_memory_fraction: number;
  gamma: number;
  tau: number;
  target_network_frequency: number;
  batch_size: number;
  start_e: number;
  end_e: number;
  exploration_fraction: number;
  learning_starts: number;
  train_frequency: number;
  double_q: boolean;
  n_step: number;
  loss: LossType;
  max_grad_norm: number | null;
  network: 'nature' | 'small' | NetworkSpec;
  dueling: boolean;
  prioritized_replay: boolean;
  prioritized_replay_alpha: number;
  prioritized_replay_beta: number;
  prioritized_replay_eps: number;
  eval_epsilon: number;
  eval_episodes: number;
  frame_stack: number;
}

export const DEFAULT_CONFIG: Readonly<DQNConfig> = Object.freeze({
  seed: 1,
  total_timesteps: 10_000_000,
  learning_rate: 1e-4,
  adam_eps: 1e-8,
  num_envs: 1,
  buffer_size: 1_000_000,
  replay_max_bytes: 2 * 1024 ** 3,
  replay_memory_fraction: 0.25,
  gamma: 0.99,
  tau: 1.0,
  target_network_frequency: 1000,
  batch_size: 32,
  start_e: 1,
  end_e: 0.01,
  exploration_fraction: 0.1,
  learning_starts: 80_000,
  train_frequency: 4,
  double_q: true,
  n_step: 1,
  loss: 'mse',
  max_grad_norm: null,
  network: 'nature',
  dueling: false,
  prioritized_replay: false,
  prioritized_replay_alpha: 0.5,
  prioritized_replay_beta: 0.4,
  prioritized_replay_eps: 1e-6,
  eval_epsilon: 0.05,
  eval_episodes: 10,
  frame_stack: 4,
} satisfies DQNConfig);

/** Defaults overridden by `overrides`, then validated. Throws with the offending field on bad input. */
export function makeConfig(overrides: Partial<DQNConfig> = {}): DQNConfig {
  for (const k of Object.keys(overrides)) {
    if (!(k in DEFAULT_CONFIG)) throw new Error(`DQN config: unknown field "${k}"`);
  }
  const cfg: DQNConfig = { ...DEFAULT_CONFIG, ...overrides };
  validateConfig(cfg);
  return cfg;
}

function req(cond: boolean, msg: string): void {
  if (!cond) throw new Error(`DQN config: ${msg}`);
}

const isPosInt = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 1;
const isNonNegInt = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isFiniteNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * Hard bounds (a value outside cannot train here, or cannot be allocated, or is a typo): each
 * message names the field and its allowed range. The upper ends are far above any published
 * setting; batch_size's is what the input stacks of one gradient step can take in a browser
 * (see batchInputBytes()).
 */
export const BOUNDS = Object.freeze({
  seed: [0, 2 ** 31 - 1],
  total_timesteps: [1, 1e10],
  learning_rate: [0, 10],
  adam_eps: [0, 1],
  buffer_size: [1, 100_000_000],
  batch_size: [1, 2048],
  target_network_frequency: [1, 1e9],
  learning_starts: [0, 1e10],
  train_frequency: [1, 1_000_000],
  max_grad_norm: [0, 1e6],
  eval_episodes: [1, 1000],
} as const);

/** Bytes of float32 inputs one gradient step feeds the nets: obs and next obs stacks of the batch at 84x84. */
export function batchInputBytes(batchSize: number, frameStack: number): number {
  return 2 * batchSize * frameStack * 84 * 84 * 4;
}

/** A bound as the messages write it: 1e10 above 1e7, else with thousands separators. */
export const fmtBound = (x: number): string => (Math.abs(x) >= 1e7 ? x.toExponential().replace('+', '') : x.toLocaleString('en-US'));
/** Whether x is an integer within [lo, hi] (a BOUNDS entry, or PQN_BOUNDS in pqn-config.ts). */
export const isIntIn = (x: unknown, [lo, hi]: readonly [number, number]): boolean => typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
/** "an integer in [lo, hi]", the bounds written by fmtBound. */
export const intRangeText = ([lo, hi]: readonly [number, number]): string => `an integer in [${fmtBound(lo)}, ${fmtBound(hi)}]`;
const inInt = (x: unknown, k: keyof typeof BOUNDS): boolean => isIntIn(x, BOUNDS[k]);
const intRange = (k: keyof typeof BOUNDS): string => intRangeText(BOUNDS[k]);

export function validateConfig(c: DQNConfig): void {
  req(inInt(c.seed, 'seed'), `seed must be ${intRange('seed')}, got ${c.seed}`);
  req(inInt(c.total_timesteps, 'total_timesteps'), `total_timesteps must be ${intRange('total_timesteps')}, got ${c.total_timesteps}`);
  req(isFiniteNum(c.learning_rate) && c.learning_rate > 0 && c.learning_rate <= BOUNDS.learning_rate[1], `learning_rate must be in (0, ${BOUNDS.learning_rate[1]}], got ${c.learning_rate}`);
  req(isFiniteNum(c.adam_eps) && c.adam_eps > 0 && c.adam_eps <= BOUNDS.adam_eps[1], `adam_eps must be in (0, ${BOUNDS.adam_eps[1]}], got ${c.adam_eps}`);
  req(isPosInt(c.num_envs), `num_envs must be a positive integer, got ${c.num_envs}`);
  req(inInt(c.buffer_size, 'buffer_size'), `buffer_size must be ${intRange('buffer_size')} (the replay actually allocated is capped by memory), got ${c.buffer_size}`);
  req(isFiniteNum(c.replay_max_bytes) && c.replay_max_bytes > 0, `replay_max_bytes must be > 0`);
  req(isFiniteNum(c.replay_memory_fraction) && c.replay_memory_fraction > 0 && c.replay_memory_fraction <= 1,
    `replay_memory_fraction must be in (0, 1], got ${c.replay_memory_fraction}`);
  req(isFiniteNum(c.gamma) && c.gamma >= 0 && c.gamma <= 1, `gamma must be in [0, 1], got ${c.gamma}`);
  req(isFiniteNum(c.tau) && c.tau > 0 && c.tau <= 1, `tau must be in (0, 1], got ${c.tau}`);
  req(inInt(c.target_network_frequency, 'target_network_frequency'), `target_network_frequency must be ${intRange('target_network_frequency')}, got ${c.target_network_frequency}`);
  req(inInt(c.batch_size, 'batch_size'), `batch_size must be ${intRange('batch_size')}, got ${c.batch_size}` +
    (isFiniteNum(c.batch_size) && c.batch_size > BOUNDS.batch_size[1] ? ` (one gradient step would need ${(batchInputBytes(c.batch_size, isPosInt(c.frame_stack) ? c.frame_stack : 4) / 1e9).toPrecision(3)} GB of inputs)` : ''));
  req(isFiniteNum(c.start_e) && c.start_e >= 0 && c.start_e <= 1, `start_e must be in [0, 1]`);
  req(isFiniteNum(c.end_e) && c.end_e >= 0 && c.end_e <= 1, `end_e must be in [0, 1]`);
  req(isFiniteNum(c.exploration_fraction) && c.exploration_fraction > 0 && c.exploration_fraction <= 1,
    `exploration_fraction must be in (0, 1]`);
  req(inInt(c.learning_starts, 'learning_starts'), `learning_starts must be ${intRange('learning_starts')}, got ${c.learning_starts}`);
  req(inInt(c.train_frequency, 'train_frequency'), `train_frequency must be ${intRange('train_frequency')}, got ${c.train_frequency}`);
  req(typeof c.double_q === 'boolean', 'double_q must be a boolean');
  req(isPosInt(c.n_step) && c.n_step <= 64, `n_step must be an integer in [1, 64], got ${c.n_step}`);
  req(c.loss === 'mse' || c.loss === 'huber', `loss must be 'mse' or 'huber', got ${String(c.loss)}`);
  req(c.max_grad_norm === null || (isFiniteNum(c.max_grad_norm) && c.max_grad_norm > 0 && c.max_grad_norm <= BOUNDS.max_grad_norm[1]),
    `max_grad_norm must be none or in (0, ${fmtBound(BOUNDS.max_grad_norm[1])}], got ${c.max_grad_norm}`);
  resolveNetwork(c.network); // throws on a bad spec
  req(typeof c.dueling === 'boolean', 'dueling must be a boolean');
  req(typeof c.prioritized_replay === 'boolean', 'prioritized_replay must be a boolean');
  req(isFiniteNum(c.prioritized_replay_alpha) && c.prioritized_replay_alpha >= 0, 'prioritized_replay_alpha must be >= 0');
  req(isFiniteNum(c.prioritized_replay_beta) && c.prioritized_replay_beta >= 0 && c.prioritized_replay_beta <= 1,
    'prioritized_replay_beta must be in [0, 1]');
  req(isFiniteNum(c.prioritized_replay_eps) && c.prioritized_replay_eps > 0, 'prioritized_replay_eps must be > 0');
  req(isFiniteNum(c.eval_epsilon) && c.eval_epsilon >= 0 && c.eval_epsilon <= 1, 'eval_epsilon must be in [0, 1]');
  req(inInt(c.eval_episodes, 'eval_episodes'), `eval_episodes must be ${intRange('eval_episodes')}, got ${c.eval_episodes}`);
  req(isPosInt(c.frame_stack) && c.frame_stack <= 16, `frame_stack must be an integer in [1, 16]`);
}

export function resolveNetwork(n: DQNConfig['network']): NetworkSpec {
  if (n === 'nature' || n === 'small') return NETWORK_PRESETS[n];
  if (typeof n !== 'object' || n === null || !Array.isArray(n.conv) || !Array.isArray(n.hidden)) {
    throw new Error(`DQN config: network must be 'nature', 'small' or {conv: [...], hidden: [...]}`);
  }
  for (const l of n.conv) {
    if (!isPosInt(l.filters) || !isPosInt(l.kernel) || !isPosInt(l.stride)) {
      throw new Error(`DQN config: conv layer needs positive integer filters/kernel/stride, got ${JSON.stringify(l)}`);
    }
  }
  for (const h of n.hidden) if (!isPosInt(h)) throw new Error(`DQN config: hidden widths must be positive integers`);
  return n;
}

/** CleanRL's linear_schedule: start_e → end_e over exploration_fraction * total_timesteps, then flat (DQN and PQN). */
export function epsilonAt(c: Pick<DQNConfig, 'start_e' | 'end_e' | 'exploration_fraction' | 'total_timesteps'>, globalStep: number): number {
  const duration = c.exploration_fraction * c.total_timesteps;
  const slope = (c.end_e - c.start_e) / duration;
  return Math.max(slope * globalStep + c.start_e, Math.min(c.start_e, c.end_e));
}

/** Prioritized replay importance-sampling exponent: beta annealed linearly to 1 over the run. */
export function priorityBetaAt(c: DQNConfig, globalStep: number): number {
  const f = Math.min(1, globalStep / c.total_timesteps);
  return c.prioritized_replay_beta + f * (1 - c.prioritized_replay_beta);
}

/** Bytes one replay row costs: the frame plus action (1), reward (4), flags (1). */
export function bytesPerTransition(frameHeight: number, frameWidth: number): number {
  return frameHeight * frameWidth + 6;
}

/**
 * Best guess at the device's memory in bytes without Node-only APIs: navigator.deviceMemory
 * (Chromium; GB, rounded down and capped at 8 by the spec) or 4 GB when unknown.
 */
export function detectDeviceMemoryBytes(): number {
  const nav = (globalThis as { navigator?: { deviceMemory?: number } }).navigator;
  const gb = nav && typeof nav.deviceMemory === 'number' && nav.deviceMemory > 0 ? nav.deviceMemory : 4;
  return gb * 1024 ** 3;
}

export interface ReplayCapacityChoice {
  capacity: number;
  bytes: number;
  /** Which limit decided: the requested buffer_size, the memory fraction, or the hard byte cap. */
  limitedBy: 'buffer_size' | 'memory_fraction' | 'replay_max_bytes';
}

/**
 * Replay capacity = min(buffer_size, replay_memory_fraction * device memory / bytes per row,
 * replay_max_bytes / bytes per row). At 84x84 one row is 7,062 bytes: 100k ≈ 0.71 GB, the
 * default 2 GiB cap ≈ 304k transitions. The cap exists because browsers kill tabs far below the
 * machine's RAM and a single ArrayBuffer is limited too (the buffer stores frames in ≤1 GiB chunks).
 */
export function replayCapacity(
  c: Pick<DQNConfig, 'buffer_size' | 'replay_max_bytes' | 'replay_memory_fraction'>,
  frameHeight: number,
  frameWidth: number,
  deviceMemoryBytes: number = detectDeviceMemoryBytes(),
): ReplayCapacityChoice {
  const per = bytesPerTransition(frameHeight, frameWidth);
  const byFraction = Math.floor((c.replay_memory_fraction * deviceMemoryBytes) / per);
  const byCap = Math.floor(c.replay_max_bytes / per);
  let capacity = c.buffer_size;
  let limitedBy: ReplayCapacityChoice['limitedBy'] = 'buffer_size';
  if (byFraction < capacity) { capacity = byFraction; limitedBy = 'memory_fraction'; }
  if (byCap < capacity) { capacity = byCap; limitedBy = 'replay_max_bytes'; }
  return { capacity, bytes: capacity * per, limitedBy };
}
