import { describe, expect, it } from 'vitest';
import { checkModeInputs } from './mode-check';

describe('new-run mode inputs (checkModeInputs)', () => {
  it('single DQN is one env whatever the envs input holds; single PQN uses it', () => {
    expect(checkModeInputs({ vectorized: false, algorithm: 'dqn', workers: '', envs: 'x' })).toEqual({ mode: { kind: 'single' }, problems: [] });
    expect(checkModeInputs({ vectorized: false, algorithm: 'pqn', workers: '1', envs: '8' }).mode).toEqual({ kind: 'single', envs: 8 });
    expect(checkModeInputs({ vectorized: false, algorithm: 'pqn', workers: '1', envs: '1' }).mode).toEqual({ kind: 'single' });
  });

  it('vectorized: both inputs checked at once, with the run config\'s bounds, each on its own field', () => {
    expect(checkModeInputs({ vectorized: true, algorithm: 'pqn', workers: '2', envs: '4' }).mode).toEqual({ kind: 'vectorized', workers: 2, envsPerWorker: 4 });
    const r = checkModeInputs({ vectorized: true, algorithm: 'dqn', workers: '0', envs: '2.5' });
    expect(r.mode).toBeNull();
    expect(r.problems).toEqual([
      { field: 'workers', message: 'workers must be a whole number from 1 to 64, got "0"' },
      { field: 'envs', message: 'envs per worker must be a whole number from 1 to 256, got "2.5"' },
    ]);
    expect(checkModeInputs({ vectorized: true, algorithm: 'dqn', workers: '', envs: '1e3' }).problems.map((p) => p.field)).toEqual(['workers', 'envs']);
    expect(checkModeInputs({ vectorized: true, algorithm: 'dqn', workers: '65', envs: '4' }).problems[0].message).toMatch(/from 1 to 64, got "65"/);
  });
});
