/*
 * A run's scalars as they reach the page, for "Download metrics": one row per finished episode
 * and one per metrics tick (about every 500 ms while training), under CleanRL's tag names so the
 * files line up with CleanRL runs' TensorBoard scalars. Files: CSV (one column per tag, empty
 * where a row has no value) and JSON lines (the same rows, absent keys instead of empty cells).
 *
 * Rows before this page opened the run (a resumed run) exist only as the checkpoint's
 * downsampled history (bucket means, src/run/history.ts); they are kept as rows of kind
 * "history" (no wall time) so a file never pretends they are per-episode values.
 */
import type { EpisodeEntry, MetricsHistory, MetricsSnapshot } from '../run/types';

export const TAGS = {
  episodicReturn: 'charts/episodic_return',
  episodicLength: 'charts/episodic_length',
  sps: 'charts/SPS',
  tdLoss: 'losses/td_loss',
  qValues: 'losses/q_values',
  epsilon: 'charts/epsilon',
} as const;
const TAG_ORDER = [TAGS.episodicReturn, TAGS.episodicLength, TAGS.sps, TAGS.tdLoss, TAGS.qValues, TAGS.epsilon];
export type Tag = (typeof TAG_ORDER)[number];

export interface ScalarRow {
  /** 'episode': a finished game; 'tick': a metrics snapshot; 'history': a downsampled point from a checkpoint. */
  kind: 'episode' | 'tick' | 'history';
  /** Agent step (CleanRL's global_step for one env). */
  step: number;
  /** Seconds since the epoch (null for history rows: their time was not kept). */
  wallTime: number | null;
  values: Partial<Record<Tag, number>>;
}

/** Rows kept at most (about 100 hours of ticks); the oldest go first past it. */
export const MAX_ROWS = 1_000_000;

export class ScalarLog {
  readonly rows: ScalarRow[] = [];
  /** Rows dropped from the front at MAX_ROWS. */
  dropped = 0;

  constructor(private readonly maxRows = MAX_ROWS) {}

  private push(r: ScalarRow): void {
    this.rows.push(r);
    if (this.rows.length > this.maxRows) {
      const n = this.rows.length - this.maxRows;
      this.rows.splice(0, n);
      this.dropped += n;
    }
  }

  episode(e: EpisodeEntry): void {
    this.push({ kind: 'episode', step: e.agentStep, wallTime: e.time / 1000, values: { [TAGS.episodicReturn]: e.rawReturn, [TAGS.episodicLength]: e.length } });
  }

  /** A metrics snapshot while training; `sps` is the rate the card shows (agent steps/s). */
  tick(m: MetricsSnapshot, sps: number): void {
    const v: Partial<Record<Tag, number>> = { [TAGS.sps]: sps, [TAGS.epsilon]: m.epsilon };
    if (m.loss !== null) v[TAGS.tdLoss] = m.loss;
    if (m.meanQ !== null) v[TAGS.qValues] = m.meanQ;
    this.push({ kind: 'tick', step: m.counters.agentSteps, wallTime: m.time / 1000, values: v });
  }

  /** The downsampled curves of a resumed run (before this page saw it). */
  history(h: MetricsHistory): void {
    const at = new Map<number, Partial<Record<Tag, number>>>();
    const put = (x: number, tag: Tag, v: number) => { const o = at.get(x) ?? {}; o[tag] = v; at.set(x, o); };
    for (const p of h.episodes) put(p.x, TAGS.episodicReturn, p.mean);
    for (const p of h.loss) put(p.x, TAGS.tdLoss, p.mean);
    for (const p of h.meanQ) put(p.x, TAGS.qValues, p.mean);
    for (const p of h.stepsPerSec) put(p.x, TAGS.sps, p.mean);
    for (const x of [...at.keys()].sort((a, b) => a - b)) this.push({ kind: 'history', step: x, wallTime: null, values: at.get(x)! });
  }

  toCSV(): string {
    const head = ['wall_time', 'step', 'kind', ...TAG_ORDER].join(',');
    const cell = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '' : String(v));
    const lines = this.rows.map((r) => [cell(r.wallTime), String(r.step), r.kind, ...TAG_ORDER.map((t) => cell(r.values[t]))].join(','));
    return `${[head, ...lines].join('\n')}\n`;
  }

  toJSONL(): string {
    return this.rows.map((r) => {
      const o: Record<string, unknown> = { wall_time: r.wallTime, step: r.step, kind: r.kind };
      for (const t of TAG_ORDER) {
        const v = r.values[t];
        if (v !== undefined && Number.isFinite(v)) o[t] = v;
      }
      return JSON.stringify(o);
    }).join('\n') + (this.rows.length ? '\n' : '');
  }
}
