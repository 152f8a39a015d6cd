/**
 * Every PQN hyperparameter in one typed object (the PQN counterpart of config.ts's DQNConfig).
 * Names and defaults follow CleanRL's pqn_atari_envpool.py
 * (https://github.com/vwxyzjn/cleanrl/blob/master/cleanrl/pqn_atari_envpool.py); the algorithm is
 * Gallici et al. 2025, "Simplifying Deep Temporal Difference Learning" (../shared/PQN_FACTS.md:
 * its reference implementation purejaxql, pqn_atari.yaml). Shared names mean the same as in
 * DQNConfig (seed, total_timesteps in agent steps, start_e/end_e/exploration_fraction, frame_stack,
 * eval_*), so code that only reads those works for both.
 *
 * CleanRL pqn_atari_envpool.py defaults and where we differ (every deviation is listed here):
 *   total_timesteps       10_000_000  same (agent steps = transitions summed over envs, as CleanRL's
 *                                     global_step, which adds num_envs per vector step).
 *   learning_rate         2.5e-4      same (= pqn_atari.yaml's LR).
 *   adam_eps              1e-8        DEVIATION in optimiser: CleanRL uses torch.optim.RAdam,
 *                                     purejaxql optax.radam. tfjs has no RAdam; we use Adam (betas
 *                                     0.9/0.999 as RAdam's defaults) with PyTorch's eps 1e-8 passed
 *                                     explicitly (see config.ts on adam_eps). RAdam differs only in
 *                                     its first few thousand steps (variance rectification warm-up).
 *   num_envs              8           same default; set by the run's mode (src/run/config.ts), as
 *                                     for DQN. pqn_atari.yaml uses 128.
 *   num_steps             128         same (steps per env per rollout; pqn_atari.yaml: 32).
 *   anneal_lr             true        same (linear decay to 0). The fraction is taken from agent
 *                                     steps, 1 - global_step / total_timesteps at the start of each
 *                                     update, which is CleanRL's 1 - (iteration - 1) / num_iterations
 *                                     for a fixed num_envs and stays right when a mode switch
 *                                     changes num_envs mid-run. pqn_atari.yaml: constant (false).
 *   gamma                 0.99        same.
 *   num_minibatches       4           same (minibatch = num_envs * num_steps / num_minibatches;
 *                                     pqn_atari.yaml: 32).
 *   update_epochs         4           same (pqn_atari.yaml NUM_EPOCHS: 2).
 *   max_grad_norm         10          same (global-norm clipping; null = none, as in DQNConfig).
 *   start_e / end_e       1 / 0.01    same (pqn_atari.yaml: 1 / 0.001).
 *   exploration_fraction  0.10        same (CleanRL's linear_schedule over agent steps, evaluated
 *                                     after global_step += num_envs, as CleanRL does).
 *   q_lambda              0.65        same (= pqn_atari.yaml LAMBDA).
 *   network               'nature'    same trunk. DEVIATIONS in the net (src/agent/network.ts,
 *                                     layerNorm): LayerNorm over the channel axis only (per spatial
 *                                     position), as purejaxql's Flax net (PQN_FACTS), where CleanRL
 *                                     normalises each conv output over [C, H, W]; init He-normal
 *                                     (truncated) for conv and hidden kernels, LeCun-normal for the
 *                                     output, biases 0, as purejaxql (CleanRL: orthogonal sqrt(2)).
 *                                     LayerNorm epsilon 1e-6 (Flax; PyTorch's is 1e-5).
 *   Q(lambda) targets                 DEVIATION from CleanRL's loop, which lets the lambda term
 *                                     G_{t+1} run across an episode end; we use the paper's
 *                                     recursion (PQN_FACTS): G_t = r_t where the episode terminated
 *                                     at t. Truncation (time limit) bootstraps from the true final
 *                                     frame, G_t = r_t + gamma * max_a Q(s_final, a), as DQN here
 *                                     does (envpool and purejaxql treat it as terminal). See
 *                                     q-lambda.ts.
 *   loss                              same as CleanRL: F.mse_loss = mean((Q(s,a) - G)^2)
 *                                     (purejaxql has a 0.5 factor; Adam makes the scale moot but for
 *                                     the clipping threshold).
 *   eval_epsilon          0.05        no CleanRL counterpart (pqn_atari_envpool.py does not
 *                                     evaluate; purejaxql evaluates at 0): DQNConfig's value, so
 *                                     evaluations of DQN and PQN runs compare.
 *   eval_episodes         10          as DQNConfig.
 *   frame_stack           4           same (envpool stack_num 4).
 *   seed                  1           same.
 */
import { BOUNDS, fmtBound, intRangeText, isIntIn, resolveNetwork, type NetworkSpec } from './config';

export interface PQNConfig {
  seed: number;
  total_timesteps: number;
  learning_rate: number;
  adam_eps: number;
  num_envs: number;
  num_steps: number;
  anneal_lr: boolean;
  gamma: number;
  num_minibatches: number;
  update_epochs: number;
  max_grad_norm: number | null;
  start_e: number;
  end_e: number;
  exploration_fraction: number;
  q_lambda: number;
  network: 'nature' | 'small' | NetworkSpec;
  eval_epsilon: number;
  eval_episodes: number;
  frame_stack: number;
}

export const DEFAULT_PQN_CONFIG: Readonly<PQNConfig> = Object.freeze({
  seed: 1,
  total_timesteps: 10_000_000,
  learning_rate: 2.5e-4,
  adam_eps: 1e-8,
  num_envs: 8,
  num_steps: 128,
  anneal_lr: true,
  gamma: 0.99,
  num_minibatches: 4,
  update_epochs: 4,
  max_grad_norm: 10,
  start_e: 1,
  end_e: 0.01,
  exploration_fraction: 0.1,
  q_lambda: 0.65,
  network: 'nature',
  eval_epsilon: 0.05,
  eval_episodes: 10,
  frame_stack: 4,
} satisfies PQNConfig);

/** LayerNorm epsilon of the PQN network (Flax nn.LayerNorm's default; see the header). */
export const PQN_LAYER_NORM_EPS = 1e-6;

/** Defaults overridden by `overrides`, then validated. Throws with the offending field on bad input. */
export function makePQNConfig(overrides: Partial<PQNConfig> = {}): PQNConfig {
  for (const k of Object.keys(overrides)) {
    if (!(k in DEFAULT_PQN_CONFIG)) throw new Error(`PQN config: unknown field "${k}"`);
  }
  const cfg: PQNConfig = { ...DEFAULT_PQN_CONFIG, ...overrides };
  validatePQNConfig(cfg);
  return cfg;
}

function req(cond: boolean, msg: string): void {
  if (!cond) throw new Error(`PQN config: ${msg}`);
}

const isPosInt = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 1;
const isFiniteNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const in01 = (x: unknown): boolean => isFiniteNum(x) && x >= 0 && x <= 1;

/**
 * PQN's own hard bounds (shared fields use DQN's BOUNDS, config.ts): far above any published
 * setting (pqn_atari.yaml: 32 steps, 32 minibatches, 2 epochs), low enough that a typo is caught
 * before Train instead of allocating a rollout the tab cannot hold.
 */
export const PQN_BOUNDS = Object.freeze({
  num_steps: [1, 4096],
  num_minibatches: [1, 65_536],
  update_epochs: [1, 1000],
} as const);


export function validatePQNConfig(c: PQNConfig): void {
  const B = BOUNDS;
  req(isIntIn(c.seed, B.seed), `seed must be ${intRangeText(B.seed)}, got ${c.seed}`);
  req(isIntIn(c.total_timesteps, B.total_timesteps), `total_timesteps must be ${intRangeText(B.total_timesteps)}, got ${c.total_timesteps}`);
  req(isFiniteNum(c.learning_rate) && c.learning_rate > 0 && c.learning_rate <= B.learning_rate[1], `learning_rate must be in (0, ${B.learning_rate[1]}], got ${c.learning_rate}`);
  req(isFiniteNum(c.adam_eps) && c.adam_eps > 0 && c.adam_eps <= B.adam_eps[1], `adam_eps must be in (0, ${B.adam_eps[1]}], got ${c.adam_eps}`);
  req(isPosInt(c.num_envs), `num_envs must be a positive integer, got ${c.num_envs}`);
  req(isIntIn(c.num_steps, PQN_BOUNDS.num_steps), `num_steps must be ${intRangeText(PQN_BOUNDS.num_steps)}, got ${c.num_steps}`);
  req(typeof c.anneal_lr === 'boolean', 'anneal_lr must be a boolean');
  req(in01(c.gamma), `gamma must be in [0, 1], got ${c.gamma}`);
  req(isIntIn(c.num_minibatches, PQN_BOUNDS.num_minibatches), `num_minibatches must be ${intRangeText(PQN_BOUNDS.num_minibatches)}, got ${c.num_minibatches}`);
  req(isIntIn(c.update_epochs, PQN_BOUNDS.update_epochs), `update_epochs must be ${intRangeText(PQN_BOUNDS.update_epochs)}, got ${c.update_epochs}`);
  req(c.max_grad_norm === null || (isFiniteNum(c.max_grad_norm) && c.max_grad_norm > 0 && c.max_grad_norm <= B.max_grad_norm[1]),
    `max_grad_norm must be none or in (0, ${fmtBound(B.max_grad_norm[1])}], got ${c.max_grad_norm}`);
  req(in01(c.start_e), 'start_e must be in [0, 1]');
  req(in01(c.end_e), 'end_e must be in [0, 1]');
  req(isFiniteNum(c.exploration_fraction) && c.exploration_fraction > 0 && c.exploration_fraction <= 1, 'exploration_fraction must be in (0, 1]');
  req(in01(c.q_lambda), `q_lambda must be in [0, 1], got ${c.q_lambda}`);
  resolveNetwork(c.network);
  req(in01(c.eval_epsilon), 'eval_epsilon must be in [0, 1]');
  req(isIntIn(c.eval_episodes, B.eval_episodes), `eval_episodes must be an integer in [1, ${B.eval_episodes[1]}], got ${c.eval_episodes}`);
  req(isPosInt(c.frame_stack) && c.frame_stack <= 16, 'frame_stack must be an integer in [1, 16]');
  // Checked against num_envs only where both are known together (validated field by field, a
  // lone num_minibatches cannot know the rollout size): see pqnBatchProblems.
}

/** Problems of the rollout/minibatch split (empty = fine): every minibatch needs at least one sample. */
export function pqnBatchProblems(c: Pick<PQNConfig, 'num_envs' | 'num_steps' | 'num_minibatches'>): string[] {
  const batch = c.num_envs * c.num_steps;
  return c.num_minibatches > batch ? [`num_minibatches (${c.num_minibatches}) exceeds the rollout's ${batch} samples (num_envs x num_steps)`] : [];
}

/**
 * Minibatch size: floor(batch / num_minibatches) as CleanRL (its range() over the shuffled batch
 * then drops nothing when they divide; when they do not, the last batch % num_minibatches
 * shuffled samples of an epoch are left out here, where CleanRL would train on a short last one).
 */
export function pqnMinibatchSize(c: Pick<PQNConfig, 'num_envs' | 'num_steps' | 'num_minibatches'>): number {
  return Math.floor((c.num_envs * c.num_steps) / c.num_minibatches);
}

/** Learning rate for the update that starts at agent step `globalStep` (see anneal_lr above). */
export function pqnLearningRateAt(c: PQNConfig, globalStep: number): number {
  if (!c.anneal_lr) return c.learning_rate;
  return Math.max(0, 1 - globalStep / c.total_timesteps) * c.learning_rate;
}
