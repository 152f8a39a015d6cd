import { describe, expect, it } from 'vitest';
import { Rng } from './rng';
import { SumTree } from './sumtree';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = [...Array(8)].map(() => a.nextU32());
    expect([...Array(8)].map(() => b.nextU32())).toEqual(xa);
    expect([...Array(8)].map(() => c.nextU32())).not.toEqual(xa);
  });

  it('getState/setState resumes the exact stream', () => {
    const a = new Rng(7);
    for (let i = 0; i < 100; i++) a.nextU32();
    const s = a.getState();
    const next = [...Array(5)].map(() => a.nextFloat());
    const b = new Rng(0);
    b.setState(s);
    expect([...Array(5)].map(() => b.nextFloat())).toEqual(next);
    expect(() => b.setState([1, 2, 3] as never)).toThrow(/four uint32/);
  });

  it('nextInt is in range and roughly uniform; nextFloat in [0, 1)', () => {
    const r = new Rng(1);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.nextInt(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400); // > 4 sigma
    for (let i = 0; i < 1000; i++) {
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
    }
    expect(() => r.nextInt(0)).toThrow(/n must be/);
    expect(() => new Rng(NaN)).toThrow(/finite/);
  });
});

describe('SumTree', () => {
  it('finds leaves proportionally to their values', () => {
    const t = new SumTree(5);
    [1, 0, 3, 0, 6].forEach((v, i) => t.set(i, v));
    expect(t.total).toBe(10);
    expect(t.find(0.5)).toBe(0);
    expect(t.find(1)).toBe(2);
    expect(t.find(3.99)).toBe(2);
    expect(t.find(4)).toBe(4);
    expect(t.find(9.999)).toBe(4);
    t.set(4, 0);
    expect(t.total).toBe(4);
    expect(t.find(3.9999999)).toBe(2);
    expect(() => t.set(0, -1)).toThrow(/priority/);
  });
});
