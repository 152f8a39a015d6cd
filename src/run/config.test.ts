import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../agent/config';
import { RUN_DEFAULTS, RUN_ENV_DEFAULTS, RunConfigError, migrateMode, migrateRunConfig, resolveRunConfig, validateRunConfig, withMode } from './config';
import { PQN_PRESET, QUICK_PRESET } from './presets';

const GAME = { md5: 'de86e863480bfc2e154be1c3587d4868', name: 'catch' };

describe('RunConfig', () => {
  it('resolves an empty input to the documented defaults, with agent.seed and agent.num_envs derived', () => {
    const c = resolveRunConfig({}, GAME);
    expect(c.version).toBe(2);
    expect(c.mode).toEqual({ kind: 'single' });
    expect(c.env).toEqual({ clipRewards: true });
    expect(c.env).toEqual(RUN_ENV_DEFAULTS);
    expect(c.autosave).toEqual({ everyAgentSteps: 100_000, everySeconds: 45, pageHideBudgetMs: 1_000 });
    expect(c.retention).toEqual({ keepLast: 3, keepBest: true });
    expect(c.eval_every).toBe(RUN_DEFAULTS.eval_every);
    expect(c.agent).toEqual({ ...DEFAULT_CONFIG, seed: 1, num_envs: 1 });
    expect(c.backends).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(validateRunConfig(c)).toEqual([]);

    const v = resolveRunConfig({ mode: { kind: 'vectorized', workers: 2, envsPerWorker: 3 }, seed: 9, env: { clipRewards: false, noopMax: 5 } }, GAME);
    expect(v.agent.num_envs).toBe(6);
    expect(v.agent.seed).toBe(9);
    expect(v.env).toEqual({ clipRewards: false, noopMax: 5 });
    expect(withMode(v, { kind: 'single' }).agent.num_envs).toBe(1);
  });

  it('reports every bad field at once, each by name', () => {
    let err: unknown;
    try {
      resolveRunConfig({
        mode: { kind: 'vectorized', workers: 0, envsPerWorker: 2 },
        agent: { gamma: 1.5, batch_size: 0, bogus: 1 } as never,
        env: { frameSkip: 0, frameStack: 4 } as never,
        autosave: { everyAgentSteps: -1, everySeconds: 1 },
        retention: { keepLast: 0 },
        eval_every: 2.5,
        backends: ['metal' as never],
      }, { md5: 'nope' });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(RunConfigError);
    const p = (err as RunConfigError).problems.join('\n');
    for (const field of ['gameMd5', 'mode.workers', 'agent.gamma', 'agent.batch_size', 'agent.bogus', 'env.frameSkip', 'env.frameStack',
      'autosave.everyAgentSteps', 'autosave.everySeconds', 'retention.keepLast', 'eval_every', 'backends']) expect(p).toContain(field);
    expect((err as RunConfigError).problems.length).toBe(12);
  });

  it('the quick preset resolves cleanly', () => {
    const c = resolveRunConfig(QUICK_PRESET, GAME);
    expect(c.eval_every).toBe(5_000);
    expect((c.agent as { learning_starts?: number }).learning_starts).toBe(1_000);
    expect(c.agent.max_grad_norm).toBe(10);
  });

  it('migrates the pre-RunConfig stored shape and old {numEnvs, numWorkers} modes', () => {
    expect(migrateMode({ numEnvs: 1, numWorkers: 1 })).toEqual({ kind: 'single' });
    expect(migrateMode({ numEnvs: 8, numWorkers: 2 })).toEqual({ kind: 'vectorized', workers: 2, envsPerWorker: 4 });
    expect(migrateMode({ kind: 'vectorized', workers: 1, envsPerWorker: 2 })).toEqual({ kind: 'vectorized', workers: 1, envsPerWorker: 2 });
    expect(() => migrateMode({ numEnvs: 0 })).toThrow(RunConfigError);
    const agent = { ...DEFAULT_CONFIG, seed: 4, num_envs: 4 };
    const c = migrateRunConfig({ gameMd5: GAME.md5, gameName: 'catch', env: { noopMax: 5 }, mode: { numEnvs: 4, numWorkers: 2 }, agent });
    expect(c).toEqual({
      version: 2, gameMd5: GAME.md5, gameName: 'catch', seed: 4, mode: { kind: 'vectorized', workers: 2, envsPerWorker: 2 }, algorithm: 'dqn', agent,
      env: { clipRewards: true, noopMax: 5 }, autosave: RUN_DEFAULTS.autosave, retention: RUN_DEFAULTS.retention,
      eval_every: RUN_DEFAULTS.eval_every, backends: [...RUN_DEFAULTS.backends],
    });
    expect(validateRunConfig(c)).toEqual([]);
    expect(migrateRunConfig(c)).toBe(c);
    // A version-2 config stored before autosave.everySeconds existed gets today's default.
    const { everySeconds: _s, ...oldAutosave } = RUN_DEFAULTS.autosave;
    const v2 = migrateRunConfig({ ...c, autosave: { ...oldAutosave, everyAgentSteps: 5000 } });
    expect(v2.autosave).toEqual({ ...RUN_DEFAULTS.autosave, everyAgentSteps: 5000 });
    expect(validateRunConfig(v2)).toEqual([]);
    // Version 2 written before PQN (no algorithm): a DQN run.
    const { algorithm: _alg, ...noAlg } = c;
    expect(migrateRunConfig(noAlg)).toEqual(c);
  });

  it('PQN: resolves with PQN defaults under the input, checks the minibatch split, single mode may hold N envs', () => {
    const c = resolveRunConfig({ ...PQN_PRESET, mode: { kind: 'single', envs: 8 } }, GAME);
    expect(c.algorithm).toBe('pqn');
    expect(c.agent.num_envs).toBe(8);
    expect(c.mode).toEqual({ kind: 'single', envs: 8 });
    expect((c.agent as { num_steps?: number }).num_steps).toBe(32);
    expect(validateRunConfig(c)).toEqual([]);
    expect(resolveRunConfig({ mode: { kind: 'single', envs: 1 } }, GAME).mode).toEqual({ kind: 'single' });
    const bad = (input: object): string[] => { try { resolveRunConfig(input, GAME); return []; } catch (e) { return (e as RunConfigError).problems; } };
    expect(bad({ algorithm: 'pqn', agent: { learning_starts: 5 } })).toEqual(['agent.learning_starts: unknown PQN hyperparameter']);
    expect(bad({ algorithm: 'pqn', agent: { num_steps: 2, num_minibatches: 4 } })[0]).toMatch(/num_minibatches \(4\) exceeds the rollout's 2 samples/);
    expect(bad({ algorithm: 'ppo' })[0]).toMatch(/algorithm must be 'dqn' or 'pqn'/);
    expect(bad({ mode: { kind: 'single', envs: 0 } })[0]).toMatch(/mode.envs/);
  });
});
