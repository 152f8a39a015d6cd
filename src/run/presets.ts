/**
 * Named run settings, in ONE place: the dashboard's "Quick preset" button, tools/train-catch.ts,
 * the Node tests (src/run/*.test.ts) and the Chromium harness (e2e/pages/run.ts) all import
 * these (a test may override a field or two on top, e.g. learning_starts). Everything not named
 * here is the default of src/run/config.ts (run), src/agent/config.ts (agent) or src/env.
 */
import type { NetworkSpec } from '../agent/config';
import type { PQNConfig } from '../agent/pqn-config';
import type { RunSettingsInput } from './config';

/** Q-networks beyond the agent's 'nature' and 'small'. */
export const NETWORKS = Object.freeze({
  /** For quick runs on slow machines: 84x84x4 -> 8 conv 8/4 -> 16 conv 4/2 -> 64 -> actions. */
  tiny: { conv: [{ filters: 8, kernel: 8, stride: 4 }, { filters: 16, kernel: 4, stride: 2 }], hidden: [64] } satisfies NetworkSpec,
  /** Tests only: one 2-filter conv (8/8) and 8 hidden units, a gradient step in milliseconds on tfjs cpu; learns nothing useful. */
  smoke: { conv: [{ filters: 2, kernel: 8, stride: 8 }], hidden: [8] } satisfies NetworkSpec,
});

/**
 * Quick: learns CATCH within minutes and shows something on any game soon (roms/README.md,
 * "Training results"): 1,000 steps of warm-up, epsilon 1 -> 0.05 over the first 8,000 agent
 * steps (0.08 of 100k), lr 5e-4, target copy every 200 gradient steps, 3-step Huber targets,
 * gradients clipped at norm 10, a 50k replay, the tiny network (a first run moves even without a
 * fast GPU; the measured CATCH runs used `network: 'small'`). Evaluates 5 greedy episodes every
 * 5,000 agent steps.
 */
export const QUICK_PRESET: Readonly<RunSettingsInput> = Object.freeze({
  agent: Object.freeze({
    network: NETWORKS.tiny,
    total_timesteps: 100_000,
    learning_starts: 1_000,
    buffer_size: 50_000,
    exploration_fraction: 0.08,
    end_e: 0.05,
    learning_rate: 5e-4,
    target_network_frequency: 200,
    n_step: 3,
    loss: 'huber',
    max_grad_norm: 10,
    eval_episodes: 5,
  }),
  eval_every: 5_000,
}) as RunSettingsInput;

/**
 * PQN for a 2-core CPU machine (the default of vectorized runs and real ROMs in the page):
 * PQN (src/agent/pqn-config.ts) with the tiny network, whose gradient step is what such a machine
 * can afford, rollouts of 32 steps per env trained 2 epochs x 4 minibatches (pqn_atari.yaml's 2
 * epochs and 32-step rollouts; 4 minibatches keep each one >= 64 samples at 8 envs), a constant
 * learning rate of 5e-4 (pqn_atari.yaml: constant; larger than its 2.5e-4 for the tiny net),
 * epsilon 1 -> 0.01 over the first 5% of 1M agent steps. Evaluates 5 greedy episodes every 200k
 * steps: an evaluation plays one env one step at a time (5 Pong episodes are ~4k forwards, about
 * 30 s here), so at every 10k steps it took ~40% of a Pong run's wall-clock on 2 cores (measured,
 * bench:learn); at 200k it is under 10%.
 * Not tuned by a sweep: chosen from the paper's settings scaled to what two cores run; measured
 * figures belong in roms/README.md's training results.
 */
export const PQN_PRESET: Readonly<RunSettingsInput> = Object.freeze({
  algorithm: 'pqn',
  agent: Object.freeze({
    network: NETWORKS.tiny,
    total_timesteps: 1_000_000,
    num_steps: 32,
    update_epochs: 2,
    num_minibatches: 4,
    learning_rate: 5e-4,
    anneal_lr: false,
    exploration_fraction: 0.05,
    end_e: 0.01,
    eval_episodes: 5,
  } satisfies Partial<PQNConfig>),
  eval_every: 200_000,
}) as RunSettingsInput;

/**
 * PQN's env count in single mode (all in the learner's thread) where nothing else says: the new-run
 * form's PQN preset, a DQN run switched to PQN from one env, bench:learn's default mode. 8 envs
 * x 32-step rollouts give 4 minibatches of 64 (PQN_PRESET); measured ~600 agent steps/s with
 * training on Pong on an idle 2-core machine (bench:learn).
 */
export const PQN_SINGLE_ENVS = 8;

export const RUN_PRESETS = Object.freeze({ quick: QUICK_PRESET, pqn: PQN_PRESET });
export type RunPresetName = keyof typeof RUN_PRESETS;
