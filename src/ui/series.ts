/*
 * Bounded streaming series for the dashboard charts. A run can last hours and produce millions
 * of metric samples; the charts must stay cheap to redraw, so each series keeps at most
 * `capacity` points. When it fills up, neighbouring points are merged pairwise (x and y
 * averaged, min/max kept) and every later point stands for twice as many samples. Memory and
 * redraw cost stay O(capacity) for any run length, and the newest data is never dropped.
 */
export class StreamSeries {
  /** Points kept (x = e.g. agent step, y = mean of the samples merged into the point). */
  readonly xs: number[] = [];
  readonly ys: number[] = [];
  /** Smallest / largest raw sample merged into each point (the spread a mean would hide). */
  readonly lo: number[] = [];
  readonly hi: number[] = [];
  /** Raw samples per kept point (1, 2, 4, ...). */
  stride = 1;
  /** Raw samples seen in total. */
  count = 0;
  private accN = 0;
  private accX = 0;
  private accY = 0;
  private accLo = Infinity;
  private accHi = -Infinity;

  constructor(readonly capacity = 2000) {
    if (!Number.isInteger(capacity) || capacity < 4 || capacity % 2) {
      throw new RangeError(`StreamSeries capacity must be an even integer >= 4, got ${capacity}`);
    }
  }

  /** Samples refused because x went backwards (a late message); counted so it is visible. */
  outOfOrder = 0;
  private lastX = -Infinity;

  push(x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return; // a NaN loss must not poison the chart
    // Charts draw lines in x order; a sample older than the newest one would draw a line back.
    if (x < this.lastX) {
      this.outOfOrder++;
      return;
    }
    this.lastX = x;
    this.count++;
    this.accN++;
    this.accX += x;
    this.accY += y;
    if (y < this.accLo) this.accLo = y;
    if (y > this.accHi) this.accHi = y;
    if (this.accN < this.stride) return;
    this.xs.push(this.accX / this.accN);
    this.ys.push(this.accY / this.accN);
    this.lo.push(this.accLo);
    this.hi.push(this.accHi);
    this.accN = 0;
    this.accX = this.accY = 0;
    this.accLo = Infinity;
    this.accHi = -Infinity;
    if (this.xs.length >= this.capacity) this.halve();
  }

  /** Points to draw: the kept ones plus the partly filled bucket, so the line reaches "now". */
  snapshot(): { x: number[]; y: number[] } {
    if (this.accN === 0) return { x: this.xs.slice(), y: this.ys.slice() };
    return { x: [...this.xs, this.accX / this.accN], y: [...this.ys, this.accY / this.accN] };
  }

  get last(): number | undefined {
    if (this.accN) return this.accY / this.accN;
    return this.ys[this.ys.length - 1];
  }

  clear(): void {
    this.xs.length = this.ys.length = this.lo.length = this.hi.length = 0;
    this.stride = 1;
    this.count = this.accN = this.outOfOrder = 0;
    this.lastX = -Infinity;
    this.accX = this.accY = 0;
    this.accLo = Infinity;
    this.accHi = -Infinity;
  }

  private halve(): void {
    const n = this.xs.length >> 1;
    for (let i = 0; i < n; i++) {
      const a = 2 * i, b = a + 1;
      this.xs[i] = (this.xs[a]! + this.xs[b]!) / 2;
      this.ys[i] = (this.ys[a]! + this.ys[b]!) / 2;
      this.lo[i] = Math.min(this.lo[a]!, this.lo[b]!);
      this.hi[i] = Math.max(this.hi[a]!, this.hi[b]!);
    }
    this.xs.length = this.ys.length = this.lo.length = this.hi.length = n;
    this.stride *= 2;
  }
}

/** Mean of the last `window` values, updated in O(1) per value (for "mean-100 return"). */
export class MovingMean {
  private readonly buf: Float64Array;
  private n = 0;
  private i = 0;
  private sum = 0;

  constructor(readonly window = 100) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
    this.buf = new Float64Array(window);
  }

  push(v: number): number {
    if (this.n === this.window) this.sum -= this.buf[this.i]!;
    else this.n++;
    this.buf[this.i] = v;
    this.sum += v;
    this.i = (this.i + 1) % this.window;
    return this.mean;
  }

  get mean(): number {
    return this.n ? this.sum / this.n : NaN;
  }

  get size(): number {
    return this.n;
  }
}
