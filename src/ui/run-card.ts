/*
 * One training run on the page: its controls (Pause / Resume, mode switch, Watch agent, Save
 * checkpoint, Close), the live game view (env 0 or a chosen env; a grid of small views in
 * vectorized mode, each reading its own env's slot of the run's frame buffer), the stats table
 * and the streaming charts. Several cards can be open at once (runs side by side, each in its
 * own learner worker sharing the GPU).
 */
import * as Comlink from 'comlink';
import { FRAME_ENV_SLOTS, FRAME_KIND_GRAY, frameEnvSlot, type MetricsHistory, type MetricsSnapshot, type RunController, type RunEvent, type RunMode, type RunService, type RunState } from '../run/types';
import { numEnvsOf } from '../run/config';
import { PQN_PRESET, PQN_SINGLE_ENVS } from '../run/presets';
import type { ActivityLog } from './activity';
import { StreamChart } from './chart';
import { button, downloadBlob, errorText, fmtBytes, fmtDuration, fmtInt, fmtNum, h } from './dom';
import { FrameCanvas, SharedFrameReader } from './frame-view';
import { MovingMean } from './series';
import { ScalarLog } from './scalar-log';

let cardSeq = 0;
/** Steps/s and frames/s shown on a card are averaged over this long. */
const RATE_WINDOW_MS = 5000;

export interface RunCardHooks {
  onSaved?(): void;
  onClosed?(card: RunCard): void;
  /**
   * The run stopped with an error: close this card and reopen the run from its latest checkpoint.
   * `auto`: the page does it by itself (a lost GPU device); the hook may refuse (throw) when it
   * has done so too often, and the card's button stays.
   */
  onRecover?(card: RunCard, auto: boolean): Promise<void>;
}

export function modeText(m: RunMode): string {
  if (m.kind === 'single') return (m.envs ?? 1) > 1 ? `Single thread, ${m.envs} envs` : 'Single (1 env)';
  return `Vectorized ${m.workers}×${m.envsPerWorker} = ${m.workers * m.envsPerWorker} envs`;
}

export class RunCard {
  readonly root: HTMLElement;
  private readonly ctl: RunController;
  private readonly stateBadge: HTMLElement;
  private readonly stats = new Map<string, HTMLElement>();
  private readonly charts: { ret: StreamChart; sps: StreamChart; loss: StreamChart; q: StreamChart; eps: StreamChart };
  private readonly mainView: FrameCanvas;
  private readonly grid: HTMLElement;
  private gridViews: FrameCanvas[] = [];
  /** gridReaders[i] reads env i's own slot (made on first draw once the buffer is known). */
  private gridReaders: Array<SharedFrameReader | undefined> = [];
  private readonly gridNote: HTMLElement;
  private frameBuffer: SharedArrayBuffer | null = null;
  /** The view slot: what the big live view shows (env 0, the chosen env, or the watch env). */
  private reader: SharedFrameReader | null = null;
  private raf = 0;
  private viewEnv = 0;
  private readonly envSelect: HTMLSelectElement;
  private readonly btn: Record<'pause' | 'resume' | 'watch' | 'save' | 'model' | 'switch' | 'toPqn' | 'close', HTMLButtonElement>;
  private readonly modeRadios: { single: HTMLInputElement; vec: HTMLInputElement; workers: HTMLInputElement; envs: HTMLInputElement };
  private readonly busy: HTMLProgressElement;
  private readonly mean100 = new MovingMean(100);
  /** Every scalar this card received, for "Download metrics" (CSV / JSON lines). */
  readonly scalars = new ScalarLog();
  private best = -Infinity;
  private last: number | null = null;
  private state: RunState = 'creating';
  private mode: RunMode = { kind: 'single' };
  private watching = false;
  private subId = -1;
  private lastSnap: MetricsSnapshot | null = null;
  private readonly rateWin: Array<{ t: number; steps: number; frames: number }> = [];
  private closed = false;
  /** Agent steps of the newest checkpoint this card heard of (null: none yet). */
  private savedSteps: number | null = null;

  constructor(
    parent: HTMLElement,
    private readonly service: RunService,
    readonly runId: string,
    readonly title: string,
    private readonly log: ActivityLog,
    private readonly hooks: RunCardHooks = {},
  ) {
    const n = ++cardSeq;
    this.ctl = service.run(runId);
    const headId = `run-${n}-h`;
    this.stateBadge = h('span', { class: 'badge', 'data-state': 'creating', text: 'creating' });
    this.busy = h('progress', { class: 'busy', 'aria-label': `${title} busy` });
    this.busy.hidden = true;
    this.btn = {
      pause: button('Pause', () => void this.act('Pause', () => this.ctl.pause()), { disabled: true }),
      resume: button('Resume', () => void this.act('Resume', () => this.ctl.resume()), { disabled: true }),
      watch: button('Watch agent', () => void this.toggleWatch(), { 'aria-pressed': 'false', disabled: true, title: 'Greedy policy on a separate env at real-time speed; training pauses meanwhile' }),
      save: button('Save checkpoint', () => void this.save(), { disabled: true }),
      model: button('Export model (PyTorch)', () => void this.exportModel(), { disabled: true, class: 'secondary', title: 'The online Q-network now, as .safetensors with CleanRL dqn_atari.py QNetwork names (training goes on)' }),
      switch: button('Switch mode', () => void this.switchMode(), { disabled: true }),
      toPqn: button('Switch to PQN', () => void this.switchToPqn(), {
        disabled: true, hidden: true, class: 'secondary',
        title: 'Go on as PQN (PQN preset): conv/dense weights where shapes match, counters, curves and RNG continue; a DQN checkpoint is saved first' }),
      close: button('Close run', () => void this.close(), { class: 'secondary' }),
    };
    this.btn.resume.hidden = true;

    // Mode control of this run: a radio group named "Mode" plus workers x envs.
    const rid = `run-${n}`;
    const radio = (value: string, label: string) => {
      const r = h('input', { type: 'radio', name: `${rid}-mode`, value, id: `${rid}-mode-${value}` });
      return { r, l: h('label', { for: r.id, class: 'radio' }, r, ` ${label}`) };
    };
    const s = radio('single', 'Single'), v = radio('vectorized', 'Vectorized');
    s.r.checked = true;
    // Default size for a switch: one env worker per spare core (the learner keeps one).
    const workers = h('input', { type: 'number', min: 1, max: 16, value: Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)), id: `${rid}-workers`, class: 'num' });
    const envs = h('input', { type: 'number', min: 1, max: 64, value: 4, id: `${rid}-envs`, class: 'num' });
    this.modeRadios = { single: s.r, vec: v.r, workers, envs };
    const modeFs = h('fieldset', { class: 'mode', role: 'radiogroup', 'aria-label': 'Mode' },
      h('legend', { text: 'Mode' }), s.l, v.l,
      h('label', { for: workers.id, class: 'inline' }, 'workers ', workers),
      h('label', { for: envs.id, class: 'inline' }, '× envs ', envs),
      this.btn.switch);
    const syncSwitch = () => { this.btn.switch.disabled = !this.canSwitch(); };
    for (const e of [s.r, v.r, workers, envs]) e.addEventListener('input', syncSwitch);

    this.mainView = new FrameCanvas(`${title}: live game screen`, 2, 'screen');
    this.mainView.canvas.tabIndex = 0;
    this.envSelect = h('select', { id: `${rid}-view-env` });
    this.envSelect.append(new Option('env 0', '0'));
    this.envSelect.addEventListener('change', () => this.showEnv(Number(this.envSelect.value)));
    this.grid = h('div', { class: 'env-grid', 'aria-label': 'All envs (small live views)' });
    this.grid.hidden = true;
    this.gridNote = h('p', { class: 'muted grid-note', text: '' });
    this.gridNote.hidden = true;
    const viewBox = h('div', { class: 'view' },
      this.mainView.canvas,
      h('div', { class: 'view-caption' }, h('label', { for: this.envSelect.id, text: 'Show env ' }), this.envSelect, h('span', { class: 'view-tag muted', text: '' })),
      this.grid,
      this.gridNote);

    const statDefs: Array<[string, string]> = [
      ['agentSteps', 'Agent steps'], ['frames', 'Frames'], ['episodes', 'Episodes'], ['episodesPerHour', 'Episodes/hour'],
      ['stepsPerSec', 'Steps/s'], ['framesPerSec', 'Frames/s'], ['lastReturn', 'Last return'], ['bestReturn', 'Best return'],
      ['mean100', 'Mean-100 return'], ['evalReturn', 'Eval return'], ['epsilon', 'Epsilon'], ['loss', 'Loss'], ['meanQ', 'Mean Q'],
      ['replay', 'Replay fill'], ['backend', 'tfjs backend'], ['adapter', 'Adapter'], ['gpuMem', 'GPU memory'],
      ['elapsed', 'Elapsed'], ['algorithm', 'Algorithm'], ['mode', 'Mode'],
    ];
    const dl = h('dl', { class: 'stats' });
    for (const [k, label] of statDefs) {
      const dd = h('dd', { 'data-stat': k, text: '—' });
      this.stats.set(k, dd);
      dl.append(h('div', { class: 'stat' }, h('dt', { text: label }), dd));
    }

    const chartsBox = h('div', { class: 'charts' });
    this.charts = {
      ret: new StreamChart(chartsBox, { title: 'Episode return', xLabel: 'agent step', series: [{ label: 'return', stroke: '#6fa8dc', points: true }, { label: 'mean of 100', stroke: '#f0aa67', width: 2 }, { label: 'eval (mean, greedy)', stroke: '#7ee0a1', width: 2, markers: true }] }),
      sps: new StreamChart(chartsBox, { title: 'Steps/s', xLabel: 'agent step', series: [{ label: 'steps/s', stroke: '#90fc90' }] }),
      loss: new StreamChart(chartsBox, { title: 'Loss', xLabel: 'agent step', series: [{ label: 'loss', stroke: '#e46f6f' }] }),
      q: new StreamChart(chartsBox, { title: 'Mean Q', xLabel: 'agent step', series: [{ label: 'mean Q', stroke: '#c57cee' }] }),
      eps: new StreamChart(chartsBox, { title: 'Epsilon', xLabel: 'agent step', series: [{ label: 'epsilon', stroke: '#fce070' }] }),
    };

    const fileBase = title.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'run';
    const metricsRow = h('div', { class: 'row metrics-export', role: 'group', 'aria-label': `${title} metrics export` },
      h('span', { class: 'muted small', text: 'Download metrics (CleanRL tag names):' }),
      button('CSV', () => downloadBlob(new Blob([this.scalars.toCSV()], { type: 'text/csv' }), `${fileBase}-metrics.csv`), { class: 'secondary', 'aria-label': `Download metrics of ${title} as CSV` }),
      button('JSON lines', () => downloadBlob(new Blob([this.scalars.toJSONL()], { type: 'application/x-ndjson' }), `${fileBase}-metrics.jsonl`), { class: 'secondary', 'aria-label': `Download metrics of ${title} as JSON lines` }),
      button('Return chart (PNG)', () => void this.saveReturnPng(`${fileBase}-return.png`), { class: 'secondary', 'aria-label': `Save the return chart of ${title} as PNG` }));

    this.root = h('article', { class: 'panel run-card', 'aria-labelledby': headId, 'data-run': runId },
      h('header', { class: 'run-head' }, h('h3', { id: headId, text: title }), this.stateBadge, this.busy),
      h('div', { class: 'run-controls', role: 'group', 'aria-label': `${title} controls` },
        this.btn.pause, this.btn.resume, this.btn.watch, this.btn.save, this.btn.model, this.btn.toPqn, this.btn.close),
      modeFs,
      h('div', { class: 'run-body' }, viewBox, dl),
      metricsRow,
      chartsBox);
    parent.append(this.root);
  }

  /** Subscribes to metrics/events, fills charts from history, starts drawing frames. */
  async attach(history = false): Promise<void> {
    this.subId = await this.ctl.subscribe(Comlink.proxy({
      onMetrics: (m: MetricsSnapshot) => this.onMetrics(m),
      onEvent: (e: RunEvent) => this.onEvent(e),
    }));
    const snap = await this.ctl.snapshot();
    if (history) {
      try {
        this.fillHistory(await this.ctl.history(), snap);
      } catch (e) {
        this.log.add('warn', `${this.title}: earlier curves unavailable (${errorText(e)})`);
      }
    }
    this.onMetrics(snap);
    try {
      this.frameBuffer = (await this.ctl.frames()).buffer;
      this.reader = new SharedFrameReader(this.frameBuffer);
    } catch (e) {
      this.log.add('warn', `${this.title}: no live frames (${errorText(e)})`);
    }
    const tick = () => {
      this.drawFrames();
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  /** The return chart as drawn (uPlot's canvas) on the card's background, with its title. */
  private async saveReturnPng(fileName: string): Promise<void> {
    const src = this.charts.ret.root.querySelector('canvas');
    if (!src) {
      this.log.add('warn', `${this.title}: the return chart has no data yet`);
      return;
    }
    const pad = 28;
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height + pad;
    const g = out.getContext('2d')!;
    g.fillStyle = getComputedStyle(this.root).backgroundColor || '#161a22';
    g.fillRect(0, 0, out.width, out.height);
    g.fillStyle = '#d7dce4';
    g.font = '14px sans-serif';
    g.fillText(`${this.title}: episode return (raw score) vs agent step`, 8, 19);
    g.drawImage(src, 0, pad);
    const blob = await new Promise<Blob | null>((r) => out.toBlob(r, 'image/png'));
    if (!blob) throw new Error('the browser could not encode the chart as PNG');
    downloadBlob(blob, fileName);
  }

  private fillHistory(hist: MetricsHistory, snap: MetricsSnapshot): void {
    this.scalars.history(hist);
    for (const p of hist.episodes) {
      this.charts.ret.push(0, p.x, p.mean);
      this.charts.ret.push(1, p.x, this.mean100.push(p.mean));
      this.best = Math.max(this.best, p.max);
      this.last = p.mean;
    }
    for (const p of hist.loss) this.charts.loss.push(0, p.x, p.mean);
    for (const p of hist.meanQ) this.charts.q.push(0, p.x, p.mean);
    const lastLoss = hist.loss[hist.loss.length - 1], lastQ = hist.meanQ[hist.meanQ.length - 1];
    if (lastLoss) this.stat('loss', fmtNum(lastLoss.mean, 4));
    if (lastQ) this.stat('meanQ', fmtNum(lastQ.mean, 3));
    for (const p of hist.stepsPerSec) this.charts.sps.push(0, p.x, p.mean);
    for (const p of hist.evals) this.charts.ret.push(2, p.x, p.mean);
    void snap;
  }

  private isVectorized(): boolean {
    return this.mode.kind === 'vectorized';
  }

  private drawFrames(): void {
    const r = this.reader;
    if (!r) return;
    // The big view reads the view slot: env 0 (single), the chosen env (vectorized; the worker
    // follows setViewEnv) or the watch env.
    if (r.drawInto(this.mainView)) {
      const t = this.mainView.canvas.dataset['tag'] ?? '';
      this.tag(this.mainView.frameKind === FRAME_KIND_GRAY ? `${t} (${this.mainView.canvas.width}×${this.mainView.canvas.height} observation)` : t);
    }
    if (!this.isVectorized() || this.watching) return;
    // Each small view reads its own env's slot; one that has no frame yet stays blank.
    const buf = this.frameBuffer!;
    for (let i = 0; i < this.gridViews.length; i++) {
      const rd = this.gridReaders[i] ??= new SharedFrameReader(buf, frameEnvSlot(i), i);
      rd.drawInto(this.gridViews[i]!);
    }
  }

  /** Shows env `i` in the big view (the worker publishes it to the view slot from now on). */
  private showEnv(i: number): void {
    this.viewEnv = i;
    if (this.envSelect.value !== String(i)) this.envSelect.value = String(i);
    void this.ctl.setViewEnv(i).catch(() => undefined);
  }

  private tag(text: string): void {
    const t = this.root.querySelector('.view-tag');
    if (t && t.textContent !== text) t.textContent = text;
  }

  private setMode(m: RunMode): void {
    const same = JSON.stringify(m) === JSON.stringify(this.mode) && this.gridViews.length > 0 === (m.kind === 'vectorized');
    this.mode = m;
    this.stat('mode', modeText(m));
    if (same) return;
    const n = m.kind === 'single' ? 1 : m.workers * m.envsPerWorker;
    this.envSelect.replaceChildren(...Array.from({ length: n }, (_, i) => new Option(`env ${i}`, String(i))));
    this.viewEnv = Math.min(this.viewEnv, n - 1);
    this.envSelect.value = String(this.viewEnv);
    this.grid.replaceChildren();
    this.gridViews = [];
    this.gridReaders = [];
    this.grid.hidden = m.kind === 'single';
    // The frame buffer has FRAME_ENV_SLOTS env slots: that many small views at most (any env
    // can still be chosen for the big view).
    const small = m.kind === 'vectorized' ? Math.min(n, FRAME_ENV_SLOTS) : 0;
    this.gridNote.hidden = small === n || m.kind === 'single';
    this.gridNote.textContent = this.gridNote.hidden ? '' : `Small views show envs 0–${small - 1} of ${n}; pick any env above for the big view.`;
    if (m.kind === 'vectorized') {
      for (let i = 0; i < small; i++) {
        const v = new FrameCanvas(`env ${i}`, 1, 'mini');
        v.canvas.width = 84;
        v.canvas.height = 84;
        v.canvas.style.aspectRatio = '1 / 1';
        v.canvas.dataset['slotEnv'] = String(i);
        v.canvas.title = `env ${i}: click to show it large`;
        v.canvas.addEventListener('click', () => this.showEnv(i));
        this.grid.append(v.canvas);
        this.gridViews.push(v);
      }
      this.modeRadios.vec.checked = true;
      this.modeRadios.workers.value = String(m.workers);
      this.modeRadios.envs.value = String(m.envsPerWorker);
    } else {
      this.modeRadios.single.checked = true;
      // PQN's single mode keeps its env count (all in the learner's thread): the input shows it.
      if (numEnvsOf(m) > 1) this.modeRadios.envs.value = String(numEnvsOf(m));
      this.mainView.canvas.style.aspectRatio = '320 / 210';
    }
    this.stat('mode', modeText(m));
    this.btn.switch.disabled = !this.canSwitch();
  }

  private wantedMode(): RunMode | string {
    if (this.modeRadios.single.checked) {
      // PQN keeps its env count in single mode (its envs then run in the learner's thread).
      const n = this.lastSnap?.algorithm === 'pqn' ? numEnvsOf(this.mode) : 1;
      return n > 1 ? { kind: 'single', envs: n } : { kind: 'single' };
    }
    const w = Number(this.modeRadios.workers.value), k = Number(this.modeRadios.envs.value);
    if (!Number.isInteger(w) || w < 1 || w > 16) return 'workers must be a whole number from 1 to 16';
    if (!Number.isInteger(k) || k < 1 || k > 64) return 'envs per worker must be a whole number from 1 to 64';
    return { kind: 'vectorized', workers: w, envsPerWorker: k };
  }

  private canSwitch(): boolean {
    const m = this.wantedMode();
    if (typeof m === 'string') return false;
    return (this.state === 'running' || this.state === 'paused' || this.state === 'ready') && JSON.stringify(m) !== JSON.stringify(this.mode);
  }

  private stat(k: string, v: string, title?: string): void {
    const e = this.stats.get(k);
    if (!e) return;
    if (e.textContent !== v) e.textContent = v;
    if (title !== undefined) e.title = title;
  }

  private setState(s: RunState, reason?: string): void {
    const prev = this.state;
    this.state = s;
    this.stateBadge.textContent = s;
    this.stateBadge.dataset['state'] = s;
    this.root.dataset['state'] = s;
    // A crashed learner sends no more metrics: its last rates must not read as if it trained on.
    if (s === 'error') for (const k of ['stepsPerSec', 'framesPerSec']) this.stat(k, '— (error)');
    const live = s !== 'closed' && s !== 'error' && s !== 'creating' && s !== 'done';
    const idle = s === 'running' || s === 'paused' || s === 'ready';
    // A run made by "Import model" waits in 'ready' (watch it, or train it): Resume reads Train then.
    const startable = s === 'paused' || s === 'ready';
    this.btn.pause.hidden = startable;
    this.btn.resume.hidden = !startable;
    this.btn.resume.textContent = s === 'ready' ? 'Train' : 'Resume';
    this.btn.pause.disabled = s !== 'running' && s !== 'evaluating';
    this.btn.resume.disabled = !startable;
    // A finished (done) run still has its net: export it too.
    this.btn.model.disabled = s === 'closed' || s === 'creating' || s === 'error';
    this.btn.save.disabled = !idle;
    this.btn.watch.disabled = !(idle || s === 'watching');
    this.busy.hidden = !(s === 'switching' || s === 'saving' || s === 'creating' || s === 'evaluating');
    if (prev !== s) { this.busy.removeAttribute('value'); this.busy.removeAttribute('title'); } // indeterminate until a save reports progress
    this.btn.switch.disabled = !this.canSwitch();
    this.btn.toPqn.hidden = this.lastSnap?.algorithm !== 'dqn';
    this.btn.toPqn.disabled = !(s === 'running' || s === 'paused');
    if (!live) for (const b of [this.btn.pause, this.btn.resume, this.btn.save, this.btn.watch, this.btn.switch, this.btn.toPqn]) b.disabled = true;
    if (prev !== s) this.log.add(s === 'error' ? 'error' : 'info', `${this.title}: ${s}${reason ? ` (${reason})` : ''}`);
  }

  private onMetrics(m: MetricsSnapshot): void {
    if (this.closed) return;
    const algorithmChanged = this.lastSnap?.algorithm !== m.algorithm;
    this.lastSnap = m;
    if (m.state !== this.state || algorithmChanged) this.setState(m.state);
    this.setMode(m.mode);
    const c = m.counters;
    for (const e of m.newEpisodes) {
      this.last = e.rawReturn;
      this.best = Math.max(this.best, e.rawReturn);
      const mean = this.mean100.push(e.rawReturn);
      this.scalars.episode(e);
      this.charts.ret.push(0, e.agentStep, e.rawReturn);
      this.charts.ret.push(1, e.agentStep, mean);
    }
    // Rates over the last few seconds: the worker's per-interval rate reads 0 whenever one
    // 500 ms interval happens to hold only a slow gradient step, which looks like a stall.
    const now = performance.now();
    if (m.state !== 'running') this.rateWin.length = 0;
    else {
      this.rateWin.push({ t: now, steps: c.agentSteps, frames: c.frames });
      while (this.rateWin.length > 2 && now - this.rateWin[1]!.t >= RATE_WINDOW_MS) this.rateWin.shift();
    }
    const first = this.rateWin[0];
    const span = first ? (now - first.t) / 1000 : 0;
    const sps = span >= 1 ? (c.agentSteps - first!.steps) / span : m.stepsPerSec;
    const fps = span >= 1 ? (c.frames - first!.frames) / span : m.framesPerSec;
    if (m.state === 'running') {
      this.scalars.tick(m, sps);
      this.charts.sps.push(0, c.agentSteps, sps);
      this.charts.eps.push(0, c.agentSteps, m.epsilon);
    }
    if (m.loss !== null) this.charts.loss.push(0, c.agentSteps, m.loss);
    if (m.meanQ !== null) this.charts.q.push(0, c.agentSteps, m.meanQ);
    this.stat('agentSteps', fmtInt(c.agentSteps));
    this.stat('frames', fmtInt(c.frames));
    this.stat('episodes', fmtInt(c.episodes));
    this.stat('episodesPerHour', m.elapsedSec > 0 ? fmtInt((c.episodes / m.elapsedSec) * 3600) : '—');
    const running = m.state === 'running';
    this.stat('stepsPerSec', running ? fmtNum(sps, 1) : `— (${m.state})`, `agent steps per second over the last ${RATE_WINDOW_MS / 1000} s`);
    this.stat('framesPerSec', running ? fmtNum(fps, 1) : `— (${m.state})`, `emulator frames per second over the last ${RATE_WINDOW_MS / 1000} s`);
    this.stat('lastReturn', this.last === null ? '—' : fmtNum(this.last, 1));
    this.stat('bestReturn', Number.isFinite(this.best) ? fmtNum(this.best, 1) : '—');
    this.stat('mean100', this.mean100.size ? `${fmtNum(this.mean100.mean, 2)} (${this.mean100.size} ep)` : '—');
    const ev = m.lastEval;
    const next = m.nextEvalAt === null ? 'no evaluations scheduled (eval_every 0)' : `next at step ${fmtInt(m.nextEvalAt)}`;
    this.stat('evalReturn', ev ? `${fmtNum(ev.meanReturn, 1)} @ ${fmtInt(ev.agentStep)}` : m.state === 'evaluating' ? 'evaluating…' : '—',
      ev ? `mean raw return of ${ev.returns.length || 'the'} greedy episode(s) at epsilon ${Number.isFinite(ev.epsilon) ? ev.epsilon : ''} (agent step ${ev.agentStep}); ${next}` : next);
    this.stat('epsilon', fmtNum(m.epsilon, 3));
    this.stat('loss', m.loss === null ? (c.gradientUpdates ? this.stats.get('loss')!.textContent! : 'warming up') : fmtNum(m.loss, 4));
    this.stat('meanQ', m.meanQ === null ? (c.gradientUpdates ? this.stats.get('meanQ')!.textContent! : 'warming up') : fmtNum(m.meanQ, 3));
    const fill = m.replayCapacity ? m.replaySize / m.replayCapacity : 0;
    // PQN keeps no replay (its frame store only stacks the acting frames): nothing to fill.
    if (m.algorithm === 'pqn') this.stat('replay', '— (PQN: no replay)', 'PQN trains on each rollout, then drops it');
    else this.stat('replay', `${fmtInt(m.replaySize)} / ${fmtInt(m.replayCapacity)} (${(fill * 100).toFixed(1)}%)`);
    const b = m.backend;
    this.stat('backend', `${b.name}${b.fallbackReasons.length ? ' (fallback)' : ''}`, b.fallbackReasons.join('\n'));
    const adapter = b.adapter ? `${b.adapter}${b.isFallbackAdapter && !/fallback|software/i.test(b.adapter) ? ' (software)' : ''}` : '—';
    this.stat('adapter', adapter, adapter);
    const gpu = m.memory.numBytesInGPU;
    this.stat('gpuMem', gpu !== undefined ? `${fmtBytes(gpu)} (${fmtInt(m.memory.numTensors)} tensors)` : `${fmtBytes(m.memory.numBytes)} tensors (${fmtInt(m.memory.numTensors)})`);
    this.stat('elapsed', fmtDuration(m.elapsedSec));
    this.root.dataset['steps'] = String(c.agentSteps);
    this.root.dataset['algorithm'] = m.algorithm;
    this.stat('algorithm', m.algorithm.toUpperCase());
    this.root.dataset['episodes'] = String(c.episodes);
  }

  private onEvent(e: RunEvent): void {
    switch (e.kind) {
      case 'state':
        this.setState(e.state, e.reason);
        break;
      case 'error':
        this.log.add('error', `${this.title}: ${e.fatal ? 'stopped by an error' : 'error'}: ${e.message}`);
        this.showError(e.message);
        if (e.fatal && e.recover === 'auto') this.recover(true);
        break;
      case 'saved':
        this.savedSteps = Math.max(this.savedSteps ?? 0, e.agentSteps);
        this.root.dataset['savedSteps'] = String(this.savedSteps);
        this.log.add('ok', `${this.title}: checkpoint saved (${e.reason}, step ${fmtInt(e.agentSteps)}, ${fmtBytes(e.bytes)} in ${(e.ms / 1000).toFixed(1)} s)`);
        this.hooks.onSaved?.();
        break;
      case 'save-progress':
        // Determinate while a save reports bytes; setState() makes it indeterminate again.
        this.busy.hidden = false;
        this.busy.max = Math.max(1, e.total);
        this.busy.value = Math.min(e.done, e.total);
        this.busy.title = `saving: ${fmtBytes(e.done)} of ${fmtBytes(e.total)}`;
        if (e.done >= e.total) {
          // An autosave runs while the state stays 'running': hand the bar back to the state.
          this.busy.removeAttribute('value');
          this.busy.removeAttribute('title');
          this.busy.hidden = !(this.state === 'switching' || this.state === 'saving' || this.state === 'creating' || this.state === 'evaluating');
        }
        break;
      case 'pruned':
        this.log.add('info', `${this.title}: ${e.message}`);
        this.hooks.onSaved?.();
        break;
      case 'algorithm-switched':
        this.setMode(e.mode);
        this.log.add('ok', `${this.title}: now ${e.algorithm.toUpperCase()}, ${modeText(e.mode)}; kept ${e.kept.length} weight tensors (${e.kept.join(', ')}), new at init: ${e.fresh.join(', ') || 'none'}`);
        break;
      case 'mode-switched':
        this.setMode(e.mode);
        this.log.add('ok', `${this.title}: now ${modeText(e.mode)}${e.lostTransitions ? `, ${fmtInt(e.lostTransitions)} replay transitions dropped` : ''}`);
        break;
      case 'eval':
        this.charts.ret.push(2, e.result.agentStep, e.result.meanReturn);
        this.log.add('ok', `${this.title}: evaluation at step ${fmtInt(e.result.agentStep)}: mean return ${fmtNum(e.result.meanReturn, 1)} over ${e.result.returns.length} episode(s) (${e.result.returns.join(', ')})`);
        break;
      case 'env-restart':
        this.log.add('warn', `${this.title}: env worker ${e.worker} restarted (${e.reason})`);
        break;
    }
  }

  private showError(msg: string): void {
    let box = this.root.querySelector<HTMLElement>('.run-error');
    if (!box) {
      box = h('p', { class: 'run-error', role: 'alert' });
      this.root.querySelector('.run-head')!.after(box);
    }
    box.textContent = msg;
    if (this.state === 'error' && this.hooks.onRecover && !box.querySelector('button')) {
      const b = button('Resume from last save', () => this.recover(false),
        { class: 'primary', title: 'Close this run and reopen it from its latest checkpoint in a new learner' });
      box.append(' ', b);
    }
  }

  /** Reopens the run from its latest checkpoint (hooks.onRecover); the button is back if that fails. */
  private recover(auto: boolean): void {
    if (!this.hooks.onRecover) return;
    const b = this.root.querySelector<HTMLButtonElement>('.run-error button');
    if (b) b.disabled = true;
    void this.hooks.onRecover(this, auto).catch((e: unknown) => {
      if (b) b.disabled = false;
      this.log.add('error', `${this.title}: ${auto ? 'automatic resume' : 'resume'} failed: ${errorText(e)}`);
    });
  }

  /** A line under the card's head that stays (what happened to this run before it was reopened). */
  note(text: string): void {
    let p = this.root.querySelector<HTMLElement>('.run-note');
    if (!p) {
      p = h('p', { class: 'run-note', role: 'status' });
      this.root.querySelector('.run-head')!.after(p);
    }
    p.textContent = text;
  }

  private async act(what: string, fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (e) {
      this.log.add('error', `${this.title}: ${what} failed: ${errorText(e)}`);
      this.showError(`${what} failed: ${errorText(e)}`);
      return false;
    }
  }

  async save(): Promise<void> {
    this.busy.hidden = false;
    this.btn.save.disabled = true;
    const t0 = performance.now();
    try {
      const info = await this.ctl.saveCheckpoint();
      this.log.add('ok', `${this.title}: saved checkpoint at step ${fmtInt(info.counters.agentSteps)} (${fmtBytes(info.totalBytes)}, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      this.hooks.onSaved?.();
    } catch (e) {
      this.log.add('error', `${this.title}: save failed: ${errorText(e)}`);
      this.showError(`Save failed: ${errorText(e)}`);
    } finally {
      this.busy.hidden = !(this.state === 'switching' || this.state === 'saving');
      this.setState(this.state);
    }
  }

  async exportModel(): Promise<void> {
    this.btn.model.disabled = true;
    try {
      const { blob, fileName } = await this.service.exportRunModel(this.runId);
      downloadBlob(blob, fileName);
      this.log.add('ok', `${this.title}: exported model ${fileName} (${fmtBytes(blob.size)}, CleanRL QNetwork names)`);
    } catch (e) {
      this.log.add('error', `${this.title}: model export failed: ${errorText(e)}`);
      this.showError(`Model export failed: ${errorText(e)}`);
    } finally {
      this.setState(this.state);
    }
  }

  private async switchMode(): Promise<void> {
    const m = this.wantedMode();
    if (typeof m === 'string') {
      this.showError(m);
      return;
    }
    this.btn.switch.disabled = true;
    this.busy.hidden = false;
    this.log.add('info', `${this.title}: switching to ${modeText(m)}…`);
    if (await this.act('Switch mode', () => this.ctl.switchMode(m))) {
      this.setMode(m);
      this.hooks.onSaved?.(); // a switch saves a checkpoint
    }
    this.busy.hidden = true;
  }

  /**
   * DQN -> PQN with the PQN preset's hyperparameters. PQN learns from many envs at once, so a
   * one-env single-mode run goes on with PQN_SINGLE_ENVS envs in the learner's thread; a
   * vectorized run keeps its layout.
   */
  private async switchToPqn(): Promise<void> {
    const mode: RunMode = this.mode.kind === 'vectorized' || numEnvsOf(this.mode) > 1 ? this.mode : { kind: 'single', envs: PQN_SINGLE_ENVS };
    this.btn.toPqn.disabled = true;
    this.busy.hidden = false;
    this.log.add('info', `${this.title}: switching to PQN (PQN preset), ${modeText(mode)}…`);
    if (await this.act('Switch to PQN', async () => { await this.ctl.switchAlgorithm({ algorithm: 'pqn', agent: PQN_PRESET.agent, mode }); })) {
      this.hooks.onSaved?.(); // the switch saves a checkpoint before and after
    }
    this.busy.hidden = true;
    this.setState(this.state);
  }

  private async toggleWatch(): Promise<void> {
    if (!this.watching) {
      if (await this.act('Watch agent', () => this.ctl.watch({ realtime: true }))) {
        this.watching = true;
        this.btn.watch.textContent = 'Stop watching';
        this.btn.watch.setAttribute('aria-pressed', 'true');
        this.log.add('info', `${this.title}: watching the greedy agent at real-time speed (training paused)`);
      }
    } else if (await this.act('Stop watching', () => this.ctl.stopWatch())) {
      this.watching = false;
      this.btn.watch.textContent = 'Watch agent';
      this.btn.watch.setAttribute('aria-pressed', 'false');
    }
  }

  /** Training has progressed past its newest checkpoint (what the page's beforeunload prompt asks about). */
  get unsaved(): boolean {
    if (this.closed) return false;
    const s = this.state;
    if (s !== 'running' && s !== 'saving' && s !== 'evaluating' && s !== 'switching') return false;
    return (this.lastSnap?.counters.agentSteps ?? 0) > (this.savedSteps ?? -1);
  }

  /** The page is going away: let the run save quickly (its worker decides what fits). */
  pageHide(): void {
    if (!this.closed) void this.ctl.pageHide().catch(() => undefined);
  }

  get snapshot(): MetricsSnapshot | null {
    return this.lastSnap;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    cancelAnimationFrame(this.raf);
    try {
      if (this.subId >= 0) await this.ctl.unsubscribe(this.subId).catch(() => undefined);
      await this.service.closeRun(this.runId);
      this.log.add('info', `${this.title}: closed`);
    } catch (e) {
      this.log.add('error', `${this.title}: close failed: ${errorText(e)}`);
    }
    for (const c of Object.values(this.charts)) c.destroy();
    this.root.remove();
    this.hooks.onClosed?.(this);
  }
}
