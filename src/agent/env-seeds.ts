import { Rng } from './rng';

/**
 * Which seed an agent's start() resets its envs with (DQNAgent and PQNAgent share this rule):
 * the run's opening seed (cfg.seed) the first time; after that (a start of an agent that already
 * ran, or continues a checkpoint), a fresh 31-bit seed drawn from the agent's RNG, so the new envs
 * do not replay the opening episodes. The draw comes from the checkpointed RNG stream, so a given
 * checkpoint + restart still reproduces the same episodes.
 */
export class EnvSeeds {
  /** Seed of the envs' latest reset by start() (null before the first). */
  last: number | null = null;
  /** The run's opening seed was used, or this agent continues a saved one. */
  private openingUsed = false;

  constructor(private readonly openingSeed: number, private readonly rng: Rng) {}

  /** The seed for this start; `seed` forces one (an integer). */
  next(who: string, seed?: number): number {
    if (seed !== undefined && !Number.isInteger(seed)) throw new TypeError(`${who}.start: seed must be an integer, got ${String(seed)}`);
    const s = seed ?? (this.openingUsed ? this.fresh() : this.openingSeed);
    this.openingUsed = true;
    this.last = s;
    return s;
  }

  /** The agent continues a saved state: its next start draws a fresh seed. */
  continued(): void {
    this.openingUsed = true;
  }

  /**
   * A 31-bit seed kept away from the opening seed: env i is seeded with seed + i (VecEnv), so a
   * draw within 2^16 of it could overlap the opening envs' seeds.
   */
  private fresh(): number {
    for (;;) {
      const s = this.rng.nextU32() & 0x7fffffff;
      if (Math.abs(s - this.openingSeed) >= 0x10000) return s;
    }
  }
}

/**
 * An agent's random streams from its config seed (DQNAgent and PQNAgent alike): `rng` for
 * exploration, env seeds and minibatches; `evalRng` for evaluation only (its own stream, so
 * evaluating never shifts training); `seeds` draws later env seeds from `rng`.
 */
export function agentRandomness(seed: number): { rng: Rng; evalRng: Rng; seeds: EnvSeeds } {
  const rng = new Rng(seed);
  return { rng, evalRng: new Rng((seed ^ 0x5eed1e55) >>> 0), seeds: new EnvSeeds(seed, rng) };
}
