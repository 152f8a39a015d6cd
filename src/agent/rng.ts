/**
 * Seeded pseudo-random generator for the agent (exploration draws, replay sampling,
 * weight initialisation). sfc32 (Chris Doty-Humphrey's Small Fast Counting generator):
 * 128 bits of state held in four uint32 words, passes PractRand, and needs only 32-bit
 * integer arithmetic, which JS does exactly with `| 0` / `>>> 0`. Nothing here allocates
 * after construction, so it is safe in the hot loop.
 *
 * The state is four numbers; getState()/setState() round-trip it exactly, which is what
 * checkpoints need to resume a run bit-for-bit.
 */
export type RngState = readonly [number, number, number, number];

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed: number) {
    this.reseed(seed);
  }

  /** Re-initialise from a 32-bit integer seed (any finite number; fractional part dropped). */
  reseed(seed: number): void {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    // Spread the seed over the state with splitmix32-style mixing so nearby seeds diverge,
    // then discard a few outputs (the sfc authors recommend 12+ rounds before use).
    let s = Math.trunc(seed) >>> 0;
    const mix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = 1; // counter word
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  /** Uniform uint32. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution (enough for epsilon draws and sampling). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /**
   * Uniform integer in [0, n). n must be a positive integer <= 2^32. Uses Lemire-style
   * rejection on the low bits so the result is exactly uniform (no modulo bias).
   */
  nextInt(n: number): number {
    if (!(n >= 1) || n > 4294967296 || Math.floor(n) !== n) {
      throw new Error(`Rng.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    if (n === 1) return 0;
    // Largest multiple of n that fits in 2^32; draws at or above it are rejected.
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  getState(): RngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  setState(state: RngState): void {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new Error('Rng.setState: expected four uint32 words');
    }
    this.a = state[0] | 0;
    this.b = state[1] | 0;
    this.c = state[2] | 0;
    this.d = state[3] | 0;
  }
}
