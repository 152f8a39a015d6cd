/**
 * Bounded-size history for charts over hours of training: each series keeps at most `max`
 * buckets; a bucket aggregates `per` consecutive samples (mean/min/max/count). When the series
 * is full, neighbouring buckets are merged pairwise and `per` doubles, so the memory stays
 * O(max) and the whole run stays visible at uniform resolution (newest bucket possibly partial).
 * Stored in checkpoints (toJSON/fromJSON) so curves continue across resume and mode switch.
 */
import { HISTORY_POINTS, type MetricsHistory } from './types';

export interface Bucket { x: number; sum: number; min: number; max: number; n: number }

export class Series {
  buckets: Bucket[] = [];
  per = 1;
  constructor(readonly max = HISTORY_POINTS) {
    if (!Number.isInteger(max) || max < 2) throw new RangeError('Series.max must be an integer >= 2');
  }

  add(x: number, v: number): void {
    if (!Number.isFinite(v)) return; // a NaN loss must not poison a whole bucket
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.n < this.per) {
      last.x = x;
      last.sum += v;
      if (v < last.min) last.min = v;
      if (v > last.max) last.max = v;
      last.n++;
      return;
    }
    if (this.buckets.length >= this.max) this.halve();
    const l2 = this.buckets[this.buckets.length - 1];
    if (l2 && l2.n < this.per) return this.add(x, v);
    this.buckets.push({ x, sum: v, min: v, max: v, n: 1 });
  }

  private halve(): void {
    const out: Bucket[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const a = this.buckets[i];
      const b = this.buckets[i + 1];
      if (!b) { out.push(a); break; }
      out.push({ x: b.x, sum: a.sum + b.sum, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), n: a.n + b.n });
    }
    this.buckets = out;
    this.per *= 2;
  }

  /** Total samples seen. */
  get samples(): number {
    let s = 0;
    for (const b of this.buckets) s += b.n;
    return s;
  }

  toJSON(): { per: number; b: number[] } {
    const b: number[] = [];
    for (const k of this.buckets) b.push(k.x, k.sum, k.min, k.max, k.n);
    return { per: this.per, b };
  }

  static fromJSON(j: unknown, max = HISTORY_POINTS): Series {
    const s = new Series(max);
    const o = j as { per?: unknown; b?: unknown } | null;
    if (!o || typeof o.per !== 'number' || !Array.isArray(o.b) || o.b.length % 5 !== 0) return s;
    s.per = o.per;
    for (let i = 0; i < o.b.length; i += 5) {
      const [x, sum, min, max2, n] = o.b.slice(i, i + 5) as number[];
      s.buckets.push({ x, sum, min, max: max2, n });
    }
    while (s.buckets.length > max) s.halve();
    return s;
  }
}

export class RunHistory {
  episodes = new Series();
  loss = new Series();
  meanQ = new Series();
  stepsPerSec = new Series();
  /** Mean raw return of each evaluation (x = agent step it ran at). */
  evals = new Series();

  view(): MetricsHistory {
    const m = (s: Series) => s.buckets.map((b) => ({ x: b.x, mean: b.sum / b.n }));
    return {
      episodes: this.episodes.buckets.map((b) => ({ x: b.x, mean: b.sum / b.n, min: b.min, max: b.max, n: b.n })),
      loss: m(this.loss),
      meanQ: m(this.meanQ),
      stepsPerSec: m(this.stepsPerSec),
      evals: this.evals.buckets.map((b) => ({ x: b.x, mean: b.sum / b.n, min: b.min, max: b.max, n: b.n })),
    };
  }

  toJSON(): unknown {
    return { episodes: this.episodes.toJSON(), loss: this.loss.toJSON(), meanQ: this.meanQ.toJSON(), stepsPerSec: this.stepsPerSec.toJSON(), evals: this.evals.toJSON() };
  }

  static fromJSON(j: unknown): RunHistory {
    const h = new RunHistory();
    const o = (j ?? {}) as Record<string, unknown>;
    h.episodes = Series.fromJSON(o.episodes);
    h.loss = Series.fromJSON(o.loss);
    h.meanQ = Series.fromJSON(o.meanQ);
    h.stepsPerSec = Series.fromJSON(o.stepsPerSec);
    h.evals = Series.fromJSON(o.evals); // absent in checkpoints from before evaluation ran: empty
    return h;
  }
}
