import { describe, expect, it } from 'vitest';
import { learnSettings, parseMode, parseOverride } from './learn-settings';
import { RUN_PRESETS } from '../../src/run/presets';
import { resolveRunConfig } from '../../src/run/config';

describe('bench:learn settings', () => {
  it('parseOverride reads decimal numbers, true/false and null, and refuses anything else', () => {
    expect(parseOverride('anneal_lr=true')).toEqual(['anneal_lr', true]);
    expect(parseOverride('anneal_lr=false')).toEqual(['anneal_lr', false]);
    expect(parseOverride('learning_rate=2.5e-4')).toEqual(['learning_rate', 2.5e-4]);
    expect(parseOverride('num_minibatches=8')).toEqual(['num_minibatches', 8]);
    expect(parseOverride('eval_episodes=null')).toEqual(['eval_episodes', null]);
    expect(() => parseOverride('learning_rate')).toThrow(/name=value/);
    expect(() => parseOverride('learning_rate=0x10')).toThrow(/not a decimal number/);
    expect(() => parseOverride('learning_rate=fast')).toThrow(/not a decimal number/);
    expect(() => parseOverride('Learning-Rate=1')).toThrow(/name=value/);
  });

  it('--set and --total-timesteps go over the preset; the rest of the preset stays', () => {
    const s = learnSettings('pqn', null, 4_000_000, ['anneal_lr=true', 'learning_rate=2.5e-4']);
    expect(s.agent).toEqual({ ...RUN_PRESETS.pqn.agent, total_timesteps: 4_000_000, anneal_lr: true, learning_rate: 2.5e-4 });
    expect(s.mode).toEqual(parseMode('single8'));
    expect(learnSettings('dqn', '2x4').mode).toEqual({ kind: 'vectorized', workers: 2, envsPerWorker: 4 });
  });

  it('a misspelt or out-of-range override is refused by the run config, as the form would refuse it', () => {
    const game = { md5: '0'.repeat(32), name: 'test' };
    expect(() => resolveRunConfig({ game: 'catch', ...learnSettings('pqn', null, null, ['learning_rat=1e-3']) } as never, game)).toThrow(/learning_rat/);
    expect(() => resolveRunConfig({ game: 'catch', ...learnSettings('pqn', null, null, ['num_minibatches=-1']) } as never, game)).toThrow(/num_minibatches/);
  });
});
