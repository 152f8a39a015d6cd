import { describe, expect, it } from 'vitest';
import { FLAG_ACTION, ReplayBuffer } from './replay';
import { Rng } from './rng';

const H = 2;
const W = 3;
const FS = H * W;
const S = 4;

/** A frame whose pixel p holds (v + p) & 255, so both the frame id and the pixel layout can be checked. */
function frame(v: number): Uint8Array {
  const f = new Uint8Array(FS);
  for (let p = 0; p < FS; p++) f[p] = (v + p) & 255;
  return f;
}

/** Frame ids of the S channels of an NHWC stack in out[slot], checking every pixel agrees. */
function stackIds(out: Float32Array, slot: number): number[] {
  const base = slot * FS * S;
  const ids: number[] = [];
  for (let c = 0; c < S; c++) {
    const v = out[base + c];
    for (let p = 0; p < FS; p++) expect(out[base + p * S + c]).toBe((v + p) & 255);
    ids.push(v);
  }
  return ids;
}

function makeBuffer(opts: Partial<ConstructorParameters<typeof ReplayBuffer>[0]> = {}): ReplayBuffer {
  return new ReplayBuffer({
    numEnvs: 1, capacity: 64, frameHeight: H, frameWidth: W, stackSize: S, nStep: 1, gamma: 0.5, batchSize: 4,
    rng: new Rng(7), ...opts,
  });
}

/**
 * Script for one env (rows in brackets):
 *  [0] F10 start, a=1 r=1   [1] F11 a=2 r=2   [2] F12 a=0 r=3 TERMINATED   [3] F13 final
 *  [4] F20 start, a=1 r=5 TRUNCATED   [5] F21 final
 *  [6] F30 start, a=2 r=7   [7] F31 a=3 r=1   [8] F32 pending
 */
function writeScript(b: ReplayBuffer): void {
  b.startEpisode(0, frame(10), 0);
  b.completeStep(0, 1, 1, false, false);
  b.appendFrame(0, frame(11), 0);
  b.completeStep(0, 2, 2, false, false);
  b.appendFrame(0, frame(12), 0);
  b.completeStep(0, 0, 3, true, false);
  b.appendFrame(0, frame(13), 0, true);
  b.startEpisode(0, frame(20), 0);
  b.completeStep(0, 1, 5, false, true);
  b.appendFrame(0, frame(21), 0, true);
  b.startEpisode(0, frame(30), 0);
  b.completeStep(0, 2, 7, false, false);
  b.appendFrame(0, frame(31), 0);
  b.completeStep(0, 3, 1, false, false);
  b.appendFrame(0, frame(32), 0);
}

describe('ReplayBuffer: sampleable or not', () => {
  it('after a resume without the replay only the acting stack is stored: nothing to sample until an action from it was stored', () => {
    const b = makeBuffer();
    const stack = new Uint8Array(S * H * W);
    for (let i = 0; i < S; i++) stack.set(frame(40 + i), i * H * W);
    b.startEpisodeFromStack(0, stack, 0);
    expect(b.validCount()).toBeGreaterThan(0); // only an upper bound...
    expect(b.hasTransition()).toBe(false); // ...there is no transition in it
    expect(() => b.sample()).toThrow();
    b.completeStep(0, 1, 1, false, false);
    b.appendFrame(0, frame(50), 0);
    expect(b.hasTransition()).toBe(true);
    expect(b.sample().actions[0]).toBe(1);
  });
});

describe('ReplayBuffer: hand-computed transitions (1-step)', () => {
  const b = makeBuffer();
  writeScript(b);

  it('knows which rows are transitions', () => {
    expect(b.rowsWritten(0)).toBe(9);
    const valid = [...Array(9).keys()].filter((i) => b.isValid(0, i));
    // 3 and 5 are final frames, 8 is pending (and the last n rows wait for their successor).
    expect(valid).toEqual([0, 1, 2, 4, 6, 7]);
  });

  it('stacks repeat the first frame at an episode start and never cross episodes', () => {
    b.fillSlot(0, 0, 0);
    expect(stackIds(b.batch.obs, 0)).toEqual([10, 10, 10, 10]);
    expect(stackIds(b.batch.nextObs, 0)).toEqual([10, 10, 10, 11]);
    expect(b.batch.actions[0]).toBe(1);
    expect(b.batch.returns[0]).toBe(1);
    expect(b.batch.discounts[0]).toBe(0.5);

    b.fillSlot(1, 0, 4);
    expect(stackIds(b.batch.obs, 1)).toEqual([20, 20, 20, 20]);
    expect(stackIds(b.batch.nextObs, 1)).toEqual([20, 20, 20, 21]);

    b.fillSlot(2, 0, 7);
    expect(stackIds(b.batch.obs, 2)).toEqual([30, 30, 30, 31]);
    expect(stackIds(b.batch.nextObs, 2)).toEqual([30, 30, 31, 32]);
    expect(b.batch.actions[2]).toBe(3);
  });

  it('termination does not bootstrap; truncation bootstraps from the true final frame', () => {
    b.fillSlot(0, 0, 2); // terminated
    expect(stackIds(b.batch.obs, 0)).toEqual([10, 10, 11, 12]);
    expect(stackIds(b.batch.nextObs, 0)).toEqual([10, 11, 12, 13]);
    expect(b.batch.returns[0]).toBe(3);
    expect(b.batch.discounts[0]).toBe(0);

    b.fillSlot(1, 0, 4); // truncated
    expect(b.batch.returns[1]).toBe(5);
    expect(b.batch.discounts[1]).toBe(0.5);
  });

  it('refuses to fill an invalid row', () => {
    expect(() => b.fillSlot(0, 0, 3)).toThrow(/not a valid transition/);
    expect(() => b.fillSlot(0, 0, 8)).toThrow(/not a valid transition/);
  });
});

describe('ReplayBuffer: n-step returns (n = 3, gamma = 0.5)', () => {
  const b = makeBuffer({ nStep: 3 });
  writeScript(b);

  it('sums rewards up to the episode end and masks termination', () => {
    b.fillSlot(0, 0, 0);
    expect(b.batch.returns[0]).toBeCloseTo(1 + 0.5 * 2 + 0.25 * 3, 6);
    expect(b.batch.discounts[0]).toBe(0);
    expect(stackIds(b.batch.nextObs, 0)).toEqual([10, 11, 12, 13]);

    b.fillSlot(1, 0, 1);
    expect(b.batch.returns[1]).toBeCloseTo(2 + 0.5 * 3, 6);
    expect(b.batch.discounts[1]).toBe(0);
  });

  it('a truncated episode shorter than n bootstraps with gamma^k for its k steps', () => {
    b.fillSlot(0, 0, 4);
    expect(b.batch.returns[0]).toBe(5);
    expect(b.batch.discounts[0]).toBe(0.5);
    expect(stackIds(b.batch.nextObs, 0)).toEqual([20, 20, 20, 21]);
  });

  it('the last n transitions of a stream wait until their n successors exist', () => {
    expect(b.isValid(0, 6)).toBe(false); // needs rows up to 9; only 8 exists
    b.completeStep(0, 0, 2, false, false);
    b.appendFrame(0, frame(33), 0);
    expect(b.isValid(0, 6)).toBe(true);
    b.fillSlot(0, 0, 6);
    expect(b.batch.returns[0]).toBeCloseTo(7 + 0.5 * 1 + 0.25 * 2, 6);
    expect(b.batch.discounts[0]).toBeCloseTo(0.125, 6);
    expect(stackIds(b.batch.obs, 0)).toEqual([30, 30, 30, 30]);
    expect(stackIds(b.batch.nextObs, 0)).toEqual([30, 31, 32, 33]);
  });

  it('a reset mid-episode cuts the n-step sum at the last acted frame (no mixing)', () => {
    const c = makeBuffer({ nStep: 3 });
    c.startEpisode(0, frame(40), 0);
    c.completeStep(0, 1, 1, false, false);
    c.appendFrame(0, frame(41), 0); // acted on never: the env was reset here
    c.startEpisode(0, frame(50), 0);
    c.completeStep(0, 1, 4, false, false);
    c.appendFrame(0, frame(51), 0);
    c.completeStep(0, 1, 4, false, false);
    c.appendFrame(0, frame(52), 0);
    c.fillSlot(0, 0, 0);
    expect(c.batch.returns[0]).toBe(1);
    expect(c.batch.discounts[0]).toBe(0.5);
    expect(stackIds(c.batch.nextObs, 0)).toEqual([40, 40, 40, 41]);
  });
});

describe('ReplayBuffer: misuse gives clear errors', () => {
  it('rejects out-of-order calls and tiny capacities', () => {
    const b = makeBuffer();
    expect(() => b.completeStep(0, 0, 0, false, false)).toThrow(/no frame yet/);
    b.startEpisode(0, frame(1), 0);
    expect(() => b.appendFrame(0, frame(2), 0)).toThrow(/no action recorded/);
    expect(() => b.completeStep(0, 0, NaN, false, false)).toThrow(/non-finite reward/);
    expect(() => b.completeStep(0, 300, 0, false, false)).toThrow(/bad action/);
    b.completeStep(0, 0, 0, false, false);
    expect(() => b.completeStep(0, 0, 0, false, false)).toThrow(/already has an outcome/);
    expect(() => b.startEpisode(3, frame(1), 0)).toThrow(/out of range/);
    expect(() => b.startEpisode(0, frame(1), 4)).toThrow(/runs past/);
    expect(() => makeBuffer({ capacity: 5 })).toThrow(/at least/);
    expect(() => makeBuffer().sample()).toThrow(/no valid transitions/);
  });
});

/**
 * Frames for the property tests carry (env, episode, step) in pixels 0..2 so every sampled stack
 * can be checked for mixing: all channels must come from one env and one episode, with steps
 * consecutive except for the repeated first frame at an episode start.
 */
function tagFrame(out: Uint8Array, off: number, env: number, ep: number, step: number): void {
  out[off] = env;
  out[off + 1] = ep & 255;
  out[off + 2] = step & 255;
  for (let p = 3; p < FS; p++) out[off + p] = 200 + env;
}

function checkStack(out: Float32Array, slot: number): { env: number; ep: number; steps: number[] } {
  // Plain checks with one throw (expect() per pixel would dominate the test's run time).
  const base = slot * FS * S;
  const env = out[base + 0 * S];
  const ep = out[base + 1 * S];
  const steps: number[] = [];
  const fail = (why: string): never => { throw new Error(`slot ${slot}: ${why}`); };
  for (let c = 0; c < S; c++) {
    if (out[base + 0 * S + c] !== env) fail(`channel ${c} comes from env ${out[base + c]}, channel 0 from env ${env}`);
    if (out[base + 1 * S + c] !== ep) fail(`channel ${c} comes from episode ${out[base + S + c]}, channel 0 from ${ep}`);
    steps.push(out[base + 2 * S + c]);
    for (let p = 3; p < FS; p++) if (out[base + p * S + c] !== 200 + env) fail(`pixel ${p} of channel ${c} is wrong`);
  }
  for (let c = 1; c < S; c++) {
    // consecutive, or clamped at the episode's first frame (step 0 repeated)
    if (!(steps[c] === steps[c - 1] + 1 || (steps[c] === 0 && steps[c - 1] === 0))) fail(`steps not consecutive: ${steps}`);
  }
  return { env, ep, steps };
}

describe('ReplayBuffer: N interleaved envs (vector steps, autoreset, ring wrap-around)', () => {
  for (const nStep of [1, 3]) {
    it(`no sampled stack mixes envs or episodes; n-step bookkeeping matches a reference (n=${nStep})`, () => {
      const N = 3;
      const perEnv = 23; // small so the rings wrap many times
      const gamma = 0.9;
      const b = new ReplayBuffer({
        numEnvs: N, capacity: N * perEnv, frameHeight: H, frameWidth: W, stackSize: S, nStep, gamma, batchSize: 16, rng: new Rng(3),
      });
      const envRng = new Rng(99);
      const obs = new Uint8Array(N * FS);
      const finalObs = new Uint8Array(N * FS);
      const actions = new Int32Array(N);
      const rewards = new Float32Array(N);
      const term = new Uint8Array(N);
      const trunc = new Uint8Array(N);
      const ep = new Int32Array(N);
      const step = new Int32Array(N);
      // Reference log per env: (episode, step) → reward, end kind, so we can recompute returns.
      const log = new Map<string, { r: number; term: boolean; trunc: boolean; a: number }>();
      for (let e = 0; e < N; e++) tagFrame(obs, e * FS, e, 0, 0);
      b.startEpisodes(obs);
      for (let t = 0; t < 400; t++) {
        for (let e = 0; e < N; e++) {
          actions[e] = envRng.nextInt(6);
          rewards[e] = envRng.nextInt(5) - 2;
          // env e ends episodes at different rates, with both kinds
          const end = envRng.nextFloat() < 0.08 + 0.05 * e;
          term[e] = end && envRng.nextFloat() < 0.5 ? 1 : 0;
          trunc[e] = end && !term[e] ? 1 : 0;
          log.set(`${e}/${ep[e]}/${step[e]}`, { r: rewards[e], term: !!term[e], trunc: !!trunc[e], a: actions[e] });
          step[e]++;
          if (end) {
            tagFrame(finalObs, e * FS, e, ep[e], step[e]);
            ep[e]++;
            step[e] = 0;
          }
          tagFrame(obs, e * FS, e, ep[e], step[e]);
        }
        b.addVectorStep(actions, rewards, term, trunc, obs, finalObs);
        if (t < 20) continue;
        const batch = b.sample();
        for (let i = 0; i < batch.size; i++) {
          const s0 = checkStack(batch.obs, i);
          const s1 = checkStack(batch.nextObs, i);
          expect(s1.env).toBe(s0.env);
          expect(s1.ep).toBe(s0.ep);
          const t0 = s0.steps[S - 1];
          const k = s1.steps[S - 1] - t0;
          expect(k).toBeGreaterThanOrEqual(1);
          expect(k).toBeLessThanOrEqual(nStep);
          // recompute the n-step return from the log
          let g = 0;
          let disc = 1;
          let ended = false;
          for (let j = 0; j < k; j++) {
            const rec = log.get(`${s0.env}/${s0.ep}/${t0 + j}`)!;
            g += disc * rec.r;
            disc *= gamma;
            if (rec.term) disc = 0;
            if (rec.term || rec.trunc) { ended = true; expect(j).toBe(k - 1); }
          }
          if (!ended) expect(k).toBe(nStep);
          expect(batch.returns[i]).toBeCloseTo(g, 5);
          expect(batch.discounts[i]).toBeCloseTo(disc, 6);
          expect(batch.actions[i]).toBe(log.get(`${s0.env}/${s0.ep}/${t0}`)!.a);
        }
      }
    });
  }

  it('interleaved N-env writes equal N separate single-env buffers', () => {
    const N = 4;
    const per = 30;
    const multi = new ReplayBuffer({ numEnvs: N, capacity: N * per, frameHeight: H, frameWidth: W, stackSize: S, nStep: 2, gamma: 0.9, batchSize: 1, rng: new Rng(1) });
    const singles = [...Array(N)].map(() => new ReplayBuffer({ numEnvs: 1, capacity: per, frameHeight: H, frameWidth: W, stackSize: S, nStep: 2, gamma: 0.9, batchSize: 1, rng: new Rng(1) }));
    const rng = new Rng(5);
    const f = new Uint8Array(FS);
    for (let e = 0; e < N; e++) {
      tagFrame(f, 0, e, 0, 0);
      multi.startEpisode(e, f, 0);
      singles[e].startEpisode(0, f, 0);
    }
    for (let t = 0; t < 100; t++) {
      // visit envs in a shuffled order each step to prove order independence
      const order = [0, 1, 2, 3].sort(() => rng.nextFloat() - 0.5);
      for (const e of order) {
        const a = rng.nextInt(4);
        const r = rng.nextFloat();
        const end = rng.nextFloat() < 0.1;
        multi.completeStep(e, a, r, end, false);
        singles[e].completeStep(0, a, r, end, false);
        tagFrame(f, 0, e, t, 1);
        multi.appendFrame(e, f, 0, end);
        singles[e].appendFrame(0, f, 0, end);
        if (end) {
          tagFrame(f, 0, e, t, 0);
          multi.startEpisode(e, f, 0);
          singles[e].startEpisode(0, f, 0);
        }
      }
    }
    for (let e = 0; e < N; e++) {
      expect(multi.rowsWritten(e)).toBe(singles[e].rowsWritten(0));
      for (let L = 0; L < multi.rowsWritten(e); L++) {
        expect(multi.isValid(e, L)).toBe(singles[e].isValid(0, L));
        if (!multi.isValid(e, L)) continue;
        multi.fillSlot(0, e, L);
        singles[e].fillSlot(0, 0, L);
        expect(Array.from(multi.batch.obs)).toEqual(Array.from(singles[e].batch.obs));
        expect(Array.from(multi.batch.nextObs)).toEqual(Array.from(singles[e].batch.nextObs));
        expect(multi.batch.returns[0]).toBe(singles[e].batch.returns[0]);
        expect(multi.batch.discounts[0]).toBe(singles[e].batch.discounts[0]);
        expect(multi.batch.actions[0]).toBe(singles[e].batch.actions[0]);
      }
    }
  });
});

describe('ReplayBuffer: sampling', () => {
  function filled(prioritized?: { alpha: number; eps: number }, seed = 11): ReplayBuffer {
    const b = makeBuffer({ capacity: 40, batchSize: 8, rng: new Rng(seed), prioritized });
    const rng = new Rng(2);
    b.startEpisode(0, frame(0), 0);
    for (let t = 1; t < 60; t++) {
      const end = t % 9 === 0;
      b.completeStep(0, t % 4, t, end, false);
      b.appendFrame(0, frame(t), 0, end);
      if (end) b.startEpisode(0, frame(100 + t), 0);
      rng.nextU32();
    }
    return b;
  }

  it('uniform: only valid rows, every valid row reachable, seeded and repeatable', () => {
    const b = filled();
    const seen = new Set<number>();
    for (let k = 0; k < 200; k++) {
      const batch = b.sample();
      for (let i = 0; i < batch.size; i++) {
        expect(batch.weights[i]).toBe(1);
        seen.add(batch.rows[i]);
      }
    }
    const validIds = new Set<number>();
    for (let L = 0; L < b.rowsWritten(0); L++) if (b.isValid(0, L)) validIds.add(b.rowId(0, L));
    expect([...seen].sort((x, y) => x - y)).toEqual([...validIds].sort((x, y) => x - y));
    const a1 = Array.from(filled().sample().rows);
    const a2 = Array.from(filled().sample().rows);
    expect(a1).toEqual(a2);
  });

  it('getState/setState restores contents exactly (same RNG → same batch)', () => {
    const a = filled(undefined, 4);
    const b = makeBuffer({ capacity: 40, batchSize: 8, rng: new Rng(4) });
    b.setState(a.getState());
    const x = a.sample();
    const xo = Array.from(x.obs);
    const xr = Array.from(x.returns);
    const y = b.sample();
    expect(Array.from(y.obs)).toEqual(xo);
    expect(Array.from(y.returns)).toEqual(xr);
    expect(() => makeBuffer({ capacity: 41 + 40 }).setState(a.getState())).toThrow(/geometry mismatch/);
  });

  it('frames stored across several chunks read back the same', () => {
    const a = filled(undefined, 4);
    const b = makeBuffer({ capacity: 40, batchSize: 8, rng: new Rng(4), maxChunkBytes: FS * 7 });
    b.setState(a.getState());
    expect(Array.from(b.sample().obs)).toEqual(Array.from(a.sample().obs));
  });

  it('prioritized: high-priority rows dominate, weights normalised to max 1, invalid rows never drawn', () => {
    const b = filled({ alpha: 1, eps: 1e-6 });
    // Give every valid row |td| = 0.01 except one with 100.
    let hot = -1;
    const ids: number[] = [];
    for (let L = 0; L < b.rowsWritten(0); L++) if (b.isValid(0, L)) ids.push(b.rowId(0, L));
    hot = ids[5];
    b.updatePriorities(Int32Array.from(ids), ids.map((id) => (id === hot ? 100 : 0.01)));
    let hotCount = 0;
    let total = 0;
    for (let k = 0; k < 50; k++) {
      const batch = b.sample(1);
      let maxW = 0;
      for (let i = 0; i < batch.size; i++) {
        expect(ids).toContain(batch.rows[i]);
        if (batch.rows[i] === hot) hotCount++;
        total++;
        maxW = Math.max(maxW, batch.weights[i]);
        expect(batch.weights[i]).toBeGreaterThan(0);
        expect(batch.weights[i]).toBeLessThanOrEqual(1);
      }
      // Weights are (N P(i))^-beta over the batch max: a hot row next to a cold one weighs ~1e-4 of it.
      for (let i = 0; i < batch.size; i++) {
        if (batch.rows[i] === hot && Array.from(batch.rows).some((r) => r !== hot)) expect(batch.weights[i]).toBeLessThan(0.01);
      }
      expect(maxW).toBe(1);
    }
    expect(hotCount / total).toBeGreaterThan(0.9);
    expect(b.rowFlags(0, 0) & FLAG_ACTION).toBeTruthy();
  });
});

describe('ReplayBuffer: other stack sizes use the generic layout path', () => {
  it('stack of 2 and of 1 (hand-computed)', () => {
    for (const s of [1, 2]) {
      const b = makeBuffer({ stackSize: s });
      writeScript(b);
      b.fillSlot(0, 0, 2);
      const ids = (out: Float32Array): number[] => {
        const r: number[] = [];
        for (let c = 0; c < s; c++) {
          for (let p = 0; p < FS; p++) expect(out[p * s + c]).toBe((out[c] + p) & 255);
          r.push(out[c]);
        }
        return r;
      };
      expect(ids(b.batch.obs)).toEqual(s === 2 ? [11, 12] : [12]);
      expect(ids(b.batch.nextObs)).toEqual(s === 2 ? [12, 13] : [13]);
      b.fillSlot(0, 0, 4);
      expect(ids(b.batch.obs)).toEqual(s === 2 ? [20, 20] : [20]);
    }
  });
});

describe('ReplayBuffer: prioritized replay keeps mass exactly on valid rows', () => {
  it('priority > 0 iff the row is sampleable, through warm-up, episode ends and ring wrap-around (n = 3)', () => {
    const N = 2;
    const per = 17;
    const b = new ReplayBuffer({
      numEnvs: N, capacity: N * per, frameHeight: H, frameWidth: W, stackSize: S, nStep: 3, gamma: 0.9, batchSize: 4,
      rng: new Rng(8), prioritized: { alpha: 0.6, eps: 1e-6 },
    });
    const rng = new Rng(12);
    const obs = new Uint8Array(N * FS);
    const acts = new Int32Array(N);
    const rew = new Float32Array(N);
    const term = new Uint8Array(N);
    const trunc = new Uint8Array(N);
    b.startEpisodes(obs);
    for (let t = 0; t < 120; t++) {
      for (let e = 0; e < N; e++) {
        const end = rng.nextFloat() < 0.15;
        term[e] = end && rng.nextFloat() < 0.5 ? 1 : 0;
        trunc[e] = end && !term[e] ? 1 : 0;
      }
      b.addVectorStep(acts, rew, term, trunc, obs, obs);
      const pri = b.getState().priorities!;
      for (let e = 0; e < N; e++) {
        for (let L = Math.max(0, b.rowsWritten(e) - per); L < b.rowsWritten(e); L++) {
          const has = pri[b.rowId(e, L)] > 0;
          if (has !== b.isValid(e, L)) throw new Error(`step ${t}: env ${e} row ${L} priority ${pri[b.rowId(e, L)]} but valid=${b.isValid(e, L)}`);
        }
      }
      if (b.validCount() > 0) {
        const batch = b.sample(0.4);
        const td = Float32Array.from(batch.rows, () => rng.nextFloat() * 3);
        b.updatePriorities(batch.rows, td);
      }
    }
  });
});

describe('acting stacks come from the replay (the one place frames are stacked)', () => {
  const mk = (stack = 3) => new ReplayBuffer({
    numEnvs: 2, capacity: 2 * 16, frameHeight: 1, frameWidth: 2, stackSize: stack, nStep: 1, gamma: 0.9, batchSize: 2, rng: new Rng(1),
  });
  it('each env\'s newest stack: repeats the first frame at an episode start, NHWC float and [N,S,HW] bytes agree', () => {
    const r = mk();
    r.startEpisodes(Uint8Array.from([1, 2, 10, 20]));
    // env 0 goes on to [3,4]; env 1's episode ended on [50,60] and restarted at [30,40]
    r.addVectorStep(Int32Array.of(0, 1), Float32Array.of(0, 0), Uint8Array.of(0, 1), Uint8Array.of(0, 0),
      Uint8Array.from([3, 4, 30, 40]), Uint8Array.from([0, 0, 50, 60]));
    const out = new Float32Array(2 * 2 * 3);
    r.writeLatestStacks(out);
    // env 0: frames [1,2],[1,2],[3,4] -> pixel 0 channels (1,1,3), pixel 1 (2,2,4); env 1 restarted
    expect(Array.from(out)).toEqual([1, 1, 3, 2, 2, 4, 30, 30, 30, 40, 40, 40]);
    expect(Array.from(r.latestStackBytes())).toEqual([1, 2, 1, 2, 3, 4, 30, 40, 30, 40, 30, 40]);
  });
  it('startEpisodeFromStack rebuilds exactly the saved stack, and its older rows are never transitions', () => {
    const saved = Uint8Array.from([5, 6, 7, 8, 9, 10, 1, 1, 2, 2, 3, 3]); // env 0: three frames; env 1: three others
    const r = mk();
    r.startEpisodeFromStack(0, saved, 0);
    r.startEpisodeFromStack(1, saved, 6);
    expect(Array.from(r.latestStackBytes())).toEqual(Array.from(saved));
    expect([r.isValid(0, 0), r.isValid(0, 1), r.isValid(0, 2)]).toEqual([false, false, false]);
    const obs = Uint8Array.from([11, 12, 4, 4]);
    for (let t = 0; t < 3; t++) {
      r.addVectorStep(Int32Array.of(1, 1), Float32Array.of(1, 1), Uint8Array.of(0, 0), Uint8Array.of(0, 0), obs, obs);
    }
    // the pending row of the restored stack became the first transition; the rows before it never are
    expect([r.isValid(0, 1), r.isValid(0, 2)]).toEqual([false, true]);
    r.fillSlot(0, 0, 2);
    expect(Array.from(r.batch.obs.subarray(0, 6))).toEqual([5, 7, 9, 6, 8, 10]);
  });
});
