import { describe, expect, it } from 'vitest';
import { qLambdaReturns, type QLambdaInput } from './q-lambda';

/** One env (N = 1) over T steps, hand-written arrays. */
function one(o: { r: number[]; term?: number[]; trunc?: number[]; qMax: number[]; qFinal?: number[]; lastQ: number; gamma: number; lambda: number }): number[] {
  const T = o.r.length;
  const inp: QLambdaInput = {
    numSteps: T, numEnvs: 1, gamma: o.gamma, lambda: o.lambda,
    rewards: Float32Array.from(o.r),
    terminated: Uint8Array.from(o.term ?? new Array(T).fill(0)),
    truncated: Uint8Array.from(o.trunc ?? new Array(T).fill(0)),
    qMax: Float32Array.from(o.qMax),
    qFinal: Float32Array.from(o.qFinal ?? new Array(T).fill(0)),
    lastQ: Float32Array.from([o.lastQ]),
  };
  return Array.from(qLambdaReturns(inp, new Float32Array(T)));
}

describe('Q(lambda) returns (PQN_FACTS recursion)', () => {
  const r = [1, 0, 2];
  const qMax = [9, 4, 6]; // qMax[0] never enters (it is Q of the first observation)
  const gamma = 0.5;

  it('lambda = 0 is one-step Q-learning: G_t = r_t + gamma * max Q(s_{t+1})', () => {
    // G2 = 2 + 0.5*8 = 6; G1 = 0 + 0.5*6 = 3; G0 = 1 + 0.5*4 = 3
    expect(one({ r, qMax, lastQ: 8, gamma, lambda: 0 })).toEqual([3, 3, 6]);
  });

  it('lambda = 1 is the discounted return bootstrapped at the rollout end', () => {
    // G2 = 2 + 0.5*8 = 6; G1 = 0 + 0.5*6 = 3; G0 = 1 + 0.5*3 = 2.5
    expect(one({ r, qMax, lastQ: 8, gamma, lambda: 1 })).toEqual([2.5, 3, 6]);
  });

  it('lambda = 0.5 mixes the two: G_t = r + gamma * (lambda G_{t+1} + (1 - lambda) qMax_{t+1})', () => {
    // G2 = 2 + 0.5*(0.5*8 + 0.5*8) = 6; G1 = 0 + 0.5*(0.5*6 + 0.5*6) = 3; G0 = 1 + 0.5*(0.5*3 + 0.5*4) = 2.75
    expect(one({ r, qMax, lastQ: 8, gamma, lambda: 0.5 })).toEqual([2.75, 3, 6]);
  });

  it('terminal at t: G_t = r_t and nothing after t leaks back', () => {
    // terminated at t = 1: G1 = 0; G0 = 1 + 0.5*(0.5*0 + 0.5*4) = 2; G2 = 2 + 0.5*8 = 6 (new episode)
    expect(one({ r, term: [0, 1, 0], qMax, lastQ: 8, gamma, lambda: 0.5 })).toEqual([2, 0, 6]);
    // terminated at the last step: no bootstrap from lastQ. G2 = 2; G1 = 0 + 0.5*2 = 1; G0 = 1 + 0.5*1 = 1.5
    expect(one({ r, term: [0, 0, 1], qMax, lastQ: 8, gamma, lambda: 1 })).toEqual([1.5, 1, 2]);
  });

  it('truncation at t bootstraps from the final frame only: G_t = r_t + gamma * qFinal_t', () => {
    // truncated at t = 1 with max Q(final) = 10: G1 = 0 + 0.5*10 = 5; G0 = 1 + 0.5*(0.5*5 + 0.5*4) = 3.25
    expect(one({ r, trunc: [0, 1, 0], qMax, qFinal: [0, 10, 0], lastQ: 8, gamma, lambda: 0.5 })).toEqual([3.25, 5, 6]);
    // truncated at the last step: qFinal, not lastQ (lastQ is the next episode's first observation).
    // lambda = 1: G2 = 2 + 0.5*2 = 3; G1 = 0 + 0.5*3 = 1.5; G0 = 1 + 0.5*1.5 = 1.75
    expect(one({ r, trunc: [0, 0, 1], qMax, qFinal: [0, 0, 2], lastQ: 8, gamma, lambda: 1 })).toEqual([1.75, 1.5, 3]);
    // terminated wins over a truncation flag set on the same step
    expect(one({ r, term: [0, 1, 0], trunc: [0, 1, 0], qMax, qFinal: [0, 10, 0], lastQ: 8, gamma, lambda: 0 })[1]).toBe(0);
  });

  it('envs are independent columns of the time-major [T, N] layout', () => {
    const T = 2, N = 2;
    const inp: QLambdaInput = {
      numSteps: T, numEnvs: N, gamma: 1, lambda: 1,
      rewards: Float32Array.from([1, 10, 2, 20]), // [t0e0, t0e1, t1e0, t1e1]
      terminated: Uint8Array.from([0, 0, 0, 1]),
      truncated: new Uint8Array(4),
      qMax: new Float32Array(4),
      qFinal: new Float32Array(4),
      lastQ: Float32Array.from([100, 1000]),
    };
    // env 0: G1 = 2 + 100 = 102, G0 = 103; env 1: G1 = 20 (terminal), G0 = 30
    expect(Array.from(qLambdaReturns(inp, new Float32Array(4)))).toEqual([103, 30, 102, 20]);
  });
});
