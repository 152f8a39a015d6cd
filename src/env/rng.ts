/**
 * Random numbers for the environment layer.
 *
 * Mt19937 is the 32-bit Mersenne Twister (the generator ALE and its vector env use), so the
 * fake emulator's sticky actions draw the same kind of numbers as the real core. The no-op
 * count at reset uses its own Mt19937, seeded separately from the emulator's, as the reference
 * vector env does.
 */
export class Mt19937 {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    this.seed(seed);
  }

  seed(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32 (split to stay exact in doubles)
      mt[i] = ((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i;
    }
    this.index = 624;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      let v = mt[(i + 397) % 624] ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v;
    }
    this.index = 0;
  }

  /** Next 32-bit output, as an unsigned integer. */
  next(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform double in [0, 1), as ALE draws it (next() / 2^32). */
  nextDouble(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive), unbiased by rejection. */
  intBetween(lo: number, hi: number): number {
    const span = hi - lo + 1;
    if (!(span >= 1) || span > 4294967296) throw new RangeError(`bad range [${lo}, ${hi}]`);
    const limit = Math.floor(4294967296 / span) * span;
    let x: number;
    do x = this.next(); while (x >= limit);
    return lo + (x % span);
  }

  /** Serializable generator state (for clone/restore). */
  getState(): Uint32Array {
    const s = new Uint32Array(625);
    s.set(this.mt);
    s[624] = this.index;
    return s;
  }

  setState(s: Uint32Array): void {
    if (s.length !== 625) throw new RangeError('Mt19937 state must have 625 words');
    this.mt.set(s.subarray(0, 624));
    this.index = s[624];
  }
}

/**
 * Derives independent 31-bit seeds from one user seed (a small integer hash, splitmix-style), so
 * the emulator's sticky-action RNG and the env's no-op RNG never share a stream. `stream` picks
 * which one. Not numpy's SeedSequence: trajectories are reproducible within Arcade Lab, not
 * bit-identical to Gymnasium's.
 */
export function deriveSeed(seed: number, stream: number): number {
  if (!Number.isFinite(seed)) throw new TypeError(`seed must be a finite number, got ${seed}`);
  // Fold arbitrary integers (including > 2^32) into two 32-bit words.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(hi + 0x632be5ab, 0xc2b2ae35);
  h ^= Math.imul(stream + 1, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h & 0x7fffffff;
}

/** A seed from the platform's entropy, used when the user gives none. */
export function entropySeed(): number {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0] & 0x7fffffff;
  return Math.floor(Math.random() * 0x7fffffff);
}
