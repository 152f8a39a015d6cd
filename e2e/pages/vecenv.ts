/**
 * Test harness page for e2e/vecenv.spec.ts: exposes window.vecenvHarness, whose functions run a
 * VecEnv with real module workers and compare it with single AtariEnvs run on the page.
 */
import { AtariEnv, type AtariEnvOptions } from '../../src/env/atari-env';
import { createAleHost } from '../../src/env/ale-emulator';
import type { EmulatorHost, EmulatorSpec } from '../../src/env/emulator';
import { FakeHost } from '../../src/env/fake-emulator';
import { VecEnv, type VecEnvOptions } from '../../src/env/vec-env';

export interface SpecInput {
  kind: 'fake' | 'ale';
  rom?: number[];
  game?: { lives?: number; dropPeriod?: number };
}

function toSpec(s: SpecInput): EmulatorSpec {
  if (s.kind === 'fake') return { kind: 'fake', game: s.game };
  if (!s.rom) throw new Error('ale spec needs rom bytes');
  return { kind: 'ale', rom: Uint8Array.from(s.rom), wasm: '/arcade.wasm' };
}

async function hostFor(spec: EmulatorSpec): Promise<EmulatorHost> {
  return spec.kind === 'fake' ? new FakeHost(spec.game ?? {}) : createAleHost(spec);
}

const policy = (i: number, t: number, n: number) => (t * 5 + i * 3 + (t >> 3)) % n;

/** Single env with the VecEnv's auto-reset, on the page's own thread. */
class Reference {
  constructor(readonly env: AtariEnv) {}
  step(a: number) {
    const r = this.env.step(a);
    const out = { reward: r.reward, terminated: r.terminated, truncated: r.truncated, obs: r.obs.slice(), final: null as Uint8Array | null };
    if (r.terminated || r.truncated) {
      out.final = r.obs.slice();
      out.obs = this.env.reset().obs.slice();
    }
    return out;
  }
}

async function references(spec: EmulatorSpec, env: AtariEnvOptions, seeds: number[]): Promise<Reference[]> {
  const host = await hostFor(spec);
  return seeds.map((seed) => {
    const e = new AtariEnv(host.create({ repeatActionProbability: env.repeatActionProbability ?? 0.25, seed: 0 }), env);
    e.reset(seed);
    return new Reference(e);
  });
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function make(o: Partial<VecEnvOptions> & { spec: SpecInput }): Promise<VecEnv> {
  const { spec, ...rest } = o;
  return VecEnv.create({ numEnvs: 4, numWorkers: 2, emulator: toSpec(spec), seed: 100, env: { noopMax: 30 }, ...rest });
}

const harness = {
  crossOriginIsolated: () => globalThis.crossOriginIsolated,

  /** Sync step() of N envs vs N single envs seeded seed+i. */
  async determinism(spec: SpecInput, numEnvs: number, numWorkers: number, steps: number) {
    const env: AtariEnvOptions = { noopMax: 30 };
    const v = await make({ spec, numEnvs, numWorkers, env });
    try {
      await v.reset();
      const refs = await references(toSpec(spec), env, Array.from({ length: numEnvs }, (_, i) => 100 + i));
      const problems: string[] = [];
      let ends = 0;
      let rewardSum = 0;
      for (let i = 0; i < numEnvs; i++) if (!same(v.obsOf(i), refs[i].env.obs)) problems.push(`reset obs of env ${i}`);
      for (let t = 0; t < steps; t++) {
        const actions = Array.from({ length: numEnvs }, (_, i) => policy(i, t, v.numActions));
        const r = await v.step(actions);
        for (let i = 0; i < numEnvs; i++) {
          const e = refs[i].step(actions[i]);
          rewardSum += Math.abs(e.reward);
          if (r.reward[i] !== e.reward || r.terminated[i] !== +e.terminated || r.truncated[i] !== +e.truncated) problems.push(`t=${t} env ${i} reward/flags`);
          if (!same(v.obsOf(i), e.obs)) problems.push(`t=${t} env ${i} obs`);
          if (e.final) {
            ends++;
            if (!same(v.finalObsOf(i), e.final)) problems.push(`t=${t} env ${i} final obs`);
          }
        }
      }
      return { problems: problems.slice(0, 10), problemCount: problems.length, ends, rewardSum, episodes: v.episodeStats().reduce((a, s) => a + s.episodes, 0) };
    } finally {
      await v.close();
    }
  },

  /** EnvPool-style: recv() returns the first finishers; a stuck worker does not hold the others. */
  async asyncRecv(spec: SpecInput) {
    const env: AtariEnvOptions = { noopMax: 30 };
    const v = await make({ spec, numEnvs: 6, numWorkers: 3, env, stepTimeoutMs: 4000 });
    try {
      await v.reset();
      const refs = await references(toSpec(spec), env, [100, 101, 102, 103, 104, 105]);
      const steps = new Array(6).fill(0);
      let problems = 0;
      v.send([0, 1, 2, 3, 4, 5].map((i) => policy(i, 0, v.numActions)));
      for (let round = 0; round < 60; round++) {
        const b = await v.recv(3);
        const ids = Array.from(b.envIds);
        for (let k = 0; k < ids.length; k++) {
          const id = ids[k];
          const e = refs[id].step(policy(id, steps[id], v.numActions));
          steps[id]++;
          if (b.reward[k] !== e.reward || !same(b.obs.subarray(k * v.obsSize, (k + 1) * v.obsSize), e.obs)) problems++;
        }
        v.send(ids.map((id) => policy(id, steps[id], v.numActions)), ids);
      }
      await v.recv();
      // Worker 2 (envs 4, 5) hangs: the other four still come back long before its timeout.
      await v.injectFault(2, 'hang', 'nextStep');
      const t0 = performance.now();
      v.send([0, 0, 0, 0, 0, 0]);
      const first = await v.recv(4);
      const firstMs = performance.now() - t0;
      const firstIds = Array.from(first.envIds).sort();
      const rest = await v.recv(2);
      const restMs = performance.now() - t0;
      return { problems, minSteps: Math.min(...steps), firstIds, firstMs, restIds: Array.from(rest.envIds).sort(), restTruncated: Array.from(rest.truncated), restMs, events: v.events.map((e) => `${e.kind}:${e.worker}`) };
    } finally {
      await v.close();
    }
  },

  /** A worker fault (throw / close itself / hang) is detected and repaired; others continue. */
  async fault(spec: SpecInput, kind: 'throw' | 'exit' | 'hang') {
    const env: AtariEnvOptions = { noopMax: 30 };
    const v = await make({ spec, env, stepTimeoutMs: 2000 });
    try {
      await v.reset();
      const refs = await references(toSpec(spec), env, [100, 101, 102, 103]);
      let problems = 0;
      const run = async (t: number) => {
        const a = [0, 1, 2, 3].map((i) => policy(i, t, v.numActions));
        const r = await v.step(a);
        const restarted = Array.from(r.restarted);
        const truncated = Array.from(r.truncated);
        for (const i of [0, 1]) if (!same(v.obsOf(i), refs[i].step(a[i]).obs)) problems++;
        return { restarted, truncated };
      };
      for (let t = 0; t < 3; t++) await run(t);
      await v.injectFault(1, kind, 'nextStep');
      const t0 = performance.now();
      const hit = await run(3);
      const ms = performance.now() - t0;
      const after: number[][] = [];
      for (let t = 4; t < 12; t++) after.push((await run(t)).restarted);
      return { hit, ms, after: after.flat().reduce((a, b) => a + b, 0), problems, events: v.events.map((e) => ({ kind: e.kind, worker: e.worker, envIds: e.envIds, reason: e.reason })) };
    } finally {
      await v.close();
    }
  },

  /** close() stops the workers; resize() builds another VecEnv without a reload; misuse errors. */
  async lifecycle(spec: SpecInput) {
    const v = await make({ spec });
    await v.reset();
    await v.step([0, 0, 0, 0]);
    const w = await v.resize(6, 3);
    const r = await w.step([0, 1, 2, 3, 0, 1]);
    const errors: string[] = [];
    const grab = async (f: () => unknown) => {
      try { await f(); errors.push('no error'); } catch (e) { errors.push((e as Error).message); }
    };
    await grab(() => v.step([0, 0, 0, 0]));
    await grab(() => w.step([0, 0]));
    await grab(() => w.step([0, 0, 0, 0, 0, 77]));
    await grab(() => w.recv(1));
    await w.close();
    await grab(() => w.step([0, 0, 0, 0, 0, 0]));
    return { sizes: [w.numEnvs, w.numWorkers], obsLen: r.obs.length, obsSize: w.obsSize, errors };
  },

  /** Step time with each transport, comlink round trip, and a single env on the page. */
  async timing(spec: SpecInput, numEnvs: number, numWorkers: number, steps: number) {
    const out: Record<string, number> = {};
    for (const transport of ['atomics', 'comlink'] as const) {
      const v = await make({ spec, numEnvs, numWorkers, transport, env: { noopMax: 30 } });
      try {
        await v.reset();
        for (let t = 0; t < 5; t++) await v.step(new Array(numEnvs).fill(0));
        const t0 = performance.now();
        for (let t = 0; t < steps; t++) await v.step(Array.from({ length: numEnvs }, (_, i) => policy(i, t, v.numActions)));
        out[`${transport}StepMs`] = (performance.now() - t0) / steps;
        let ping = 0;
        for (let k = 0; k < 50; k++) ping += await v.pingMs(0);
        out.pingMs = ping / 50;
      } finally {
        await v.close();
      }
    }
    const [ref] = await references(toSpec(spec), { noopMax: 30 }, [1]);
    const t0 = performance.now();
    for (let t = 0; t < steps; t++) ref.step(policy(0, t, ref.env.numActions));
    out.singleEnvStepMs = (performance.now() - t0) / steps;
    return out;
  },
};

(globalThis as unknown as { vecenvHarness: typeof harness }).vecenvHarness = harness;
document.getElementById('status')!.textContent = 'ready';
