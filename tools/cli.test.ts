import { describe, expect, it } from 'vitest';
import { Args, UsageError } from './cli';

function walk(argv: string[]): { flags: Record<string, string | number>; rest: string[] } {
  const args = new Args(argv, 'usage: tool');
  const flags: Record<string, string | number> = {};
  const rest: string[] = [];
  for (let a = args.next(); a !== undefined; a = args.next()) {
    if (a === '--n') flags.n = args.count(a);
    else if (a === '--name') flags.name = args.value(a);
    else rest.push(a);
  }
  return { flags, rest };
}

describe('Args', () => {
  it('reads flags with values, positionals, and skips npm\'s bare --', () => {
    expect(walk(['--', '--n', '7.9', 'a.wasm', '--name', 'pong', 'b.wasm'])).toEqual({
      flags: { n: 7, name: 'pong' },
      rest: ['a.wasm', 'b.wasm'],
    });
  });

  it('refuses a missing value or a value that is not a non-negative number, naming the flag', () => {
    expect(() => walk(['--name'])).toThrow(/--name needs a value\nusage: tool/);
    expect(() => walk(['--n', '-1'])).toThrow(/--n needs a non-negative number/);
    expect(() => walk(['--n', 'ten'])).toThrow(UsageError);
  });
});
