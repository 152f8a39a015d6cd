import type { EpisodeRecord } from '../env/episode';
import { Actor } from './actor';
import { epsilonAt } from './config';
import type { LearnerState } from './learner';
import { pqnLearningRateAt, pqnMinibatchSize, type PQNConfig } from './pqn-config';
import { PQNLearner } from './pqn-learner';
import { qLambdaReturns } from './q-lambda';
import type { ReplayBuffer } from './replay';
import { agentRandomness, type EnvSeeds } from './env-seeds';
import { Rng, type RngState } from './rng';
import { checkAgentEnv, type AgentEnv } from './types';

/**
 * PQN (Gallici et al. 2025; ../shared/PQN_FACTS.md, config in pqn-config.ts): DQN without replay
 * and target network. N envs act epsilon-greedily from ONE batched forward pass per vector step,
 * whose Q-values are kept (max_a Q(s_t, a) for the lambda-returns: no second pass over the
 * rollout); after num_steps vector steps one forward pass on the envs' current observations gives
 * the bootstrap, the Q(lambda) targets are computed once (q-lambda.ts), and the net trains
 * update_epochs epochs of num_minibatches shuffled minibatches on that rollout, which is then
 * dropped.
 *
 * Work is cut into step() calls of one kind each, so the run loop (src/run/controller.ts) can
 * pause, save or switch between any two of them: an ACTING step (one vector step of every env;
 * `lastStepActed` true, env.finished valid) or a TRAINING step (one minibatch gradient step;
 * the envs are not touched). The whole position (rollout so far, epoch, minibatch, shuffle) is
 * part of getState(), so a checkpoint taken anywhere resumes bit-exactly in the same mode.
 *
 * Frames are stacked where DQN stacks them, by a ReplayBuffer (Actor.ownFrames: just the stack
 * plus slack per env, never sampled), so acting, evaluation, checkpoint stacks and their restore
 * use the one stacking rule. Rollout observations are kept as uint8 stacks [T*N, H, W, S] (what the
 * forward pass saw), a quarter of float32's memory; minibatches are gathered into one
 * preallocated float32 array. Hot loop allocations: only tfjs's tensors and its read-back arrays.
 *
 * Counting as DQN: global_step = agent steps (transitions over all envs); gradient steps =
 * update_epochs x num_minibatches per rollout.
 */

export interface PQNAgentOptions {
  /** Called for every game the training envs finish, with global_step after it. */
  onEpisode?: (e: EpisodeRecord, globalStep: number) => void;
}

/** Where the agent is inside its rollout/update cycle, plus the rollout's data (checkpoints). */
export interface PQNRolloutState {
  /** Vector steps of the current rollout stored so far (0..num_steps). */
  steps: number;
  /** global_step when the rollout began (the update's learning rate is taken there). */
  startStep: number;
  /** Training position: epoch and minibatch of the next gradient step; null while acting. */
  training: { epoch: number; minibatch: number; perm: Int32Array; lastQ: Float32Array } | null;
  /** The first steps*N rows of each rollout array (time-major [t, env]). */
  obs: Uint8Array;
  actions: Int32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  qMax: Float32Array;
  qFinal: Float32Array;
}

export interface PQNAgentState {
  version: 1;
  algorithm: 'pqn';
  config: PQNConfig;
  globalStep: number;
  vectorSteps: number;
  episodes: number;
  rng: RngState;
  evalRng: RngState;
  /** Each env's current acting stack, [N, S, H*W] bytes oldest first (as DQN's AgentState.stacks). */
  stacks: Uint8Array;
  /** PQN keeps no replay. */
  replay: null;
  /** The frame store's geometry (checkpoint meta.replayGeometry). */
  frames: { numEnvs: number; segmentCapacity: number; frameHeight: number; frameWidth: number };
  learner: LearnerState;
  /** Null: start a fresh rollout (a mode switch, or a checkpoint without one). */
  rollout: PQNRolloutState | null;
}

export class PQNAgent {
  readonly algorithm = 'pqn' as const;
  readonly cfg: PQNConfig;
  readonly env: AgentEnv;
  readonly rng: Rng;
  readonly evalRng: Rng;
  /** The frame store (stacking only; PQN has no replay). */
  readonly buffer: ReplayBuffer;
  readonly learner: PQNLearner;
  /** The frame store's size (what the run card shows where DQN shows its replay). */
  readonly capacity: { capacity: number; bytes: number; limitedBy: 'buffer_size' };
  readonly minibatchSize: number;
  globalStep = 0;
  vectorSteps = 0;
  episodes = 0;
  /** Rollouts trained on so far (updates). */
  updates = 0;
  /** Whether the latest step() stepped the envs (false: it was a gradient step). */
  lastStepActed = false;

  private readonly onEpisode?: (e: EpisodeRecord, globalStep: number) => void;
  private started = false;
  private readonly seeds: EnvSeeds;
  private readonly stackSize: number; // H * W * S floats per observation
  // Rollout storage, [T, N] time-major.
  private readonly rObs: Uint8Array;
  private readonly rActions: Int32Array;
  private readonly rRewards: Float32Array;
  private readonly rTerminated: Uint8Array;
  private readonly rTruncated: Uint8Array;
  private readonly rQMax: Float32Array;
  private readonly rQFinal: Float32Array;
  private readonly targets: Float32Array;
  private readonly lastQ: Float32Array;
  private readonly perm: Int32Array;
  private t = 0;
  private startStep = 0;
  private training: { epoch: number; minibatch: number } | null = null;
  // Staging, preallocated.
  private readonly input: Float32Array;
  private readonly finalInput: Float32Array;
  private readonly finalEnvs: Int32Array;
  private readonly actions: Int32Array;
  private readonly greedy: Int32Array;
  private readonly mbObs: Float32Array;
  private readonly mbActions: Int32Array;
  private readonly mbTargets: Float32Array;

  constructor(cfg: PQNConfig, env: AgentEnv, opts: PQNAgentOptions = {}) {
    checkAgentEnv(env);
    if (env.numEnvs !== cfg.num_envs) throw new Error(`PQNAgent: config num_envs ${cfg.num_envs} but the env has ${env.numEnvs}`);
    const batch = cfg.num_envs * cfg.num_steps;
    if (cfg.num_minibatches > batch) throw new Error(`PQNAgent: num_minibatches ${cfg.num_minibatches} exceeds the rollout's ${batch} samples`);
    this.cfg = cfg;
    this.env = env;
    ({ rng: this.rng, evalRng: this.evalRng, seeds: this.seeds } = agentRandomness(cfg.seed));
    const h = env.frameHeight;
    const w = env.frameWidth;
    const s = cfg.frame_stack;
    this.buffer = Actor.ownFrames(env, s);
    this.capacity = { capacity: this.buffer.segmentCapacity * env.numEnvs, bytes: this.buffer.segmentCapacity * env.numEnvs * (h * w + 6), limitedBy: 'buffer_size' };
    this.learner = new PQNLearner(cfg, { height: h, width: w, channels: s }, env.numActions, this.rng);
    this.onEpisode = opts.onEpisode;
    const N = env.numEnvs;
    const hws = h * w * s;
    this.stackSize = hws;
    this.rObs = new Uint8Array(batch * hws);
    this.rActions = new Int32Array(batch);
    this.rRewards = new Float32Array(batch);
    this.rTerminated = new Uint8Array(batch);
    this.rTruncated = new Uint8Array(batch);
    this.rQMax = new Float32Array(batch);
    this.rQFinal = new Float32Array(batch);
    this.targets = new Float32Array(batch);
    this.lastQ = new Float32Array(N);
    this.perm = new Int32Array(batch);
    this.input = new Float32Array(N * hws);
    this.finalInput = new Float32Array(N * hws);
    this.finalEnvs = new Int32Array(N);
    this.actions = new Int32Array(N);
    this.greedy = new Int32Array(N);
    this.minibatchSize = pqnMinibatchSize(cfg);
    this.mbObs = new Float32Array(this.minibatchSize * hws);
    this.mbActions = new Int32Array(this.minibatchSize);
    this.mbTargets = new Float32Array(this.minibatchSize);
  }

  /** Epsilon of the next acting step: CleanRL evaluates its schedule after global_step += num_envs. */
  get epsilon(): number {
    return epsilonAt(this.cfg, this.globalStep + this.env.numEnvs);
  }

  /** Gradient steps per rollout. */
  get gradientStepsPerUpdate(): number {
    return this.cfg.update_epochs * this.cfg.num_minibatches;
  }

  /** True while a collected rollout still has gradient steps to run (the run loop finishes them at the end). */
  get updatePending(): boolean {
    return this.training !== null;
  }

  /** Env reset and first frames; seeds as DQNAgent.start (src/agent/README.md, "Env seeds"). */
  async start(seed?: number): Promise<void> {
    await this.env.reset(this.seeds.next('PQNAgent', seed));
    this.buffer.startEpisodes(this.env.obs);
    // Running episodes restarted: a rollout collected so far would mix the old envs' steps with
    // the new envs' (its last step's successor is gone), so a new rollout begins.
    this.t = 0;
    this.training = null;
    this.started = true;
  }

  /** Seed of the envs' latest reset by start() (null before the first; env-seeds.ts). */
  get lastEnvSeed(): number | null {
    return this.seeds.last;
  }

  /** One acting vector step, or one gradient step of the pending update (see the header). */
  async step(): Promise<void> {
    if (!this.started) await this.start();
    if (this.training) {
      this.lastStepActed = false;
      this.trainMinibatch();
      return;
    }
    this.lastStepActed = true;
    await this.act();
    if (this.t === this.cfg.num_steps) await this.beginUpdate();
  }

  /** Max and argmax over each of n rows of q [n, A]. */
  private maxRows(q: Float32Array, n: number, max: Float32Array, maxOff: number, arg: Int32Array | null): void {
    const A = this.env.numActions;
    for (let e = 0; e < n; e++) {
      let best = 0;
      let v = q[e * A];
      for (let a = 1; a < A; a++) if (q[e * A + a] > v) { v = q[e * A + a]; best = a; }
      max[maxOff + e] = v;
      if (arg) arg[e] = best;
    }
  }

  private async act(): Promise<void> {
    const env = this.env;
    const N = env.numEnvs;
    const hws = this.stackSize;
    const k0 = this.t * N;
    if (this.t === 0) this.startStep = this.globalStep;
    const eps = this.epsilon;
    this.buffer.writeLatestStacks(this.input);
    const obs = this.rObs;
    const inp = this.input;
    const base = k0 * hws;
    for (let i = 0; i < N * hws; i++) obs[base + i] = inp[i];
    // The one forward pass of this vector step: greedy actions and max_a Q(s_t, a) both come from it.
    const q = await this.learner.qValues(inp, N);
    this.maxRows(q, N, this.rQMax, k0, this.greedy);
    const rng = this.rng;
    const A = env.numActions;
    for (let e = 0; e < N; e++) this.actions[e] = rng.nextFloat() < eps ? -1 : this.greedy[e];
    for (let e = 0; e < N; e++) if (this.actions[e] < 0) this.actions[e] = rng.nextInt(A);
    await env.step(this.actions);
    let nFinal = 0;
    for (let e = 0; e < N; e++) {
      const k = k0 + e;
      this.rActions[k] = this.actions[e];
      this.rRewards[k] = env.rewards[e];
      this.rTerminated[k] = env.terminated[e];
      this.rTruncated[k] = env.terminated[e] ? 0 : env.truncated[e];
      this.rQFinal[k] = 0;
      if (this.rTruncated[k]) this.finalEnvs[nFinal++] = e;
    }
    this.buffer.addVectorStep(this.actions, env.rewards, env.terminated, env.truncated, env.obs, env.finalObs);
    if (nFinal > 0) {
      // Time limits (rare): max_a Q of each truncated episode's true final frame, whose stack
      // ends at the FINAL row just before the new episode's START row in the frame store.
      for (let j = 0; j < nFinal; j++) {
        const e = this.finalEnvs[j];
        this.buffer.writeStack(e, this.buffer.rowsWritten(e) - 2, this.finalInput, j * hws);
      }
      const qf = await this.learner.qValues(this.finalInput, nFinal);
      for (let j = 0; j < nFinal; j++) {
        let v = qf[j * A];
        for (let a = 1; a < A; a++) if (qf[j * A + a] > v) v = qf[j * A + a];
        this.rQFinal[k0 + this.finalEnvs[j]] = v;
      }
    }
    this.t++;
    this.globalStep += N;
    this.vectorSteps++;
    this.episodes += env.finished.length;
    if (this.onEpisode) for (const e of env.finished) this.onEpisode(e, this.globalStep);
  }

  /** Rollout complete: bootstrap forward pass, Q(lambda) targets, learning rate, first shuffle. */
  private async beginUpdate(): Promise<void> {
    const N = this.env.numEnvs;
    this.buffer.writeLatestStacks(this.input);
    const q = await this.learner.qValues(this.input, N);
    this.maxRows(q, N, this.lastQ, 0, null);
    this.computeTargets();
    this.learner.setLearningRate(pqnLearningRateAt(this.cfg, this.startStep));
    this.training = { epoch: 0, minibatch: 0 };
    this.shuffle();
  }

  private computeTargets(): void {
    qLambdaReturns({
      numSteps: this.cfg.num_steps, numEnvs: this.env.numEnvs, gamma: this.cfg.gamma, lambda: this.cfg.q_lambda,
      rewards: this.rRewards, terminated: this.rTerminated, truncated: this.rTruncated, qMax: this.rQMax, qFinal: this.rQFinal, lastQ: this.lastQ,
    }, this.targets);
  }

  /** Fisher-Yates over all rollout samples from the agent RNG (CleanRL: np.random.shuffle per epoch). */
  private shuffle(): void {
    const p = this.perm;
    for (let i = 0; i < p.length; i++) p[i] = i;
    for (let i = p.length - 1; i > 0; i--) {
      const j = this.rng.nextInt(i + 1);
      const x = p[i]; p[i] = p[j]; p[j] = x;
    }
  }

  private trainMinibatch(): void {
    const tr = this.training!;
    const m = this.minibatchSize;
    const hws = this.stackSize;
    const from = tr.minibatch * m;
    for (let i = 0; i < m; i++) {
      const k = this.perm[from + i];
      this.mbActions[i] = this.rActions[k];
      this.mbTargets[i] = this.targets[k];
      const src = k * hws;
      const dst = i * hws;
      for (let p = 0; p < hws; p++) this.mbObs[dst + p] = this.rObs[src + p];
    }
    this.learner.trainStep(this.mbObs, this.mbActions, this.mbTargets, m);
    tr.minibatch++;
    if (tr.minibatch < this.cfg.num_minibatches) return;
    tr.minibatch = 0;
    tr.epoch++;
    if (tr.epoch < this.cfg.update_epochs) { this.shuffle(); return; }
    this.training = null;
    this.t = 0;
    this.updates++;
  }

  /** Runs until global_step reaches `untilStep` and no update is pending (tests, tools). */
  async train(untilStep = this.cfg.total_timesteps): Promise<void> {
    while (this.globalStep < untilStep || this.training) await this.step();
  }

  /** An acting loop of this policy over an env of its own (watch mode, evaluation); as DQNAgent.actor. */
  actor(env: AgentEnv, o: { epsilon: number }): Actor {
    checkAgentEnv(env);
    if (env.frameHeight !== this.env.frameHeight || env.frameWidth !== this.env.frameWidth || env.numActions !== this.env.numActions) {
      throw new Error(`PQNAgent.actor: the env's frames (${env.frameHeight}x${env.frameWidth}) or action count (${env.numActions}) differ from the training env's`);
    }
    return new Actor(env, Actor.ownFrames(env, this.cfg.frame_stack), this.learner, this.evalRng, o.epsilon);
  }

  /** Everything to resume this agent (views of the live rollout arrays: serialise before stepping on). */
  async getState(): Promise<PQNAgentState> {
    const N = this.env.numEnvs;
    const rows = this.t * N;
    const tr = this.training;
    return {
      version: 1,
      algorithm: 'pqn',
      config: { ...this.cfg },
      globalStep: this.globalStep,
      vectorSteps: this.vectorSteps,
      episodes: this.episodes,
      rng: this.rng.getState(),
      evalRng: this.evalRng.getState(),
      stacks: this.buffer.latestStackBytes(),
      replay: null,
      frames: { numEnvs: N, segmentCapacity: this.buffer.segmentCapacity, frameHeight: this.env.frameHeight, frameWidth: this.env.frameWidth },
      learner: await this.learner.getState(),
      rollout: {
        steps: this.t,
        startStep: this.startStep,
        training: tr ? { epoch: tr.epoch, minibatch: tr.minibatch, perm: this.perm.slice(), lastQ: this.lastQ.slice() } : null,
        obs: this.rObs.subarray(0, rows * this.stackSize),
        actions: this.rActions.subarray(0, rows),
        rewards: this.rRewards.subarray(0, rows),
        terminated: this.rTerminated.subarray(0, rows),
        truncated: this.rTruncated.subarray(0, rows),
        qMax: this.rQMax.subarray(0, rows),
        qFinal: this.rQFinal.subarray(0, rows),
      },
    };
  }

  /**
   * Restores counters, RNG, weights and Adam, and the rollout position when given (same env
   * count); the envs' frames are the caller's (src/checkpoint/restore.ts restores env states and
   * stacks, or calls start()).
   */
  async setState(s: Omit<PQNAgentState, 'frames' | 'stacks' | 'replay'>): Promise<void> {
    if (s.version !== 1 || s.algorithm !== 'pqn') throw new Error(`PQNAgent.setState: not a PQN agent state (version ${String(s.version)}, algorithm ${String(s.algorithm)})`);
    await this.learner.setState(s.learner);
    this.rng.setState(s.rng);
    this.evalRng.setState(s.evalRng);
    this.globalStep = s.globalStep;
    this.vectorSteps = s.vectorSteps;
    this.episodes = s.episodes;
    this.t = 0;
    this.training = null;
    const r = s.rollout;
    if (r) this.setRollout(r);
    this.started = true;
    this.seeds.continued();
  }

  private setRollout(r: PQNRolloutState): void {
    const N = this.env.numEnvs;
    const rows = r.steps * N;
    if (!(Number.isInteger(r.steps) && r.steps >= 0 && r.steps <= this.cfg.num_steps)) throw new Error(`PQNAgent.setState: rollout of ${r.steps} steps, num_steps is ${this.cfg.num_steps}`);
    const sizes: Array<[string, number, number]> = [
      ['obs', r.obs.length, rows * this.stackSize], ['actions', r.actions.length, rows], ['rewards', r.rewards.length, rows],
      ['terminated', r.terminated.length, rows], ['truncated', r.truncated.length, rows], ['qMax', r.qMax.length, rows], ['qFinal', r.qFinal.length, rows],
    ];
    for (const [name, got, want] of sizes) if (got !== want) throw new Error(`PQNAgent.setState: rollout ${name} holds ${got} values, expected ${want} (env count differs?)`);
    this.rObs.set(r.obs);
    this.rActions.set(r.actions);
    this.rRewards.set(r.rewards);
    this.rTerminated.set(r.terminated);
    this.rTruncated.set(r.truncated);
    this.rQMax.set(r.qMax);
    this.rQFinal.set(r.qFinal);
    this.t = r.steps;
    this.startStep = r.startStep;
    if (r.training) {
      if (r.steps !== this.cfg.num_steps || r.training.perm.length !== this.perm.length || r.training.lastQ.length !== N) throw new Error('PQNAgent.setState: training position without a whole rollout');
      this.perm.set(r.training.perm);
      this.lastQ.set(r.training.lastQ);
      this.computeTargets(); // deterministic from the rollout and lastQ
      this.learner.setLearningRate(pqnLearningRateAt(this.cfg, this.startStep));
      this.training = { epoch: r.training.epoch, minibatch: r.training.minibatch };
    }
  }

  dispose(): void {
    this.learner.dispose();
  }
}
