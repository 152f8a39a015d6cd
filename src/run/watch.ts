/**
 * Watch mode: the agent's policy on a separate single env at real time (60 fps / frame skip
 * agent steps per second, or as fast as possible), its palette screen published to the view slot
 * as env -1. Acting is the agent's own (agent.actor: frame stacks as in training, exploration
 * from the eval RNG); training is paused by the controller meanwhile.
 */
import type { AnyAgent } from '../agent/family';
import type { EpisodeRecord } from '../env/episode';
import type { SingleEnv } from './envs';
import type { FrameWriter } from './frames';
import { now, sleep, yieldMacrotask } from './timing';

export const WATCH_SEED_OFFSET = 0x20000;

export interface WatchOptions {
  epsilon: number;
  realtime: boolean;
  frames: FrameWriter;
  onEpisode(e: EpisodeRecord): void;
}

export class WatchSession {
  private stopped = false;
  /** Settles when the session ended (stop() or an error, which it rethrows). */
  readonly done: Promise<void>;

  constructor(agent: AnyAgent, env: SingleEnv, o: WatchOptions) {
    this.done = this.run(agent, env, o);
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(agent: AnyAgent, env: SingleEnv, o: WatchOptions): Promise<void> {
    const actor = agent.actor(env, { epsilon: o.epsilon });
    await actor.reset((agent.cfg.seed + WATCH_SEED_OFFSET) >>> 0);
    const stepMs = (1000 / 60) * env.frameSkip;
    let next = now();
    while (!this.stopped) {
      await actor.step();
      env.publishFrame(o.frames, -1, agent.globalStep);
      for (const e of env.finished) o.onEpisode(e);
      if (o.realtime) {
        next += stepMs;
        const wait = next - now();
        if (wait > 0) await sleep(wait);
        else { next = now(); await yieldMacrotask(); }
      } else await yieldMacrotask();
    }
  }
}
