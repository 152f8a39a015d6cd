import { ReplayBuffer } from './replay';
import { Rng } from './rng';
import type { AgentEnv } from './types';

/** What acting needs from a learner (DQNLearner, PQNLearner): greedy actions from one batched forward pass. */
export interface GreedyPolicy {
  greedyActions(x: Float32Array, n: number): Promise<Int32Array>;
}

/**
 * Acting on a batch of envs: per-env epsilon-greedy actions, the greedy ones from ONE batched
 * forward pass of the learner's online net, on the stacks of the frames just stored in `frames`.
 * `frames` is a ReplayBuffer, the one place frames are stacked: training acts through the
 * agent's own replay (so it acts on exactly the stacks it will learn from); evaluation and watch
 * mode act through a small replay of their own (Actor.ownFrames), so they never touch the
 * training envs, replay or exploration stream. Nothing allocates per step but tfjs's handles.
 */
export class Actor {
  readonly actions: Int32Array;
  /** Probability of a uniformly random action, per env and step (the agent updates it while training). */
  epsilon: number;
  private readonly explore: Uint8Array;
  private readonly input: Float32Array;

  constructor(
    readonly env: AgentEnv,
    readonly frames: ReplayBuffer,
    private readonly learner: GreedyPolicy,
    private readonly rng: Rng,
    epsilon: number,
  ) {
    if (frames.numEnvs !== env.numEnvs || frames.frameHeight !== env.frameHeight || frames.frameWidth !== env.frameWidth) {
      throw new Error(`Actor: frame store (${frames.numEnvs} envs of ${frames.frameHeight}x${frames.frameWidth}) does not fit the env (${env.numEnvs} of ${env.frameHeight}x${env.frameWidth})`);
    }
    this.epsilon = epsilon;
    this.actions = new Int32Array(env.numEnvs);
    this.explore = new Uint8Array(env.numEnvs);
    this.input = new Float32Array(env.numEnvs * env.frameHeight * env.frameWidth * frames.stackSize);
  }

  /** A frame store just big enough for acting (the stack plus the replay's minimum slack). */
  static ownFrames(env: AgentEnv, stackSize: number): ReplayBuffer {
    const perEnv = stackSize + 1 + 2; // stack + n_step (1) + 2, ReplayBuffer's minimum
    return new ReplayBuffer({
      numEnvs: env.numEnvs, capacity: env.numEnvs * perEnv, frameHeight: env.frameHeight, frameWidth: env.frameWidth,
      stackSize, nStep: 1, gamma: 1, batchSize: 1, rng: new Rng(0),
    });
  }

  /** Resets every env and stores their first frames. */
  async reset(seed?: number): Promise<void> {
    await this.env.reset(seed);
    this.frames.startEpisodes(this.env.obs);
  }

  /** Chooses this step's actions into `actions` (the forward pass is skipped when every env explores). */
  async chooseActions(): Promise<void> {
    const n = this.actions.length;
    const rng = this.rng;
    let greedy = 0;
    for (let e = 0; e < n; e++) {
      const ex = rng.nextFloat() < this.epsilon ? 1 : 0;
      this.explore[e] = ex;
      greedy += 1 - ex;
    }
    if (greedy > 0) {
      this.frames.writeLatestStacks(this.input);
      const best = await this.learner.greedyActions(this.input, n);
      for (let e = 0; e < n; e++) this.actions[e] = best[e];
    }
    const numActions = this.env.numActions;
    for (let e = 0; e < n; e++) if (this.explore[e]) this.actions[e] = rng.nextInt(numActions);
  }

  /** One vector step: choose, step the envs, store the outcome and the next frames. */
  async step(): Promise<void> {
    await this.chooseActions();
    const env = this.env;
    await env.step(this.actions);
    this.frames.addVectorStep(this.actions, env.rewards, env.terminated, env.truncated, env.obs, env.finalObs);
  }
}
