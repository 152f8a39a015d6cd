import { describe, expect, it } from 'vitest';
import { MovingMean, StreamSeries } from './series';

describe('StreamSeries', () => {
  it('keeps every point until capacity', () => {
    const s = new StreamSeries(8);
    for (let i = 0; i < 7; i++) s.push(i, i * 10);
    expect(s.xs).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(s.stride).toBe(1);
  });

  it('halves at capacity and stays bounded for a million samples, keeping the newest', () => {
    const s = new StreamSeries(100);
    for (let i = 0; i < 1_000_000; i++) s.push(i, i % 7);
    expect(s.xs.length).toBeLessThan(100);
    expect(s.xs.length).toBeGreaterThanOrEqual(50);
    expect(s.count).toBe(1_000_000);
    const snap = s.snapshot();
    // The last drawn x is within one bucket of the newest sample.
    expect(1_000_000 - 1 - snap.x[snap.x.length - 1]!).toBeLessThanOrEqual(s.stride);
    // Means of i % 7 over long buckets stay near 3, extremes are kept in lo/hi.
    expect(Math.abs(s.ys[10]! - 3)).toBeLessThan(0.5);
    expect(s.lo[10]).toBe(0);
    expect(s.hi[10]).toBe(6);
    // x stays increasing after repeated halving.
    for (let i = 1; i < s.xs.length; i++) expect(s.xs[i]!).toBeGreaterThan(s.xs[i - 1]!);
  });

  it('merged points are exact means of the samples they stand for', () => {
    const s = new StreamSeries(4);
    for (let i = 0; i < 4; i++) s.push(i, i);
    // 4 points -> halved to (0.5,0.5) (2.5,2.5), stride 2
    expect(s.xs).toEqual([0.5, 2.5]);
    expect(s.stride).toBe(2);
    s.push(4, 4);
    expect(s.xs.length).toBe(2); // partial bucket
    expect(s.snapshot().x).toEqual([0.5, 2.5, 4]);
    s.push(5, 5);
    expect(s.xs).toEqual([0.5, 2.5, 4.5]);
  });

  it('refuses samples whose x goes backwards and counts them', () => {
    const s = new StreamSeries(8);
    s.push(10, 1);
    s.push(5, 2);
    s.push(10, 3);
    expect(s.xs).toEqual([10, 10]);
    expect(s.outOfOrder).toBe(1);
  });

  it('ignores non-finite samples and rejects a bad capacity', () => {
    const s = new StreamSeries(4);
    s.push(1, NaN);
    s.push(2, Infinity);
    expect(s.count).toBe(0);
    expect(() => new StreamSeries(5)).toThrow(/even integer/);
  });
});

describe('MovingMean', () => {
  it('averages the last window values', () => {
    const m = new MovingMean(3);
    expect(Number.isNaN(m.mean)).toBe(true);
    m.push(1); m.push(2); m.push(3);
    expect(m.mean).toBe(2);
    m.push(10);
    expect(m.mean).toBe(5);
    expect(m.size).toBe(3);
  });
});
