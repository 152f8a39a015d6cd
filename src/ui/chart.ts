/*
 * One streaming line chart on uPlot. Series data live in StreamSeries (bounded), and the chart
 * redraws at most every `minRedrawMs`, only when something changed, so hours of metrics cost
 * the same to draw as the first minute. Each series may use its own x values; they are merged
 * onto one sorted x axis here (uPlot wants aligned data) with gaps where a series has no point.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { StreamSeries } from './series';

export interface ChartSeriesSpec {
  label: string;
  stroke: string;
  /** Points only (no line), e.g. raw episode returns. */
  points?: boolean;
  /** A line with a marked point at each value (sparse series, e.g. evaluations). */
  markers?: boolean;
  width?: number;
}

export interface ChartSpec {
  title: string;
  xLabel?: string;
  series: ChartSeriesSpec[];
  height?: number;
  /** Log-scale y (loss). */
  logY?: boolean;
  capacity?: number;
}

/** Axis labels that stay short and distinct for tiny (loss 1e-4) and large (1.2M steps) values. */
export function shortNum(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a < 1e-2) return v.toExponential(0);
  return String(+v.toPrecision(3));
}

/** Y axis width from its longest label (a fixed width clipped labels like "0.0982"). */
function yAxisSize(_u: uPlot, values: string[] | null): number {
  const longest = values && values.length ? Math.max(...values.map((v) => String(v).length)) : 4;
  return Math.max(40, longest * 7 + 16);
}

export class StreamChart {
  readonly root: HTMLElement;
  readonly data: StreamSeries[];
  private plot: uPlot | null = null;
  private dirty = false;
  private timer = 0;
  private lastDraw = 0;
  private readonly resizeObs: ResizeObserver;
  private readonly empty: HTMLElement;

  constructor(parent: HTMLElement, readonly spec: ChartSpec, private readonly minRedrawMs = 500) {
    this.root = document.createElement('figure');
    this.root.className = 'chart';
    this.root.setAttribute('aria-label', `${spec.title} chart`);
    this.root.dataset['chart'] = spec.title;
    const cap = document.createElement('figcaption');
    cap.textContent = spec.title;
    this.root.append(cap);
    this.empty = document.createElement('p');
    this.empty.className = 'chart-empty';
    this.empty.textContent = 'no data yet';
    this.root.append(this.empty);
    parent.append(this.root);
    this.data = spec.series.map(() => new StreamSeries(spec.capacity ?? 1500));
    this.resizeObs = new ResizeObserver(() => this.resize());
    this.resizeObs.observe(this.root);
  }

  push(seriesIndex: number, x: number, y: number): void {
    this.data[seriesIndex]!.push(x, y);
    this.dirty = true;
    this.schedule();
  }

  /** Points currently drawn in series i (tests read this through the data-points attribute). */
  points(i = 0): number {
    return this.data[i]!.xs.length;
  }

  clear(): void {
    for (const d of this.data) d.clear();
    this.dirty = true;
    this.schedule();
  }

  destroy(): void {
    clearTimeout(this.timer);
    this.resizeObs.disconnect();
    this.plot?.destroy();
    this.root.remove();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.minRedrawMs - (performance.now() - this.lastDraw));
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      if (this.dirty) this.redraw();
    }, wait);
  }

  private width(): number {
    return Math.max(200, Math.floor(this.root.clientWidth || 300));
  }

  private aligned(): uPlot.AlignedData {
    const snaps = this.data.map((d) => d.snapshot());
    if (snaps.length === 1) return [snaps[0]!.x, snaps[0]!.y];
    // Merge x values of all series (each sorted) and place each series' y at its own x.
    const xsAll = Array.from(new Set(snaps.flatMap((s) => s.x))).sort((a, b) => a - b);
    const pos = new Map<number, number>();
    xsAll.forEach((x, i) => pos.set(x, i));
    const ys = snaps.map((s) => {
      const col: (number | null)[] = new Array(xsAll.length).fill(null);
      s.x.forEach((x, i) => { col[pos.get(x)!] = s.y[i]!; });
      return col;
    });
    return [xsAll, ...ys] as uPlot.AlignedData;
  }

  redraw(): void {
    this.dirty = false;
    this.lastDraw = performance.now();
    const data = this.aligned();
    const n = (data[0] as number[]).length;
    this.root.dataset['points'] = String(this.data[0]!.count);
    this.root.dataset['seriesPoints'] = this.data.map((d) => d.count).join(',');
    const late = this.data.reduce((a, d) => a + d.outOfOrder, 0);
    if (late) this.root.dataset['outOfOrder'] = String(late);
    this.empty.hidden = n > 0;
    if (n === 0) return;
    if (!this.plot) {
      const opts: uPlot.Options = {
        width: this.width(),
        height: this.spec.height ?? 150,
        legend: { show: this.spec.series.length > 1, live: false },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: { x: { time: false }, y: this.spec.logY ? { distr: 3 } : {} },
        axes: [
          { stroke: '#9aa0a6', grid: { stroke: '#2c3038' }, ticks: { stroke: '#2c3038' }, size: 30, values: (_u, splits) => splits.map(shortNum) },
          { stroke: '#9aa0a6', grid: { stroke: '#2c3038' }, ticks: { stroke: '#2c3038' }, size: yAxisSize, values: (_u, splits) => splits.map(shortNum) },
        ],
        series: [
          { label: this.spec.xLabel ?? 'step' },
          ...this.spec.series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: s.width ?? 1.5,
            spanGaps: true,
            // Scatter: no path, only points (a zero-width line would hide the points too).
            ...(s.points ? { paths: () => null } : {}),
            points: s.points ? { show: true, size: 5, width: 1, stroke: s.stroke, fill: s.stroke }
              : s.markers ? { show: true, size: 9, width: 2, stroke: s.stroke, fill: '#16181d' } : { show: false },
          })),
        ],
      };
      this.plot = new uPlot(opts, data, this.root);
    } else {
      this.plot.setData(data);
    }
  }

  private resize(): void {
    if (this.plot) this.plot.setSize({ width: this.width(), height: this.spec.height ?? 150 });
  }
}
