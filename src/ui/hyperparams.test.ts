import { describe, expect, it } from 'vitest';
import { checkForm } from './hyperparams';

const fieldsOf = (r: ReturnType<typeof checkForm>) => r.problems.map((p) => p.field);

describe('hyperparameter form check (checkForm)', () => {
  it('the defaults are valid and give no agent overrides', () => {
    const r = checkForm({});
    expect(r.problems).toEqual([]);
    expect(r.values).toMatchObject({ agent: {}, seed: 1, eval_every: 100_000, autosave: { everySeconds: 45 }, retention: { keepLast: 3, keepBest: true } });
  });

  it('numbers are decimal only: hex, underscores, Infinity are refused by name, not read as numbers', () => {
    const r = checkForm({ learning_rate: '0x10', buffer_size: '1_000', gamma: 'Infinity', seed: '0x1' });
    expect(r.values).toBeNull();
    expect(fieldsOf(r)).toEqual(['learning_rate', 'gamma', 'buffer_size', 'seed']);
    expect(r.problems[0].message).toBe('learning_rate: "0x10" is not a decimal number (e.g. 0.0001 or 1e-4)');
  });

  it('every bad field at once, each on its own field, with its allowed range', () => {
    const r = checkForm({ learning_rate: '1e308', seed: '1e20', batch_size: '1e9', target_network_frequency: '0', gamma: '1.5', 'retention.keepLast': '0', 'autosave.everySeconds': '1' });
    expect(new Set(fieldsOf(r)).size).toBe(r.problems.length); // one message per field
    const by = Object.fromEntries(r.problems.map((p) => [p.field, p.message]));
    expect(Object.keys(by).sort()).toEqual(['autosave.everySeconds', 'batch_size', 'gamma', 'learning_rate', 'retention.keepLast', 'seed', 'target_network_frequency']);
    expect(by['learning_rate']).toBe('learning_rate must be in (0, 10], got 1e+308');
    expect(by['seed']).toBe('seed must be an integer in [0, 2147483647], got 100000000000000000000');
    expect(by['batch_size']).toMatch(/^batch_size must be an integer in \[1, 2,048\], got 1000000000 \(one gradient step would need 2\.26e\+5 GB of inputs\)$/);
    expect(by['target_network_frequency']).toMatch(/^target_network_frequency must be an integer in \[1, 1e9\]/);
    expect(by['autosave.everySeconds']).toMatch(/^autosave\.everySeconds must be 0 \(never\) or an integer in \[2, 86400\]/);
  });

  it('batch_size 100000 (which could not be allocated) is refused before Train', () => {
    const r = checkForm({ batch_size: '100000' });
    expect(fieldsOf(r)).toEqual(['batch_size']);
    expect(r.problems[0].message).toContain('22.6 GB');
  });

  it('run settings reach the config: autosave, retention', () => {
    const r = checkForm({ 'autosave.everySeconds': '5', 'retention.keepLast': '2', 'retention.keepBest': false });
    expect(r.values).toMatchObject({ autosave: { everySeconds: 5 }, retention: { keepLast: 2, keepBest: false } });
  });
});

describe('warnings for legal but unusual values (src/agent/unusual.ts)', () => {
  it('warn on their own fields without blocking: the values still come back', () => {
    const r = checkForm({ learning_rate: '2', gamma: '0.5', start_e: '0.1', end_e: '0.5', batch_size: '1024' });
    expect(r.problems).toEqual([]);
    expect(r.values).not.toBeNull();
    const by = Object.fromEntries(r.warnings.map((w) => [w.field, w.message]));
    expect(Object.keys(by).sort()).toEqual(['batch_size', 'end_e', 'gamma', 'learning_rate']);
    expect(by['learning_rate']).toBe('learning_rate 2 is unusually large (DQN 1e-4, PQN 2.5e-4): training is likely to diverge');
    expect(by['batch_size']).toContain('231 MB of inputs');
  });

  it('the defaults warn of nothing, in both algorithms', () => {
    expect(checkForm({}, 'dqn').warnings).toEqual([]);
    expect(checkForm({}, 'pqn').warnings).toEqual([]);
  });

  it('a PQN run gets the rules of its own fields only', () => {
    const r = checkForm({ learning_rate: '0.5', q_lambda: '1' }, 'pqn');
    expect(r.warnings.map((w) => w.field)).toEqual(['learning_rate', 'q_lambda']);
    expect(r.notes).toEqual([]); // no replay in PQN
  });

  it('no warnings while a field is invalid: the problems come first', () => {
    const r = checkForm({ learning_rate: '2', gamma: '1.5' });
    expect(r.problems.map((p) => p.field)).toEqual(['gamma']);
    expect(r.warnings).toEqual([]);
  });

  it('buffer_size shows the memory it asks for and the cap this device puts on it', () => {
    const eightGB = 8 * 1024 ** 3;
    expect(checkForm({ buffer_size: '100000' }, 'dqn', eightGB).notes).toEqual([{ field: 'buffer_size', message: '100,000 rows need 706 MB of memory' }]);
    const big = checkForm({}, 'dqn', 16 * 1024 ** 3).notes[0].message; // default 1M rows
    expect(big).toBe('1,000,000 rows need 7.06 GB; the replay is capped at 304,090 rows (2.15 GB) by replay_max_bytes');
    const small = checkForm({ buffer_size: '500000' }, 'dqn', 2 * 1024 ** 3).notes[0].message;
    expect(small).toMatch(/capped at 76,022 rows \(537 MB\) by replay_memory_fraction \(0\.25 of this device's memory\)$/);
  });
});
