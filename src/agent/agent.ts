import type { EpisodeRecord } from '../env/episode';
import { Actor } from './actor';
import { epsilonAt, priorityBetaAt, replayCapacity, type DQNConfig, type ReplayCapacityChoice } from './config';
import { DQNLearner, type LearnerState } from './learner';
import { ReplayBuffer, type ReplayState } from './replay';
import { agentRandomness, type EnvSeeds } from './env-seeds';
import { Rng, type RngState } from './rng';
import { checkAgentEnv, type AgentEnv } from './types';

/**
 * The DQN loop: batched epsilon-greedy acting for all N envs (one forward pass per vector step;
 * N = 1 is the same code), storing transitions, and gradient steps at the configured replay ratio.
 *
 * Counting (see config.ts): global_step counts agent steps = transitions summed over envs. After
 * learning_starts, the learner owes floor((global_step - learning_starts) / train_frequency)
 * gradient steps in total; each vector step pays what is owed (N/4 per vector step at defaults).
 *
 * Acting goes through an Actor over the replay buffer: the net acts on the stacks the replay
 * rebuilds from the frames it just stored (frames are stacked in that one place).
 *
 * Hot loop: the action array, the network input staging array and the replay batch are
 * preallocated; per step the only allocations are tfjs's own tensor handles and the small typed
 * array tfjs returns from reading the greedy actions back.
 */

export interface AgentOptions {
  /** Replay capacity override (rows over all envs); default chosen by replayCapacity(). */
  capacity?: number;
  /** Device memory in bytes for replayCapacity() (default: detected, 4 GB if unknown). */
  deviceMemoryBytes?: number;
  /** Called for every game the training envs finish (evaluation is separate), with global_step after it. */
  onEpisode?: (e: EpisodeRecord, globalStep: number) => void;
}

import { evaluate, type EvalOptions, type EvalResult } from './evaluate';
export { EVAL_SEED_OFFSET, type EvalOptions, type EvalResult } from './evaluate';

export interface AgentState {
  version: 1;
  config: DQNConfig;
  globalStep: number;
  vectorSteps: number;
  episodes: number;
  rng: RngState;
  evalRng: RngState;
  /**
   * Each env's current acting stack, [N, S, H*W] bytes oldest first (ReplayBuffer.latestStackBytes).
   * Redundant with `replay`; checkpoints saved without their replay resume acting from it.
   */
  stacks: Uint8Array;
  replay: ReplayState;
  learner: LearnerState;
}

export class DQNAgent {
  readonly algorithm = 'dqn' as const;
  /** Every DQN step steps the envs (PQN's gradient steps do not: see pqn.ts). */
  readonly lastStepActed = true;
  /** DQN pays its gradient steps inside step(); nothing is ever left pending. */
  readonly updatePending = false;
  readonly cfg: DQNConfig;
  readonly env: AgentEnv;
  readonly rng: Rng;
  readonly evalRng: Rng;
  readonly buffer: ReplayBuffer;
  readonly learner: DQNLearner;
  readonly capacity: ReplayCapacityChoice;
  globalStep = 0;
  vectorSteps = 0;
  episodes = 0;
  private readonly trainActor: Actor;
  private readonly onEpisode?: (e: EpisodeRecord, globalStep: number) => void;
  private started = false;
  private readonly seeds: EnvSeeds;

  constructor(cfg: DQNConfig, env: AgentEnv, opts: AgentOptions = {}) {
    checkAgentEnv(env);
    if (env.numEnvs !== cfg.num_envs) throw new Error(`DQNAgent: config num_envs ${cfg.num_envs} but the env has ${env.numEnvs}`);
    this.cfg = cfg;
    this.env = env;
    ({ rng: this.rng, evalRng: this.evalRng, seeds: this.seeds } = agentRandomness(cfg.seed));
    const h = env.frameHeight;
    const w = env.frameWidth;
    const s = cfg.frame_stack;
    if (opts.capacity !== undefined) {
      const per = h * w + 6;
      this.capacity = { capacity: opts.capacity, bytes: opts.capacity * per, limitedBy: 'buffer_size' };
    } else {
      this.capacity = replayCapacity(cfg, h, w, opts.deviceMemoryBytes);
    }
    this.buffer = new ReplayBuffer({
      numEnvs: env.numEnvs,
      capacity: this.capacity.capacity,
      frameHeight: h,
      frameWidth: w,
      stackSize: s,
      nStep: cfg.n_step,
      gamma: cfg.gamma,
      batchSize: cfg.batch_size,
      rng: this.rng,
      prioritized: cfg.prioritized_replay ? { alpha: cfg.prioritized_replay_alpha, eps: cfg.prioritized_replay_eps } : undefined,
    });
    this.learner = new DQNLearner(cfg, { height: h, width: w, channels: s }, env.numActions, this.rng);
    this.trainActor = new Actor(env, this.buffer, this.learner, this.rng, this.epsilon);
    this.onEpisode = opts.onEpisode;
  }

  get epsilon(): number {
    return epsilonAt(this.cfg, this.globalStep);
  }

  /**
   * Reset every env and record the first frames. Called by step() on first use. Env seed
   * (env-seeds.ts): `seed` when given, else cfg.seed on a fresh agent's first start, else a new
   * draw from the agent's RNG (any later start, and every start after setState(): a mode
   * switch, or a resume whose env states could not be restored).
   */
  async start(seed?: number): Promise<void> {
    await this.trainActor.reset(this.seeds.next('DQNAgent', seed));
    this.started = true;
  }

  /** Seed of the envs' latest reset by start() (null before the first). */
  get lastEnvSeed(): number | null {
    return this.seeds.last;
  }

  /** One vector step: act, step the envs, store, and pay the gradient steps now owed. */
  async step(): Promise<void> {
    if (!this.started) await this.start();
    const env = this.env;
    this.trainActor.epsilon = this.epsilon;
    await this.trainActor.step();
    this.globalStep += env.numEnvs;
    this.vectorSteps++;
    this.episodes += env.finished.length;
    if (this.onEpisode) for (const e of env.finished) this.onEpisode(e, this.globalStep);
    await this.trainOwed();
  }

  /** Gradient steps owed at the current global_step (0 before learning_starts). */
  get gradientStepsOwed(): number {
    const past = this.globalStep - this.cfg.learning_starts;
    if (past <= 0) return 0;
    return Math.max(0, Math.floor(past / this.cfg.train_frequency) - this.learner.gradientSteps);
  }

  private async trainOwed(): Promise<void> {
    let owed = this.gradientStepsOwed;
    // Nothing sampleable yet (a tiny warm-up, or a resume without the replay): the steps stay owed.
    if (owed > 0 && !this.buffer.hasTransition()) return;
    const per = this.buffer.prioritized;
    const beta = priorityBetaAt(this.cfg, this.globalStep);
    while (owed-- > 0) {
      const batch = this.buffer.sample(beta);
      const td = await this.learner.trainStep(batch, per);
      if (td) this.buffer.updatePriorities(batch.rows, td);
    }
  }

  /** Run until global_step reaches `untilStep` (default total_timesteps). */
  async train(untilStep = this.cfg.total_timesteps): Promise<void> {
    while (this.globalStep < untilStep) await this.step();
  }

  /**
   * An acting loop of this agent's policy over an env of its own (watch mode, evaluation): the
   * same Actor as training, with its own small frame store and the evaluation RNG, so the
   * training envs, replay and exploration stream are never touched.
   */
  actor(env: AgentEnv, o: { epsilon: number }): Actor {
    checkAgentEnv(env);
    if (env.frameHeight !== this.env.frameHeight || env.frameWidth !== this.env.frameWidth || env.numActions !== this.env.numActions) {
      throw new Error(`DQNAgent.actor: the env's frames (${env.frameHeight}x${env.frameWidth}) or action count (${env.numActions}) differ from the training env's (${this.env.frameHeight}x${this.env.frameWidth}, ${this.env.numActions})`);
    }
    return new Actor(env, Actor.ownFrames(env, this.cfg.frame_stack), this.learner, this.evalRng, o.epsilon);
  }

  /** Evaluation games on a separate env (src/agent/evaluate.ts, the one evaluation loop). */
  evaluate(evalEnv: AgentEnv, o: EvalOptions = {}): Promise<EvalResult | null> {
    return evaluate(this, evalEnv, o);
  }

  /** Everything to resume this agent (env emulator state is the env's business). */
  async getState(): Promise<AgentState> {
    return {
      version: 1,
      config: { ...this.cfg },
      globalStep: this.globalStep,
      vectorSteps: this.vectorSteps,
      episodes: this.episodes,
      rng: this.rng.getState(),
      evalRng: this.evalRng.getState(),
      stacks: this.buffer.latestStackBytes(),
      replay: this.buffer.getState(),
      learner: await this.learner.getState(),
    };
  }

  async setState(s: AgentState): Promise<void> {
    if (s.version !== 1) throw new Error(`DQNAgent.setState: unsupported version ${String(s.version)}`);
    const stackBytes = this.env.numEnvs * this.cfg.frame_stack * this.env.frameHeight * this.env.frameWidth;
    if (s.stacks.length !== stackBytes) throw new Error(`DQNAgent.setState: acting stacks of ${s.stacks.length} bytes, this agent's are ${stackBytes} (env count differs?)`);
    this.buffer.setState(s.replay);
    await this.learner.setState(s.learner);
    this.rng.setState(s.rng);
    this.evalRng.setState(s.evalRng);
    this.globalStep = s.globalStep;
    this.vectorSteps = s.vectorSteps;
    this.episodes = s.episodes;
    this.started = true;
    this.seeds.continued();
  }

  dispose(): void {
    this.learner.dispose();
  }
}
