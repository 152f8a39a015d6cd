import { accountStep, newEnvStats, type EpisodeRecord } from '../env/episode';
import { Rng } from './rng';
import { LocalEnvArrays, type AgentEnv } from './types';

/**
 * "Cue" env for agent tests and quick sanity runs: each frame lights one of |A| vertical bands
 * (the cue); the action that names the lit band earns +1 and the episode goes on, any other
 * action earns 0 and TERMINATES the episode (when terminateOnMistake), and episodes are
 * TRUNCATED after maxSteps steps, so both episode-end kinds occur. A random policy returns
 * sum_k (1/|A|)^k ≈ 1/(|A|-1) per episode; a perfect one returns maxSteps.
 * Frames are small (default 8x8) so tiny networks train in seconds on the tfjs cpu backend.
 * Implements the AgentEnv contract: same-step autoreset, finalObs for ended episodes, every
 * ended episode is a finished game.
 */
export interface CueEnvOptions {
  numEnvs: number;
  numActions?: number;
  frameHeight?: number;
  frameWidth?: number;
  maxSteps?: number;
  terminateOnMistake?: boolean;
  seed?: number;
}

export class CueEnv extends LocalEnvArrays implements AgentEnv {
  readonly maxSteps: number;
  readonly terminateOnMistake: boolean;
  private readonly cue: Int32Array;
  private readonly t: Int32Array;
  private rng: Rng;
  private readonly stats: ReturnType<typeof newEnvStats>[];

  constructor(o: CueEnvOptions) {
    super(o.numEnvs, o.numActions ?? 4, o.frameHeight ?? 8, o.frameWidth ?? 8);
    if (this.frameWidth < this.numActions) throw new Error('CueEnv: need at least one pixel column per action');
    this.maxSteps = o.maxSteps ?? 10;
    this.terminateOnMistake = o.terminateOnMistake ?? true;
    this.cue = new Int32Array(this.numEnvs);
    this.t = new Int32Array(this.numEnvs);
    this.stats = Array.from({ length: this.numEnvs }, newEnvStats);
    this.rng = new Rng(o.seed ?? 0);
  }

  private draw(e: number, into: Uint8Array): void {
    const c = this.rng.nextInt(this.numActions);
    this.cue[e] = c;
    const w = this.frameWidth;
    const fs = this.frameHeight * w;
    const band = Math.floor(w / this.numActions);
    const base = e * fs;
    into.fill(0, base, base + fs);
    for (let y = 0; y < this.frameHeight; y++) into.fill(255, base + y * w + c * band, base + y * w + (c + 1) * band);
  }

  reset(seed?: number): void {
    if (seed !== undefined) this.rng = new Rng(seed);
    for (let e = 0; e < this.numEnvs; e++) {
      this.t[e] = 0;
      this.draw(e, this.obs);
    }
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.finished.length = 0;
    for (let e = 0; e < this.numEnvs; e++) this.stats[e] = newEnvStats();
  }

  step(actions: Int32Array): void {
    const fs = this.frameHeight * this.frameWidth;
    this.finished.length = 0;
    for (let e = 0; e < this.numEnvs; e++) {
      const a = actions[e];
      if (!(a >= 0 && a < this.numActions)) throw new Error(`CueEnv: action ${a} out of range`);
      const right = a === this.cue[e];
      this.rewards[e] = right ? 1 : 0;
      this.t[e]++;
      const term = !right && this.terminateOnMistake;
      const trunc = !term && this.t[e] >= this.maxSteps;
      this.terminated[e] = term ? 1 : 0;
      this.truncated[e] = trunc ? 1 : 0;
      this.draw(e, this.obs); // next frame (the episode's last one if it just ended)
      const ended = accountStep(this.stats[e], e, this.rewards[e], this.rewards[e], term || trunc, trunc, this.t[e]);
      if (ended) this.finished.push(ended);
      if (term || trunc) {
        this.finalObs.set(this.obs.subarray(e * fs, (e + 1) * fs), e * fs);
        this.t[e] = 0;
        this.draw(e, this.obs); // same-step autoreset: first frame of the next episode
      }
    }
  }
}
