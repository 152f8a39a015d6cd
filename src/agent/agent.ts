import { epsilonAt, priorityBetaAt, replayCapacity, type DQNConfig, type ReplayCapacityChoice } from './config';
import { DQNLearner, type LearnerState } from './learner';
import { ReplayBuffer, type ReplayState } from './replay';
import { Rng, type RngState } from './rng';
import { FrameStacker } from './stacker';
import { checkVecEnv, type VecEnv } from './types';

/**
 * The DQN loop: batched epsilon-greedy acting for all N envs (one forward pass per vector step;
 * N = 1 is the same code), storing transitions, and gradient steps at the configured replay ratio.
 *
 * Counting (see config.ts): global_step counts agent steps = transitions summed over envs. After
 * learning_starts, the learner owes floor((global_step - learning_starts) / train_frequency)
 * gradient steps in total; each vector step pays what is owed (N/4 per vector step at defaults).
 *
 * Hot loop: the action array, the network input staging array, the replay batch and all episode
 * counters are preallocated; per step the only allocations are tfjs's own tensor handles and the
 * small typed array tfjs returns from reading the greedy actions back.
 */

export interface EpisodeRecord {
  env: number;
  return: number;
  length: number;
  /** global_step at which the episode ended. */
  globalStep: number;
}

export interface AgentOptions {
  /** Replay capacity override (rows over all envs); default chosen by replayCapacity(). */
  capacity?: number;
  /** Device memory in bytes for replayCapacity() (default: detected, 4 GB if unknown). */
  deviceMemoryBytes?: number;
  /** Called for every finished training episode (training returns; evaluation is separate). */
  onEpisode?: (e: EpisodeRecord) => void;
}

export interface EvalResult {
  returns: number[];
  lengths: number[];
  epsilon: number;
}

export interface AgentState {
  version: 1;
  config: DQNConfig;
  globalStep: number;
  vectorSteps: number;
  episodes: number;
  rng: RngState;
  evalRng: RngState;
  episodeReturns: number[];
  episodeLengths: number[];
  stacks: Uint8Array;
  replay: ReplayState;
  learner: LearnerState;
}

export class DQNAgent {
  readonly cfg: DQNConfig;
  readonly env: VecEnv;
  readonly rng: Rng;
  readonly evalRng: Rng;
  readonly buffer: ReplayBuffer;
  readonly learner: DQNLearner;
  readonly capacity: ReplayCapacityChoice;
  globalStep = 0;
  vectorSteps = 0;
  episodes = 0;
  private readonly stacker: FrameStacker;
  private readonly actions: Int32Array;
  private readonly explore: Uint8Array;
  private readonly input: Float32Array;
  private readonly epReturn: Float64Array;
  private readonly epLength: Float64Array;
  private readonly onEpisode?: (e: EpisodeRecord) => void;
  private started = false;
  /** The run's opening seed (cfg.seed) was used, or this agent continues a saved one. */
  private openingUsed = false;
  /** Seed of the envs' latest reset by start() (null before the first). */
  lastEnvSeed: number | null = null;

  constructor(cfg: DQNConfig, env: VecEnv, opts: AgentOptions = {}) {
    checkVecEnv(env);
    if (env.numEnvs !== cfg.num_envs) throw new Error(`DQNAgent: config num_envs ${cfg.num_envs} but the env has ${env.numEnvs}`);
    this.cfg = cfg;
    this.env = env;
    this.rng = new Rng(cfg.seed);
    this.evalRng = new Rng((cfg.seed ^ 0x5eed1e55) >>> 0);
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
    this.stacker = new FrameStacker(env.numEnvs, s, h, w);
    this.actions = new Int32Array(env.numEnvs);
    this.explore = new Uint8Array(env.numEnvs);
    this.input = new Float32Array(env.numEnvs * h * w * s);
    this.epReturn = new Float64Array(env.numEnvs);
    this.epLength = new Float64Array(env.numEnvs);
    this.onEpisode = opts.onEpisode;
  }

  get epsilon(): number {
    return epsilonAt(this.cfg, this.globalStep);
  }

  /**
   * Reset every env and record the first frames. Called by step() on first use.
   *
   * Env seed: `seed` when given. Otherwise a fresh agent's first start uses cfg.seed (the run's
   * reproducible opening); any later start, and every start after setState() (a mode switch, or
   * a resume whose env states could not be restored), draws a new seed from the agent's RNG, so
   * the new envs do not replay the opening episodes. The draw comes from the checkpointed RNG
   * stream, so a given checkpoint + switch still reproduces the same episodes.
   */
  async start(seed?: number): Promise<void> {
    if (seed !== undefined && !Number.isInteger(seed)) throw new TypeError(`DQNAgent.start: seed must be an integer, got ${String(seed)}`);
    const s = seed ?? (this.openingUsed ? this.freshEnvSeed() : this.cfg.seed);
    this.openingUsed = true;
    this.lastEnvSeed = s;
    await this.env.reset(s);
    this.buffer.startEpisodes(this.env.obs);
    this.stacker.resetAll(this.env.obs);
    this.epReturn.fill(0);
    this.epLength.fill(0);
    this.started = true;
  }

  /**
   * A 31-bit env seed from the agent RNG, kept away from cfg.seed: env i is seeded with seed + i
   * (VecEnv), so a draw within 2^16 of cfg.seed could overlap the opening envs' seeds.
   */
  private freshEnvSeed(): number {
    for (;;) {
      const s = this.rng.nextU32() & 0x7fffffff;
      if (Math.abs(s - this.cfg.seed) >= 0x10000) return s;
    }
  }

  /** Epsilon-greedy actions for every env into `this.actions` (one forward pass, skipped if all explore). */
  private async chooseActions(
    epsilon: number, rng: Rng, stacker: FrameStacker, out: Int32Array, numActions: number,
    explore: Uint8Array = this.explore, input: Float32Array = this.input,
  ): Promise<void> {
    const n = out.length;
    let greedy = 0;
    for (let e = 0; e < n; e++) {
      const ex = rng.nextFloat() < epsilon ? 1 : 0;
      explore[e] = ex;
      greedy += 1 - ex;
    }
    if (greedy > 0) {
      stacker.writeInput(input);
      const best = await this.learner.greedyActions(input, n);
      for (let e = 0; e < n; e++) out[e] = best[e];
    }
    for (let e = 0; e < n; e++) if (explore[e]) out[e] = rng.nextInt(numActions);
  }

  /** One vector step: act, step the envs, store, and pay the gradient steps now owed. */
  async step(): Promise<void> {
    if (!this.started) await this.start();
    const env = this.env;
    await this.chooseActions(this.epsilon, this.rng, this.stacker, this.actions, env.numActions);
    await env.step(this.actions);
    this.buffer.addVectorStep(this.actions, env.rewards, env.terminated, env.truncated, env.obs, env.finalObs);
    this.stacker.observe(env.obs, env.terminated, env.truncated);
    this.globalStep += env.numEnvs;
    this.vectorSteps++;
    for (let e = 0; e < env.numEnvs; e++) {
      this.epReturn[e] += env.rewards[e];
      this.epLength[e] += 1;
      if (env.terminated[e] || env.truncated[e]) {
        this.episodes++;
        if (this.onEpisode) this.onEpisode({ env: e, return: this.epReturn[e], length: this.epLength[e], globalStep: this.globalStep });
        this.epReturn[e] = 0;
        this.epLength[e] = 0;
      }
    }
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
    if (owed > 0 && this.buffer.validCount() < 1) return; // nothing sampleable yet (tiny warm-up)
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
   * Evaluation episodes with epsilon = eval_epsilon on a separate env (its own stacks and RNG, so
   * it never touches the training envs, replay or exploration stream). Returns the first
   * `episodes` completed episodes. maxVectorSteps guards against an env that never ends.
   */
  async evaluate(evalEnv: VecEnv, episodes = this.cfg.eval_episodes, epsilon = this.cfg.eval_epsilon, maxVectorSteps = episodes * 27_000): Promise<EvalResult> {
    checkVecEnv(evalEnv);
    if (evalEnv.frameHeight !== this.env.frameHeight || evalEnv.frameWidth !== this.env.frameWidth || evalEnv.numActions !== this.env.numActions) {
      throw new Error('DQNAgent.evaluate: eval env frame size / action count differ from the training env');
    }
    const n = evalEnv.numEnvs;
    const stacker = new FrameStacker(n, this.cfg.frame_stack, evalEnv.frameHeight, evalEnv.frameWidth);
    const actions = new Int32Array(n);
    const explore = new Uint8Array(n);
    const input = new Float32Array(n * evalEnv.frameHeight * evalEnv.frameWidth * this.cfg.frame_stack);
    const ret = new Float64Array(n);
    const len = new Float64Array(n);
    const out: EvalResult = { returns: [], lengths: [], epsilon };
    await evalEnv.reset((this.cfg.seed + 0x10000) >>> 0);
    stacker.resetAll(evalEnv.obs);
    for (let t = 0; out.returns.length < episodes; t++) {
      if (t >= maxVectorSteps) throw new Error(`DQNAgent.evaluate: ${episodes} episodes not finished within ${maxVectorSteps} vector steps`);
      await this.chooseActions(epsilon, this.evalRng, stacker, actions, evalEnv.numActions, explore, input);
      await evalEnv.step(actions);
      stacker.observe(evalEnv.obs, evalEnv.terminated, evalEnv.truncated);
      for (let e = 0; e < n; e++) {
        ret[e] += evalEnv.rewards[e];
        len[e] += 1;
        if (evalEnv.terminated[e] || evalEnv.truncated[e]) {
          if (out.returns.length < episodes) {
            out.returns.push(ret[e]);
            out.lengths.push(len[e]);
          }
          ret[e] = 0;
          len[e] = 0;
        }
      }
    }
    return out;
  }

  /**
   * An acting loop over an env of its own (watch mode, evaluation): its own frame stacks, stacked
   * exactly as training stacks them (an episode start repeats the first frame), epsilon-greedy
   * through the learner's batched greedy acting, exploration drawn from evalRng — never the
   * training RNG, envs, stacks or replay. reset(seed?) resets the env and the stacks; step()
   * acts once for every env of `env` and steps it (same-step autoreset, like training).
   */
  actor(env: VecEnv, o: { epsilon: number }): { reset(seed?: number): Promise<void>; step(): Promise<void> } {
    checkVecEnv(env);
    if (env.frameHeight !== this.env.frameHeight || env.frameWidth !== this.env.frameWidth || env.numActions !== this.env.numActions) {
      throw new Error('DQNAgent.actor: env frame size / action count differ from the training env');
    }
    const n = env.numEnvs;
    const stacker = new FrameStacker(n, this.cfg.frame_stack, env.frameHeight, env.frameWidth);
    const actions = new Int32Array(n);
    const explore = new Uint8Array(n);
    const input = new Float32Array(n * env.frameHeight * env.frameWidth * this.cfg.frame_stack);
    let started = false;
    return {
      reset: async (seed?: number) => {
        await env.reset(seed);
        stacker.resetAll(env.obs);
        started = true;
      },
      step: async () => {
        if (!started) throw new Error('DQNAgent.actor: reset() before step()');
        await this.chooseActions(o.epsilon, this.evalRng, stacker, actions, env.numActions, explore, input);
        await env.step(actions);
        stacker.observe(env.obs, env.terminated, env.truncated);
      },
    };
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
      episodeReturns: Array.from(this.epReturn),
      episodeLengths: Array.from(this.epLength),
      stacks: this.stacker.getState(),
      replay: this.buffer.getState(),
      learner: await this.learner.getState(),
    };
  }

  async setState(s: AgentState): Promise<void> {
    if (s.version !== 1) throw new Error(`DQNAgent.setState: unsupported version ${String(s.version)}`);
    if (s.episodeReturns.length !== this.env.numEnvs) throw new Error('DQNAgent.setState: env count differs');
    this.buffer.setState(s.replay);
    await this.learner.setState(s.learner);
    this.stacker.setState(s.stacks);
    this.rng.setState(s.rng);
    this.evalRng.setState(s.evalRng);
    this.globalStep = s.globalStep;
    this.vectorSteps = s.vectorSteps;
    this.episodes = s.episodes;
    this.epReturn.set(s.episodeReturns);
    this.epLength.set(s.episodeLengths);
    this.started = true;
    this.openingUsed = true;
  }

  dispose(): void {
    this.learner.dispose();
  }
}
