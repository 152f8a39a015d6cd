import { describe, expect, it } from 'vitest';
import { AtariEnv } from '../env/atari-env';
import { FakeHost } from '../env/fake-emulator';
import { envStateIOFromEnvs } from './env-state';

describe('envStateIOFromEnvs over AtariEnv (fake emulator)', () => {
  it('captured states continue the episodes exactly (sticky-action RNG, no-op RNG, emulator)', () => {
    const host = new FakeHost();
    const mk = () => [0, 1].map(() => AtariEnv.create(host, { repeatActionProbability: 0.25, noopMax: 30 }));
    const a = mk();
    a.forEach((e, i) => e.reset(100 + i));
    for (let t = 0; t < 37; t++) {
      a.forEach((e, i) => {
        const r = e.step((t + i) % e.numActions);
        if (r.terminated || r.truncated) e.reset();
      });
    }
    const states = envStateIOFromEnvs(a).getEnvStates() as Uint8Array[];
    const b = mk();
    b.forEach((e) => e.reset(999));
    envStateIOFromEnvs(b).setEnvStates(states);
    for (let t = 0; t < 200; t++) {
      a.forEach((e, i) => {
        const ra = e.step((t * 3 + i) % e.numActions);
        const rb = b[i].step((t * 3 + i) % b[i].numActions);
        expect([rb.reward, rb.terminated, rb.truncated]).toEqual([ra.reward, ra.terminated, ra.truncated]);
        expect(Buffer.from(b[i].obs.slice(-84 * 84)).equals(Buffer.from(e.obs.slice(-84 * 84)))).toBe(true);
        if (ra.terminated || ra.truncated) { e.reset(); b[i].reset(); }
      });
    }
    expect(() => envStateIOFromEnvs(b).setEnvStates(states.slice(0, 1))).toThrow(/1 env states for 2 envs/);
  });
});
