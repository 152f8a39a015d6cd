/**
 * Observation preprocessing in JavaScript: max-pool of two frames and OpenCV-compatible
 * INTER_AREA resize. The live path does the same inside the wasm core (src/preprocess,
 * pp_observe); this file is the test oracle that path is checked against bit for bit.
 *
 * The resize reproduces what cv::resize(src, dst, size, 0, 0, INTER_AREA) computes for 8-bit
 * images when both ratios are >= 1 and at least one is not an integer (210x160 -> 84x84 is
 * 2.5 x 1.905): each output pixel is the area-weighted mean of the source pixels its cell
 * covers. To be bit-identical we follow OpenCV's arithmetic, not just its maths:
 *  - the per-axis weight tables are computed in double precision and stored as float32, with
 *    OpenCV's 1e-3 tolerance for ignoring slivers at a cell's edges;
 *  - a row is first reduced horizontally into a float32 buffer (products and sums rounded to
 *    float32 at each step, in table order), then rows are accumulated vertically the same way;
 *  - the float result is rounded half-to-even (cvRound) and saturated to 0..255.
 * When both ratios are integers OpenCV switches to a different ("fast") kernel; we do not
 * replicate it and resize with the general formula instead (results may then differ by 1).
 * Nothing here allocates after construction.
 */

/** Weights of one axis: output index di[k] receives alpha[k] * source[si[k]]. */
export interface AreaTable {
  readonly di: Int32Array;
  readonly si: Int32Array;
  readonly alpha: Float32Array;
}

/** Builds the weight table for one axis shrinking from `srcSize` to `dstSize` samples. */
export function areaTable(srcSize: number, dstSize: number): AreaTable {
  if (!Number.isInteger(srcSize) || !Number.isInteger(dstSize) || srcSize < 1 || dstSize < 1) {
    throw new RangeError(`areaTable: sizes must be positive integers, got ${srcSize} -> ${dstSize}`);
  }
  if (dstSize > srcSize) throw new RangeError(`areaTable: only shrinking is supported (${srcSize} -> ${dstSize})`);
  // OpenCV derives the cell size as 1 / (dst / src), in doubles; keep that exact expression.
  const scale = 1 / (dstSize / srcSize);
  const di: number[] = [];
  const si: number[] = [];
  const alpha: number[] = [];
  for (let d = 0; d < dstSize; d++) {
    const start = d * scale;
    const end = start + scale;
    const cell = Math.min(scale, srcSize - start);
    const last = Math.min(Math.floor(end), srcSize - 1);
    const first = Math.min(Math.ceil(start), last);
    // partial source sample before the first whole one
    if (first - start > 1e-3) {
      di.push(d); si.push(first - 1); alpha.push((first - start) / cell);
    }
    for (let s = first; s < last; s++) {
      di.push(d); si.push(s); alpha.push(1 / cell);
    }
    // partial (or whole) sample at the end
    if (end - last > 1e-3) {
      di.push(d); si.push(last); alpha.push(Math.min(Math.min(end - last, 1), cell) / cell);
    }
  }
  return { di: Int32Array.from(di), si: Int32Array.from(si), alpha: Float32Array.from(alpha) };
}

/** cvRound for float inputs: round half to even, then saturate to a byte. */
export function roundToByte(v: number): number {
  let r = Math.round(v);
  // Math.round rounds .5 up; OpenCV (lrint in the default FP mode) rounds ties to even.
  if (r - v === 0.5 && (r & 1) === 1) r -= 1;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** Resizes interleaved 8-bit images of a fixed geometry with OpenCV INTER_AREA arithmetic. */
export class AreaResizer {
  private readonly xt: AreaTable;
  private readonly yt: AreaTable;
  private readonly buf: Float32Array;
  private readonly sum: Float32Array;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    readonly dstWidth: number,
    readonly dstHeight: number,
    readonly channels = 1,
  ) {
    if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
      throw new RangeError(`AreaResizer: channels must be 1..4, got ${channels}`);
    }
    this.xt = areaTable(srcWidth, dstWidth);
    this.yt = areaTable(srcHeight, dstHeight);
    this.buf = new Float32Array(dstWidth * channels);
    this.sum = new Float32Array(dstWidth * channels);
  }

  /** src: srcHeight*srcWidth*channels bytes; dst: dstHeight*dstWidth*channels bytes. */
  resize(src: Uint8Array, dst: Uint8Array): void {
    const cn = this.channels;
    const rowIn = this.srcWidth * cn;
    const rowOut = this.dstWidth * cn;
    if (src.length < this.srcHeight * rowIn) {
      throw new RangeError(`AreaResizer: source has ${src.length} bytes, need ${this.srcHeight * rowIn}`);
    }
    if (dst.length < this.dstHeight * rowOut) {
      throw new RangeError(`AreaResizer: destination has ${dst.length} bytes, need ${this.dstHeight * rowOut}`);
    }
    const { di: xdi, si: xsi, alpha: xal } = this.xt;
    const { di: ydi, si: ysi, alpha: yal } = this.yt;
    const buf = this.buf;
    const sum = this.sum;
    const f = Math.fround;
    sum.fill(0);
    let prevRow = ydi[0];
    for (let j = 0; j < ydi.length; j++) {
      const dy = ydi[j];
      const beta = yal[j];
      const base = ysi[j] * rowIn;
      buf.fill(0);
      const nx = xdi.length;
      if (cn === 1) {
        for (let k = 0; k < nx; k++) {
          const o = xdi[k];
          buf[o] = buf[o] + Math.fround(src[base + xsi[k]] * xal[k]);
        }
      } else {
        for (let k = 0; k < nx; k++) {
          const a = xal[k];
          const o = xdi[k] * cn;
          const s = base + xsi[k] * cn;
          for (let c = 0; c < cn; c++) buf[o + c] = buf[o + c] + f(src[s + c] * a);
        }
      }
      if (dy !== prevRow) {
        const out = prevRow * rowOut;
        for (let x = 0; x < rowOut; x++) {
          dst[out + x] = roundToByte(sum[x]);
          sum[x] = f(beta * buf[x]);
        }
        prevRow = dy;
      } else {
        for (let x = 0; x < rowOut; x++) sum[x] = sum[x] + f(beta * buf[x]);
      }
    }
    const out = prevRow * rowOut;
    for (let x = 0; x < rowOut; x++) dst[out + x] = roundToByte(sum[x]);
  }
}

/** out[i] = max(a[i], b[i]) over the first `length` bytes. */
export function maxPool(a: Uint8Array, b: Uint8Array, out: Uint8Array, length = out.length): void {
  if (a.length < length || b.length < length || out.length < length) {
    throw new RangeError(`maxPool: buffers shorter than ${length}`);
  }
  for (let i = 0; i < length; i++) {
    const x = a[i];
    const y = b[i];
    out[i] = x > y ? x : y;
  }
}

/**
 * The whole reference pipeline for one observation frame, in JavaScript: max-pool of this frame's
 * grayscale screen with the previous one (when `prev` is given), then INTER_AREA to the
 * observation size. The product computes this inside the wasm core (pp_observe, used by
 * AleEmulator.observe); this class is the test oracle it is checked against, and what the fake
 * emulators of the unit tests use. Allocates nothing after the first call for a size.
 */
export class ReferenceObserver {
  private readonly pooled: Uint8Array;
  private resizer: AreaResizer | null = null;

  constructor(readonly srcWidth: number, readonly srcHeight: number) {
    this.pooled = new Uint8Array(srcWidth * srcHeight);
  }

  observe(cur: Uint8Array, prev: Uint8Array | null, out: Uint8Array, width: number, height: number): void {
    let frame = cur;
    if (prev) {
      maxPool(cur, prev, this.pooled, this.pooled.length);
      frame = this.pooled;
    }
    if (width === this.srcWidth && height === this.srcHeight) {
      out.set(frame.subarray(0, width * height));
      return;
    }
    const r = this.resizer;
    if (!r || r.dstWidth !== width || r.dstHeight !== height) this.resizer = new AreaResizer(this.srcWidth, this.srcHeight, width, height);
    this.resizer!.resize(frame, out);
  }
}
