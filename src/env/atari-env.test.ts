import { describe, expect, it } from 'vitest';
import { AtariEnv, newStepOutcome } from './atari-env';
import type { Emulator } from './emulator';
import { FakeEmulator } from './fake-emulator';
import { deriveSeed, Mt19937 } from './rng';

/**
 * An emulator whose every frame is scripted, so wrapper behaviour can be checked against values
 * computed by hand: frame t (1-based, counted since reset) shows a uniform screen of value
 * shade(t), gives reward rewards[t] and leaves lives(t) lives.
 */
class ScriptedEmulator implements Emulator {
  readonly width = 160;
  readonly height = 210;
  frame = 0;
  total = 0;
  actions: number[] = [];
  resets = 0;
  reseeds: number[] = [];
  constructor(
    readonly opts: { rewards?: Record<number, number>; livesAt?: (t: number) => number; endAt?: number; minimal?: number[] } = {},
  ) {}
  shade(t: number) { return (t * 37 + 11) & 255; }
  minimalActionSet() { return this.opts.minimal ?? [0, 1, 3, 4]; }
  legalActionSet() { return Array.from({ length: 18 }, (_, i) => i); }
  reseed(seed: number) { this.reseeds.push(seed); this.resetGame(); this.resets--; }
  resetGame() { this.frame = 0; this.resets++; }
  act(a: number) {
    if (this.terminal()) return 0;
    this.actions.push(a);
    this.frame++;
    this.total++;
    return this.opts.rewards?.[this.frame] ?? 0;
  }
  lives() { return this.opts.livesAt ? this.opts.livesAt(this.frame) : 3; }
  terminal() { return this.opts.endAt !== undefined && this.frame >= this.opts.endAt; }
  frameNumber() { return this.total; }
  episodeFrameNumber() { return this.frame; }
  /** Uniform screens resize to themselves, so the observation is shade(frame) (pooled: with frame - 1). */
  observe(out: Uint8Array, width: number, height: number, pool: boolean) {
    this.observed.push({ width, height, pool });
    out.fill(pool ? Math.max(this.shade(this.frame), this.shade(this.frame - 1)) : this.shade(this.frame));
  }
  observed: { width: number; height: number; pool: boolean }[] = [];
  cloneState() { return Uint8Array.of(this.frame); }
  restoreState(s: Uint8Array) { this.frame = s[0]; }
  dispose() {}
}

const F = 84 * 84;
/** The observation (one frame), which must be uniform; returns its value. */
function value(obs: Uint8Array): number {
  expect(obs.length).toBe(F);
  expect(obs.every((v) => v === obs[0])).toBe(true);
  return obs[0];
}

describe('Mt19937', () => {
  it('matches the reference first outputs for seed 5489', () => {
    const r = new Mt19937(5489);
    expect([r.next(), r.next(), r.next()]).toEqual([3499211612, 581869302, 3890346734]);
  });
  it('round-trips its state', () => {
    const r = new Mt19937(7);
    r.next();
    const s = r.getState();
    const a = [r.next(), r.next()];
    r.setState(s);
    expect([r.next(), r.next()]).toEqual(a);
  });
});

describe('AtariEnv wrappers against hand-computed frames', () => {
  it('frame skip 4 with max-pool of the last two frames, rewards summed, one 84x84 frame per observation', () => {
    const emu = new ScriptedEmulator({ rewards: { 2: 1, 4: 2, 7: 5 } });
    const env = new AtariEnv(emu, { noopMax: 0 });
    expect(env.observationShape).toEqual([84, 84]);
    const r0 = env.reset(1);
    expect(value(r0.obs)).toBe(emu.shade(0));
    const s1 = env.step(0);
    expect(emu.frame).toBe(4);
    expect(s1.reward).toBe(3);
    expect(s1.info.rawReward).toBe(3);
    expect(value(s1.obs)).toBe(Math.max(emu.shade(3), emu.shade(4)));
    const s2 = env.step(0);
    expect(s2.reward).toBe(5);
    expect(value(s2.obs)).toBe(Math.max(emu.shade(7), emu.shade(8)));
    expect(s2.info.episodeFrameNumber).toBe(8);
    // the reset frame alone, then one pooled 84x84 frame per step
    expect(emu.observed).toEqual([{ width: 84, height: 84, pool: false }, { width: 84, height: 84, pool: true }, { width: 84, height: 84, pool: true }]);
  });

  it('without max-pool the last frame alone is used', () => {
    const emu = new ScriptedEmulator();
    const env = new AtariEnv(emu, { noopMax: 0, maxPool: false, frameSkip: 3 });
    env.reset(1);
    expect(value(env.step(0).obs)).toBe(emu.shade(3));
    expect(emu.observed.at(-1)?.pool).toBe(false);
  });

  it('clips the training reward to its sign, reports the raw reward', () => {
    const emu = new ScriptedEmulator({ rewards: { 1: 5, 3: 2, 6: -7 } });
    const env = new AtariEnv(emu, { noopMax: 0, clipRewards: true });
    env.reset(1);
    const a = env.step(0);
    expect([a.reward, a.info.rawReward]).toEqual([1, 7]);
    const b = env.step(0);
    expect([b.reward, b.info.rawReward]).toEqual([-1, -7]);
    const c = env.step(0);
    expect([c.reward, c.info.rawReward]).toEqual([0, 0]);
  });

  it('maps agent actions through the minimal set, or the full set on request', () => {
    const emu = new ScriptedEmulator({ minimal: [0, 1, 3, 4] });
    const env = new AtariEnv(emu, { noopMax: 0, frameSkip: 1 });
    expect(env.numActions).toBe(4);
    env.reset(1);
    env.step(2);
    env.step(3);
    expect(emu.actions).toEqual([3, 4]);
    const full = new AtariEnv(new ScriptedEmulator(), { fullActionSpace: true });
    expect(full.numActions).toBe(18);
  });

  it('game over ends the episode early: remaining frames are not emulated, final frame alone', () => {
    const emu = new ScriptedEmulator({ endAt: 6 });
    const env = new AtariEnv(emu, { noopMax: 0 });
    env.reset(1);
    env.step(0);
    const s = env.step(0);
    expect([s.terminated, s.truncated]).toEqual([true, false]);
    expect(emu.frame).toBe(6);
    expect(value(s.obs)).toBe(emu.shade(6));
    expect(emu.observed.at(-1)?.pool).toBe(false);
    expect(() => env.step(0)).toThrow(/call reset\(\) first/);
    env.reset();
    expect(emu.resets).toBe(1);
    expect(emu.frame).toBe(0);
  });

  it('truncates at maxEpisodeFrames (counted in emulated frames, no-ops included)', () => {
    const emu = new ScriptedEmulator();
    const env = new AtariEnv(emu, { noopMax: 0, maxEpisodeFrames: 10 });
    env.reset(1);
    expect(env.step(0).truncated).toBe(false);
    expect(env.step(0).truncated).toBe(false);
    const s = env.step(0);
    expect([s.terminated, s.truncated, emu.frame]).toEqual([false, true, 10]);
    expect(s.info.gameOver).toBe(true);
  });

  it('terminal on life loss: training episode ends, next reset continues the game with a NOOP step', () => {
    const emu = new ScriptedEmulator({ livesAt: (t) => (t >= 6 ? 2 : 3) });
    const env = new AtariEnv(emu, { noopMax: 0, terminalOnLifeLoss: true });
    env.reset(1);
    env.step(1);
    const s = env.step(1);
    expect([s.terminated, s.info.gameOver, s.info.lives, emu.frame]).toEqual([true, false, 2, 6]);
    const r = env.reset();
    expect(emu.resets).toBe(0); // the game was not reset
    expect(emu.frame).toBe(10); // one NOOP step of 4 frames
    expect(emu.actions.slice(-4)).toEqual([0, 0, 0, 0]);
    expect(value(r.obs)).toBe(Math.max(emu.shade(9), emu.shade(10)));
    expect(env.step(0).terminated).toBe(false);
  });

  it('fire on reset presses FIRE for one frame, counted as one of the no-ops', () => {
    const emu = new ScriptedEmulator();
    const env = new AtariEnv(emu, { fireReset: true, noopMax: 30 });
    const seed = 12345;
    env.reset(seed);
    const expectedNoops = new Mt19937(deriveSeed(seed, 1)).intBetween(1, 30);
    expect(emu.actions[0]).toBe(1);
    expect(emu.actions.length).toBe(Math.max(1, expectedNoops));
    expect(emu.actions.slice(1).every((a) => a === 0)).toBe(true);
    // no FIRE in the action set: no fire press
    const emu2 = new ScriptedEmulator({ minimal: [0, 3, 4] });
    new AtariEnv(emu2, { fireReset: true, noopMax: 0 }).reset(1);
    expect(emu2.actions).toEqual([]);
  });

  it('random no-ops at reset: 1..noopMax single frames, reproducible per seed', () => {
    const counts = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const emu = new ScriptedEmulator();
      new AtariEnv(emu, { noopMax: 30 }).reset(seed);
      expect(emu.actions.every((a) => a === 0)).toBe(true);
      counts.add(emu.frame);
    }
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBe(30);
    expect(counts.size).toBe(30);
  });

  it('an episode that ends on the last frame of a step still pools; one that ends earlier does not', () => {
    const last = new ScriptedEmulator({ endAt: 4 });
    const a = new AtariEnv(last, { noopMax: 0 });
    a.reset(1);
    expect(a.step(0).terminated).toBe(true);
    expect(last.observed.at(-1)?.pool).toBe(true);
    const early = new ScriptedEmulator({ endAt: 3 });
    const b = new AtariEnv(early, { noopMax: 0 });
    b.reset(1);
    expect(b.step(0).terminated).toBe(true);
    expect(early.observed.at(-1)?.pool).toBe(false);
  });

  it('stepAutoReset: results before the reset, the final frame kept, the next episode started in place', () => {
    const emu = new ScriptedEmulator({ endAt: 6, rewards: { 5: 3 } });
    const env = new AtariEnv(emu, { noopMax: 0 });
    const finalObs = new Uint8Array(F);
    const out = newStepOutcome();
    env.reset(1);
    env.stepAutoReset(0, finalObs, out);
    expect([out.terminated, out.gameOver, emu.resets]).toEqual([false, false, 0]);
    env.stepAutoReset(0, finalObs, out);
    expect(out).toEqual({ reward: 3, rawReward: 3, terminated: true, truncated: false, gameOver: true, lives: 3, episodeFrame: 6 });
    expect(value(finalObs)).toBe(emu.shade(6));
    expect(emu.resets).toBe(1);
    expect(value(env.obs)).toBe(emu.shade(0));
    env.stepAutoReset(0, finalObs, out); // no reset() needed in between
    expect(out.terminated).toBe(false);
  });

  it('with terminalOnLifeLoss a lost life ends the episode but not the game (gameOver false)', () => {
    const emu = new ScriptedEmulator({ livesAt: (t) => (t >= 6 ? 2 : 3), endAt: 14 });
    const env = new AtariEnv(emu, { noopMax: 0, terminalOnLifeLoss: true });
    const finalObs = new Uint8Array(F);
    const out = newStepOutcome();
    env.reset(1);
    env.stepAutoReset(0, finalObs, out);
    env.stepAutoReset(0, finalObs, out);
    expect([out.terminated, out.gameOver, out.lives]).toEqual([true, false, 2]);
    expect(emu.resets).toBe(0); // the game goes on (one NOOP step)
    env.stepAutoReset(0, finalObs, out);
    expect([out.terminated, out.gameOver]).toEqual([true, true]);
    expect(emu.resets).toBe(1);
  });

  it('retired options: frameStack 1 and obsType grayscale (stored by old checkpoints) are accepted, others refused', () => {
    expect(new AtariEnv(new ScriptedEmulator(), { frameStack: 1, obsType: 'grayscale' } as never).obsSize).toBe(F);
    expect(() => new AtariEnv(new ScriptedEmulator(), { frameStack: 4 } as never)).toThrow(/frameStack" was removed: frames are stacked by the agent/);
    expect(() => new AtariEnv(new ScriptedEmulator(), { obsType: 'rgb' } as never)).toThrow(/obsType" was removed/);
    expect(() => new AtariEnv(new ScriptedEmulator(), { screenSize: 0 })).toThrow(/screenSize must be an integer in \[1, 160\]/);
  });

  it('bad input gives clear errors', () => {
    const env = new AtariEnv(new ScriptedEmulator(), { noopMax: 0 });
    expect(() => env.step(0)).toThrow(/before reset/);
    env.reset(0);
    expect(() => env.step(-1)).toThrow(/invalid action -1/);
    expect(() => env.step(4)).toThrow(/invalid action 4/);
    expect(() => env.step(1.5)).toThrow(/invalid action/);
    expect(() => env.step(Number.NaN)).toThrow(/invalid action/);
    expect(() => env.reset(1.5)).toThrow(/seed must be an integer/);
    expect(() => new AtariEnv(new ScriptedEmulator(), { frameSkip: 0 })).toThrow(/frameSkip/);
    expect(() => new AtariEnv(new ScriptedEmulator(), { frameskip: 4 } as never)).toThrow(/unknown env option "frameskip"/);
    expect(() => new AtariEnv(new ScriptedEmulator(), { repeatActionProbability: 2 })).toThrow(/repeatActionProbability/);
    expect(() => new AtariEnv(new ScriptedEmulator(), {}, new Uint8Array(3))).toThrow(/observation buffer/);
    env.close();
    expect(() => env.step(0)).toThrow(/closed/);
    expect(() => env.reset()).toThrow(/closed/);
  });
});

describe('AtariEnv on the fake game', () => {
  const make = (opts = {}) => new AtariEnv(new FakeEmulator({ repeatActionProbability: 0.25, seed: 0 }), opts);
  function rollout(env: AtariEnv, seed: number, steps: number) {
    const out: string[] = [];
    env.reset(seed);
    let s = 0;
    for (let i = 0; i < steps; i++) {
      const r = env.step((i * 7 + (i >> 2)) % env.numActions);
      let h = 0;
      for (let k = 0; k < r.obs.length; k += 97) h = (h * 31 + r.obs[k]) | 0;
      out.push(`${r.reward},${r.terminated},${r.truncated},${r.info.lives},${r.info.episodeFrameNumber},${h}`);
      if (r.terminated || r.truncated) { env.reset(); s++; }
    }
    return { out, episodes: s };
  }

  it('same seed gives the same trajectory (across episodes); other seeds differ', () => {
    const a = rollout(make(), 42, 300);
    const b = rollout(make(), 42, 300);
    const c = rollout(make(), 43, 300);
    expect(a.episodes).toBeGreaterThan(1);
    expect(b.out).toEqual(a.out);
    expect(c.out).not.toEqual(a.out);
  });

  it('reset(seed) on a used env restarts the same trajectory', () => {
    const env = make();
    const a = rollout(env, 9, 120);
    const b = rollout(env, 9, 120);
    expect(b.out).toEqual(a.out);
  });

  it('clone/restore reproduces the continuation', () => {
    const env = new AtariEnv(new FakeEmulator({ repeatActionProbability: 0.25, seed: 0 }, { lives: 50 }));
    env.reset(5);
    for (let i = 0; i < 10; i++) env.step(i % env.numActions);
    const st = env.cloneState();
    const a = Array.from({ length: 20 }, (_, i) => env.step(i % 3).info.episodeFrameNumber + env.lastRawReward);
    env.restoreState(st);
    const b = Array.from({ length: 20 }, (_, i) => env.step(i % 3).info.episodeFrameNumber + env.lastRawReward);
    expect(b).toEqual(a);
  });

  it('sticky actions: with p=1 the first action is never applied', () => {
    const emu = new FakeEmulator({ repeatActionProbability: 1, seed: 0 });
    const env = new AtariEnv(emu, { noopMax: 0, frameSkip: 1 });
    env.reset(1);
    const before = emu.cloneState();
    env.step(2); // RIGHT would move the paddle
    const after = emu.cloneState();
    expect(after[0]).toBe(before[0]); // paddleX unchanged
  });
});
