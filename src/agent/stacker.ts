/**
 * Per-env frame stacks for acting: the agent sees the latest S frames of each env, and a new
 * episode's stack repeats its first frame S times (the rule the replay buffer's stacks follow
 * too, so the net sees the same kind of input when acting and when learning).
 * Stacks are uint8 [N, S, H*W] (oldest first); writeInput() converts to the float32 NHWC
 * [N, H, W, S] the network takes. Nothing allocates after construction.
 */
export class FrameStacker {
  readonly numEnvs: number;
  readonly stackSize: number;
  readonly frameSize: number;
  private readonly stacks: Uint8Array;

  constructor(numEnvs: number, stackSize: number, frameHeight: number, frameWidth: number) {
    this.numEnvs = numEnvs;
    this.stackSize = stackSize;
    this.frameSize = frameHeight * frameWidth;
    this.stacks = new Uint8Array(numEnvs * stackSize * this.frameSize);
  }

  /** Env `env` started a new episode whose first frame is frames[offset..]. */
  reset(env: number, frames: Uint8Array, offset: number): void {
    const fs = this.frameSize;
    const base = env * this.stackSize * fs;
    // Loops rather than set(subarray()) so acting allocates no view objects per step.
    for (let c = 0; c < this.stackSize; c++) {
      const dst = base + c * fs;
      for (let p = 0; p < fs; p++) this.stacks[dst + p] = frames[offset + p];
    }
  }

  /** Env `env` moved on: drop its oldest frame and append frames[offset..]. */
  push(env: number, frames: Uint8Array, offset: number): void {
    const fs = this.frameSize;
    const base = env * this.stackSize * fs;
    const end = base + this.stackSize * fs;
    this.stacks.copyWithin(base, base + fs, end);
    const dst = end - fs;
    for (let p = 0; p < fs; p++) this.stacks[dst + p] = frames[offset + p];
  }

  resetAll(obs: Uint8Array): void {
    for (let e = 0; e < this.numEnvs; e++) this.reset(e, obs, e * this.frameSize);
  }

  /** After a vector step: envs that ended restart from obs (their new first frame), others push. */
  observe(obs: Uint8Array, terminated: Uint8Array, truncated: Uint8Array): void {
    for (let e = 0; e < this.numEnvs; e++) {
      if (terminated[e] || truncated[e]) this.reset(e, obs, e * this.frameSize);
      else this.push(e, obs, e * this.frameSize);
    }
  }

  /** Float32 NHWC input for all envs into out (length >= N*H*W*S). */
  writeInput(out: Float32Array): void {
    const s = this.stackSize;
    const fs = this.frameSize;
    for (let e = 0; e < this.numEnvs; e++) {
      const src = e * s * fs;
      const dst = e * fs * s;
      for (let c = 0; c < s; c++) {
        const from = src + c * fs;
        let o = dst + c;
        for (let p = 0; p < fs; p++, o += s) out[o] = this.stacks[from + p];
      }
    }
  }

  getState(): Uint8Array {
    return this.stacks.slice();
  }

  setState(s: Uint8Array): void {
    if (s.length !== this.stacks.length) throw new Error(`FrameStacker.setState: expected ${this.stacks.length} bytes, got ${s.length}`);
    this.stacks.set(s);
  }
}
