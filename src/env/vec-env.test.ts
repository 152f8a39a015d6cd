/**
 * VecEnv in Node: real worker_threads (booted with the tsx loader) running the same worker core
 * as the browser, over a real SharedArrayBuffer, with the fake emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AtariEnv, type AtariEnvOptions } from './atari-env';
import { FakeEmulator } from './fake-emulator';
import type { FakeGameParams } from './emulator';
import { VecEnv, type VecEnvEvent, type VecEnvOptions } from './vec-env';
import { liveNodeWorkers, nodeWorkerFactory } from './worker-handle-node';

const GAME: FakeGameParams = { lives: 2, dropPeriod: 13 };
const ENV: AtariEnvOptions = { noopMax: 30 };
const open: VecEnv[] = [];

async function make(o: Partial<VecEnvOptions> = {}): Promise<VecEnv> {
  const v = await VecEnv.create({
    numEnvs: 4,
    numWorkers: 2,
    emulator: { kind: 'fake', game: GAME },
    env: ENV,
    seed: 100,
    workerFactory: nodeWorkerFactory,
    ...o,
  });
  open.push(v);
  return v;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()));
});

/** A single env that auto-resets like the VecEnv does, for comparison. */
class Reference {
  env: AtariEnv;
  finalObs: Uint8Array | null = null;
  constructor(seed: number, env: AtariEnvOptions = ENV, game: FakeGameParams = GAME) {
    this.env = new AtariEnv(new FakeEmulator({ repeatActionProbability: env.repeatActionProbability ?? 0.25, seed: 0 }, game), env);
    this.env.reset(seed);
  }
  step(a: number) {
    const r = this.env.step(a);
    const out = { reward: r.reward, raw: r.info.rawReward, terminated: r.terminated, truncated: r.truncated, lives: r.info.lives, obs: r.obs.slice() };
    this.finalObs = null;
    if (r.terminated || r.truncated) {
      this.finalObs = r.obs.slice();
      out.obs = this.env.reset().obs.slice();
    }
    return out;
  }
}

const policy = (i: number, t: number, n: number) => (t * 5 + i * 3 + (t >> 3)) % n;

describe('VecEnv (Node worker_threads)', () => {
  it('sync step: env i reproduces a single AtariEnv seeded seed+i, across auto-resets', async () => {
    const v = await make();
    const obs0 = (await v.reset()).slice();
    const refs = [0, 1, 2, 3].map((i) => new Reference(100 + i));
    for (let i = 0; i < 4; i++) expect(obs0.subarray(i * v.obsSize, (i + 1) * v.obsSize)).toEqual(refs[i].env.obs);
    let ends = 0;
    let episodes = 0;
    for (let t = 0; t < 60; t++) {
      const actions = [0, 1, 2, 3].map((i) => policy(i, t, v.numActions));
      const r = await v.step(actions);
      episodes += r.episodes.length;
      for (let i = 0; i < 4; i++) {
        const e = refs[i].step(actions[i]);
        expect(r.reward[i]).toBe(e.reward);
        expect(r.rawReward[i]).toBe(e.raw);
        expect(r.terminated[i]).toBe(e.terminated ? 1 : 0);
        expect(r.truncated[i]).toBe(e.truncated ? 1 : 0);
        expect(v.obsOf(i)).toEqual(e.obs);
        if (refs[i].finalObs) {
          ends++;
          expect(v.finalObsOf(i)).toEqual(refs[i].finalObs);
        }
      }
    }
    expect(ends).toBeGreaterThan(3); // several auto-resets happened
    expect(episodes).toBe(ends);
    const stats = v.episodeStats();
    expect(stats.reduce((a, s) => a + s.episodes, 0)).toBe(ends);
  });

  it('async send/recv: first finishers come back, every env still follows its own trajectory', async () => {
    const v = await make({ numEnvs: 6, numWorkers: 3 });
    await v.reset();
    const refs = Array.from({ length: 6 }, (_, i) => new Reference(100 + i));
    const steps = new Array(6).fill(0);
    v.send([0, 1, 2, 3, 4, 5].map((i) => policy(i, 0, v.numActions)));
    let received = 0;
    while (received < 120) {
      const b = await v.recv(2);
      expect(b.envIds.length).toBe(2);
      expect(new Set(b.envIds).size).toBe(2);
      const next: number[] = [];
      for (let k = 0; k < 2; k++) {
        const id = b.envIds[k];
        const e = refs[id].step(policy(id, steps[id], v.numActions));
        steps[id]++;
        expect(b.reward[k]).toBe(e.reward);
        expect(b.terminated[k]).toBe(e.terminated ? 1 : 0);
        expect(b.obs.subarray(k * v.obsSize, (k + 1) * v.obsSize)).toEqual(e.obs);
        next.push(id);
      }
      received += 2;
      v.send(next.map((id) => policy(id, steps[id], v.numActions)), next);
    }
    await v.recv(); // drain the rest
    expect(Math.min(...steps)).toBeGreaterThan(5);
  });

  it('truncation at maxEpisodeFrames is reported and auto-reset', async () => {
    const env = { ...ENV, noopMax: 0, maxEpisodeFrames: 20 };
    const v = await make({ numEnvs: 2, numWorkers: 1, env, emulator: { kind: 'fake', game: { lives: 1000 } } });
    await v.reset();
    const flags: number[] = [];
    for (let t = 0; t < 6; t++) flags.push((await v.step([0, 0])).truncated[0]);
    expect(flags).toEqual([0, 0, 0, 0, 1, 0]);
    const st = v.episodeStats()[0];
    expect(st.episodes).toBe(1);
    expect(st.last?.truncated).toBe(true);
    expect(st.last?.length).toBe(5);
    expect(st.last?.frames).toBe(20);
  });

  it('episode statistics: raw score and clipped return', async () => {
    const env = { ...ENV, clipRewards: true };
    const v = await make({ numEnvs: 2, numWorkers: 2, env, emulator: { kind: 'fake', game: { lives: 2, dropPeriod: 9 } } });
    await v.reset();
    const ref = new Reference(100, env, { lives: 2, dropPeriod: 9 });
    let raw = 0, ret = 0, len = 0;
    const seen: { raw: number; ret: number; len: number }[] = [];
    for (let t = 0; t < 80; t++) {
      const a = t % v.numActions;
      const r = await v.step([a, 0]);
      const e = ref.step(a);
      raw += e.raw; ret += e.reward; len++;
      expect(r.reward[0]).toBe(e.reward);
      if (e.terminated || e.truncated) { seen.push({ raw, ret, len }); raw = 0; ret = 0; len = 0; }
    }
    const st = v.episodeStats()[0];
    expect(st.episodes).toBe(seen.length);
    expect(seen.length).toBeGreaterThan(0);
    const last = seen[seen.length - 1];
    expect([st.last?.rawReturn, st.last?.return, st.last?.length]).toEqual([last.raw, last.ret, last.len]);
  });

  for (const kind of ['throw', 'exit'] as const) {
    it(`a worker that ${kind}s is replaced; its envs come back truncated+restarted; others keep going`, async () => {
      const events: VecEnvEvent[] = [];
      const v = await make({ onEvent: (e) => events.push(e) });
      await v.reset();
      const refs = [0, 1, 2, 3].map((i) => new Reference(100 + i));
      for (let t = 0; t < 3; t++) {
        const a = [0, 1, 2, 3].map((i) => policy(i, t, v.numActions));
        await v.step(a);
        a.forEach((x, i) => refs[i].step(x));
      }
      await v.injectFault(1, kind, 'nextStep');
      const a = [0, 1, 2, 3].map((i) => policy(i, 3, v.numActions));
      const r = await v.step(a);
      // worker 1 holds envs 2 and 3
      expect(Array.from(r.restarted)).toEqual([0, 0, 1, 1]);
      expect(Array.from(r.truncated.subarray(2))).toEqual([1, 1]);
      for (const i of [0, 1]) expect(v.obsOf(i)).toEqual(refs[i].step(a[i]).obs);
      expect(events.map((e) => e.kind)).toEqual(['worker-failed', 'worker-restarted']);
      expect(events[0].worker).toBe(1);
      expect(events[0].envIds).toEqual([2, 3]);
      expect(events[0].reason).toMatch(kind === 'throw' ? /injected fault/ : /exited/);
      // everything keeps working afterwards
      for (let t = 4; t < 15; t++) {
        const b = [0, 1, 2, 3].map((i) => policy(i, t, v.numActions));
        const s = await v.step(b);
        expect(Array.from(s.restarted)).toEqual([0, 0, 0, 0]);
        for (const i of [0, 1]) expect(v.obsOf(i)).toEqual(refs[i].step(b[i]).obs);
      }
    });
  }

  it('a hung worker is detected by the step timeout and replaced (no deadlock)', async () => {
    const v = await make({ stepTimeoutMs: 1500 });
    await v.reset();
    await v.injectFault(0, 'hang', 'nextStep');
    const t0 = Date.now();
    const r = await v.step([0, 0, 0, 0]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(Array.from(r.restarted)).toEqual([1, 1, 0, 0]);
    expect(v.events.map((e) => e.kind)).toEqual(['worker-failed', 'worker-restarted']);
    expect(v.events[0].reason).toMatch(/hung/);
    await v.step([0, 0, 0, 0]);
  });

  it('idle envs of a crashed worker report the restart on their next step', async () => {
    const v = await make({ numEnvs: 4, numWorkers: 2 });
    await v.reset();
    v.send([0, 0], [0, 1]); // only worker 0 busy
    await v.recv(2);
    await v.injectFault(1, 'throw', 'now');
    // wait until the restart has happened
    for (let i = 0; i < 100 && !v.events.some((e) => e.kind === 'worker-restarted'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(v.events.map((e) => e.kind)).toEqual(['worker-failed', 'worker-restarted']);
    const r = await v.step([0, 0, 0, 0]);
    expect(Array.from(r.restarted)).toEqual([0, 0, 1, 1]);
    expect(Array.from((await v.step([0, 0, 0, 0])).restarted)).toEqual([0, 0, 0, 0]);
  });

  it('a worker that keeps failing past maxRestartsPerWorker breaks the VecEnv with a clear error', async () => {
    const v = await make({ maxRestartsPerWorker: 0 });
    await v.reset();
    await v.injectFault(0, 'throw', 'nextStep');
    await expect(v.step([0, 0, 0, 0])).rejects.toThrow(/broken: env worker 0 could not be restarted after "worker error: .*injected fault.*maxRestartsPerWorker = 0/);
    await expect(v.step([0, 0, 0, 0])).rejects.toThrow(/broken/);
    expect(v.events.map((e) => e.kind)).toEqual(['worker-failed', 'restart-failed']);
  });

  it('steps sent while a worker is being replaced come back restarted, without a second fault', async () => {
    const v = await make();
    await v.reset();
    await v.injectFault(1, 'throw', 'now');
    // wait for the failure to be noticed, then step at once, before the replacement is ready
    for (let i = 0; i < 200 && v.events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(v.events.map((e) => e.kind)).toEqual(['worker-failed']);
    const r = await v.step([0, 0, 0, 0]);
    expect(Array.from(r.restarted)).toEqual([0, 0, 1, 1]);
    expect(v.events.map((e) => e.kind)).toEqual(['worker-failed', 'worker-restarted']);
    const r2 = await v.step([0, 0, 0, 0]);
    expect(Array.from(r2.restarted)).toEqual([0, 0, 0, 0]);
    expect(v.events.length).toBe(2);
  });

  it('getEnvStates() during a worker replacement waits for the replacement, then answers', async () => {
    const v = await make();
    await v.reset();
    await v.injectFault(1, 'throw', 'now');
    for (let i = 0; i < 200 && v.events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(v.events.map((e) => e.kind)).toEqual(['worker-failed']);
    // Calls landing while the replacement boots and resets its envs used to spin on an
    // already-resolved placeholder promise (microtasks only: the thread hung for good). Start
    // one every 25 ms across the whole replacement; every one must answer once it is done.
    const calls: Promise<Uint8Array[]>[] = [];
    for (let i = 0; i < 40 && !v.events.some((e) => e.kind === 'worker-restarted'); i++) {
      calls.push(v.getEnvStates());
      await new Promise((r) => setTimeout(r, 25));
    }
    const all = await Promise.all(calls);
    expect(v.events.map((e) => e.kind)).toEqual(['worker-failed', 'worker-restarted']);
    for (const states of all) expect(states.length).toBe(4);
  });

  it('bad input and misuse give clear errors', async () => {
    const v = await make();
    expect(() => v.send([0, 0, 0, 0])).toThrow(/before reset/);
    await v.reset();
    await expect(v.step([0, 0, 0])).rejects.toThrow(/3 actions for 4 envs/);
    await expect(v.step([0, 0, 0, 99])).rejects.toThrow(/invalid action 99 for env 3/);
    await expect(v.step([0, 0, 0.5, 0])).rejects.toThrow(/invalid action 0.5/);
    expect(() => v.send([0], [7])).toThrow(/invalid env id 7/);
    expect(() => v.send([0, 0], [1, 1])).toThrow(/appears twice/);
    await expect(v.recv(1)).rejects.toThrow(/only 0 env step/);
    await expect(v.recv()).rejects.toThrow(/no env step in flight/);
    await expect(v.recv(0)).rejects.toThrow(/batchSize must be a positive integer/);
    v.send([0], [2]);
    expect(() => v.send([0], [2])).toThrow(/already has a step in flight/);
    await expect(v.step([0, 0, 0, 0])).rejects.toThrow(/pending/);
    await expect(v.reset()).rejects.toThrow(/not yet received/);
    await v.recv(1);
    await v.close();
    await expect(v.step([0, 0, 0, 0])).rejects.toThrow(/closed/);
    expect(() => v.send([0, 0, 0, 0])).toThrow(/closed/);
    await expect(VecEnv.create({ numEnvs: 2, numWorkers: 3, emulator: { kind: 'fake' }, workerFactory: nodeWorkerFactory })).rejects.toThrow(/numWorkers/);
    await expect(
      VecEnv.create({ numEnvs: 2, numWorkers: 1, emulator: { kind: 'fake' }, env: { frameSkip: -1 }, workerFactory: nodeWorkerFactory }),
    ).rejects.toThrow(/frameSkip/);
  });

  it('close() ends every worker thread (also those replaced after a fault)', async () => {
    await Promise.all(open.splice(0).map((v) => v.close()));
    const before = liveNodeWorkers();
    const v = await VecEnv.create({ numEnvs: 3, numWorkers: 3, emulator: { kind: 'fake' }, seed: 1, workerFactory: nodeWorkerFactory });
    await v.reset();
    expect(liveNodeWorkers()).toBe(before + 3);
    await v.injectFault(2, 'throw', 'nextStep');
    await v.step([0, 0, 0]);
    expect(v.events.map((e) => e.kind)).toEqual(['worker-failed', 'worker-restarted']);
    await v.close();
    for (let i = 0; i < 100 && liveNodeWorkers() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(liveNodeWorkers()).toBe(before);
    await v.close(); // twice is fine
  });

  it('resize changes N and W; the old one is closed', async () => {
    const v = await make();
    await v.reset();
    await v.step([0, 0, 0, 0]);
    const w = await v.resize(6, 3);
    open.push(w);
    expect([w.numEnvs, w.numWorkers]).toEqual([6, 3]);
    const r = await w.step([0, 1, 2, 3, 0, 1]);
    expect(r.obs.length).toBe(6 * w.obsSize);
    await expect(v.step([0, 0, 0, 0])).rejects.toThrow(/closed/);
    // env 5 of the new one is seeded 105
    const ref = new Reference(105);
    expect(w.obsOf(5)).toEqual(ref.step(1).obs);
  });

  it('transports: comlink drain and atomics give identical results; timing printed', async () => {
    const results: Record<string, { obs: Uint8Array; ms: number; ping: number }> = {};
    for (const transport of ['atomics', 'comlink'] as const) {
      const v = await make({ transport, numEnvs: 4, numWorkers: 2 });
      await v.reset();
      const t0 = performance.now();
      for (let t = 0; t < 40; t++) await v.step([0, 1, 2, 3].map((i) => policy(i, t, v.numActions)));
      const ms = (performance.now() - t0) / 40;
      let ping = 0;
      for (let k = 0; k < 20; k++) ping += await v.pingMs(0);
      results[transport] = { obs: v.obsOf(3).slice(), ms, ping: ping / 20 };
    }
    expect(results.comlink.obs).toEqual(results.atomics.obs);
    console.log(
      `[vecenv timing, fake emulator, N=4 W=2] step: atomics ${results.atomics.ms.toFixed(3)} ms, comlink ${results.comlink.ms.toFixed(3)} ms; comlink ping ${results.atomics.ping.toFixed(3)} ms`,
    );
  });
});
