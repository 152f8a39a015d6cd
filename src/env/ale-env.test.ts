/**
 * AtariEnv and VecEnv on the real wasm core (public/arcade.wasm) with a reference ROM from
 * ../shared/roms. Skipped, with the reason, when the ROM or the built core is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAleHost } from './ale-emulator';
import { AtariEnv } from './atari-env';
import { VecEnv } from './vec-env';
import { nodeWorkerFactory } from './worker-handle-node';

const ROOT = resolve(__dirname, '../..');
const ROM = resolve(ROOT, '../shared/roms/breakout.bin');
const WASM = resolve(ROOT, 'public/arcade.wasm');
const missing = !existsSync(ROM) ? `ROM not found at ${ROM}` : !existsSync(WASM) ? `core not built at ${WASM}` : '';
if (missing) console.warn(`ale-env tests skipped: ${missing}`);

describe.skipIf(!!missing)('AtariEnv on the real core (Breakout)', () => {
  const rom = missing ? new Uint8Array() : new Uint8Array(readFileSync(ROM));
  const wasm = missing ? new Uint8Array() : new Uint8Array(readFileSync(WASM));
  const spec = { kind: 'ale' as const, rom, wasm };
  const vecs: VecEnv[] = [];
  afterAll(async () => { await Promise.all(vecs.map((v) => v.close())); });

  async function rollout(seed: number, steps: number) {
    const host = await createAleHost(spec);
    const env = new AtariEnv(host.create({ repeatActionProbability: 0.25, seed: 0 }), {});
    const first = env.reset(seed);
    const trace: string[] = [`${first.info.lives},${first.info.episodeFrameNumber}`];
    let nonzero = 0;
    for (let t = 0; t < steps; t++) {
      const r = env.step((t * 3 + (t >> 2)) % env.numActions);
      let h = 0;
      for (let k = 0; k < r.obs.length; k += 31) h = (h * 33 + r.obs[k]) | 0;
      nonzero += r.obs.some((x) => x > 0) ? 1 : 0;
      trace.push(`${r.reward},${+r.terminated},${+r.truncated},${r.info.lives},${r.info.episodeFrameNumber},${h}`);
      if (r.terminated || r.truncated) env.reset();
    }
    return { trace, env, nonzero };
  }

  it('uses the minimal action set, one 84x84 frame per obs, 5 lives; reset no-ops are 1..30 frames', async () => {
    const { env, trace } = await rollout(7, 0);
    expect(env.actionSet).toEqual([0, 1, 3, 4]);
    expect(env.observationShape).toEqual([84, 84]);
    const [lives, frames] = trace[0].split(',').map(Number);
    expect(lives).toBe(5);
    expect(frames).toBeGreaterThanOrEqual(1);
    expect(frames).toBeLessThanOrEqual(30);
  });

  it('same seed, same trajectory; another seed differs; frames advance by 4 per step', async () => {
    const a = await rollout(3, 80);
    const b = await rollout(3, 80);
    const c = await rollout(4, 80);
    expect(b.trace).toEqual(a.trace);
    expect(c.trace).not.toEqual(a.trace);
    expect(a.nonzero).toBe(80); // the picture is not blank
    const f = a.trace.slice(1, 4).map((l) => Number(l.split(',')[4]));
    expect(f[1] - f[0]).toBe(4);
    expect(f[2] - f[1]).toBe(4);
  });

  it('VecEnv over workers reproduces single envs on the real core', async () => {
    const v = await VecEnv.create({ numEnvs: 2, numWorkers: 2, emulator: spec, seed: 50, workerFactory: nodeWorkerFactory });
    vecs.push(v);
    await v.reset();
    const host = await createAleHost(spec);
    const refs = [50, 51].map((s) => {
      const e = new AtariEnv(host.create({ repeatActionProbability: 0.25, seed: 0 }), {});
      e.reset(s);
      return e;
    });
    for (let i = 0; i < 2; i++) expect(v.obsOf(i)).toEqual(refs[i].obs);
    for (let t = 0; t < 30; t++) {
      const acts = [t % 4, (t * 3) % 4];
      const r = await v.step(acts);
      for (let i = 0; i < 2; i++) {
        const e = refs[i].step(acts[i]);
        expect(r.reward[i]).toBe(e.reward);
        expect(r.lives[i]).toBe(e.info.lives);
        if (e.terminated || e.truncated) refs[i].reset();
        expect(v.obsOf(i)).toEqual(refs[i].obs);
      }
    }
  });
});
