/*
 * Speed demo: one button runs the chosen game in single-env mode and then vectorized mode, each
 * for a fixed time, and shows frames/s, steps/s, episodes/hour side by side and the ratio.
 */
import type { GameSource, RunService, SpeedDemoResult } from '../run/types';
import type { ActivityLog } from './activity';
import { button, errorText, fmtInt, fmtNum, h } from './dom';

export class SpeedDemoPanel {
  readonly root: HTMLElement;
  readonly runButton: HTMLButtonElement;
  private readonly seconds: HTMLInputElement;
  private readonly workers: HTMLInputElement;
  private readonly envs: HTMLInputElement;
  private readonly out: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private timer = 0;

  constructor(
    parent: HTMLElement,
    private readonly log: ActivityLog,
    private readonly getService: () => Promise<RunService>,
    private readonly getGame: () => { source: GameSource; name: string } | null,
  ) {
    this.seconds = h('input', { type: 'number', id: 'speed-seconds', min: 1, max: 60, value: 5, class: 'num' });
    this.workers = h('input', { type: 'number', id: 'speed-workers', min: 1, max: 16, value: Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)), class: 'num' });
    this.envs = h('input', { type: 'number', id: 'speed-envs', min: 1, max: 64, value: 8, class: 'num' });
    this.runButton = button('Speed demo', () => void this.run(), { id: 'speed-demo', title: 'Run single-env, then vectorized mode, then PQN training on the vectorized envs, back to back, and compare throughput' });
    this.progress = h('progress', { 'aria-label': 'Speed demo progress', max: 1, value: 0 });
    this.progress.hidden = true;
    this.out = h('div', { class: 'speed-out', role: 'status', 'aria-live': 'polite' });
    this.root = h('section', { class: 'panel speed', 'aria-labelledby': 'speed-h' },
      h('h2', { id: 'speed-h', text: 'Speed demo' }),
      h('p', { class: 'muted', text: 'How fast the emulator and env workers go on this machine (random actions), then what training gets: the PQN preset learning on the vectorized envs, agent steps/s including acting and gradient steps.' }),
      h('div', { class: 'row' },
        h('label', { for: this.seconds.id, class: 'inline' }, 'seconds each ', this.seconds),
        h('label', { for: this.workers.id, class: 'inline' }, 'workers ', this.workers),
        h('label', { for: this.envs.id, class: 'inline' }, '× envs ', this.envs),
        this.runButton),
      this.progress, this.out);
    parent.append(this.root);
  }

  private num(i: HTMLInputElement, lo: number, hi: number, what: string): number {
    const v = Number(i.value);
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${what} must be a whole number from ${lo} to ${hi}`);
    return v;
  }

  private async run(): Promise<void> {
    let seconds: number, workers: number, envs: number;
    try {
      seconds = this.num(this.seconds, 1, 60, 'seconds');
      workers = this.num(this.workers, 1, 16, 'workers');
      envs = this.num(this.envs, 1, 64, 'envs per worker');
    } catch (e) {
      this.out.replaceChildren(h('p', { class: 'bad', role: 'alert', text: errorText(e) }));
      return;
    }
    const game = this.getGame();
    if (!game) {
      this.out.replaceChildren(h('p', { class: 'bad', role: 'alert', text: 'Pick a game with a reward function first.' }));
      return;
    }
    this.runButton.disabled = true;
    this.progress.hidden = false;
    const total = 3 * seconds * 1000;
    const t0 = performance.now();
    this.progress.max = total;
    this.timer = window.setInterval(() => { this.progress.value = Math.min(total, performance.now() - t0); }, 200);
    this.out.replaceChildren(h('p', { text: `Running ${game.name}: ${seconds} s single env, then ${seconds} s ${workers}×${envs} vectorized, then ${seconds} s of PQN training on those envs…` }));
    this.root.dataset['state'] = 'running';
    this.log.add('info', `Speed demo started on ${game.name}`);
    try {
      const s = await this.getService();
      const r = await s.speedDemo(game.source, seconds, { workers, envsPerWorker: envs });
      this.show(r);
      this.root.dataset['state'] = 'done';
      this.log.add('ok', `Speed demo: vectorized ${r.vectorized.workers}×${r.vectorized.envsPerWorker} ran ${fmtNum(r.ratio, 2)}× the steps/s of a single env` +
        (r.training ? `; training (PQN preset) ${fmtInt(r.training.stepsPerSec)} agent steps/s` : ''));
    } catch (e) {
      this.root.dataset['state'] = 'error';
      this.out.replaceChildren(h('p', { class: 'bad', role: 'alert', text: `Speed demo failed: ${errorText(e)}` }));
      this.log.add('error', `Speed demo failed: ${errorText(e)}`);
    } finally {
      clearInterval(this.timer);
      this.progress.hidden = true;
      this.runButton.disabled = false;
    }
  }

  private show(r: SpeedDemoResult): void {
    const v = r.vectorized;
    const row = (name: string, x: { framesPerSec: number; stepsPerSec: number; episodesPerHour: number }) =>
      h('tr', {}, h('th', { scope: 'row', text: name }), h('td', { class: 'num', text: fmtInt(x.framesPerSec) }), h('td', { class: 'num', text: fmtInt(x.stepsPerSec) }), h('td', { class: 'num', text: fmtInt(x.episodesPerHour) }));
    this.out.replaceChildren(
      h('table', { class: 'speed-table', 'aria-label': 'Speed demo results' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: `${r.game}, ${r.seconds} s each` }), h('th', { scope: 'col', text: 'frames/s' }), h('th', { scope: 'col', text: 'steps/s' }), h('th', { scope: 'col', text: 'episodes/hour' }))),
        h('tbody', {}, row('Single env', r.single), row(`Vectorized ${v.workers}×${v.envsPerWorker}`, v),
          ...(r.training ? [row(`Training: ${r.training.algorithm.toUpperCase()} preset (${r.training.network} net) on ${v.workers}×${v.envsPerWorker}`, r.training)] : []))),
      h('p', { class: 'ratio', 'data-ratio': String(r.ratio) }, 'Vectorized / single (steps/s): ', h('strong', { text: `${fmtNum(r.ratio, 2)}×` })),
      ...(r.training ? [h('p', { class: 'training-rate', 'data-steps-per-sec': String(r.training.stepsPerSec) },
        'With training: ', h('strong', { text: `${fmtInt(r.training.stepsPerSec)} agent steps/s` }),
        ` (${fmtNum(r.training.gradientStepsPerSec, 1)} gradient steps/s), ${fmtNum(100 * r.training.stepsPerSec / Math.max(1e-9, v.stepsPerSec), 0)}% of the envs' own speed`)] : []));
  }
}
