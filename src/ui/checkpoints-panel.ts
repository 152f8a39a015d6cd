/*
 * Checkpoints panel: every saved checkpoint (time, run, steps, episodes, return, size, kind)
 * with Resume / Export / Export model (PyTorch) / Delete, plus Import, and the retention policy
 * in words: manual saves and imports are kept until the user deletes them; automatic saves
 * rotate per the run's config (RunConfig.retention; the wording of each removal comes from the
 * store's prunedText). Long operations show a progress bar fed by the
 * store's byte counts; a save has no byte stream, so it shows an indeterminate bar.
 */
import { isAutomaticSave } from '../checkpoint/reasons';
import type { CheckpointInfo, RunInfo, RunService } from '../run/types';
import type { ActivityLog } from './activity';
import { button, downloadBlob, errorText, fmtBytes, fmtInt, fmtNum, fmtTime, h } from './dom';

const KIND: Record<string, string> = {
  manual: 'manual · kept', import: 'imported · kept', auto: 'autosave (steps)', timed: 'autosave (timed)',
  eval: 'evaluation', 'mode-switch': 'mode switch', pagehide: 'page closed',
};

export interface CheckpointsHooks {
  /** Open a run from this checkpoint (the app creates its card). */
  resume(ck: CheckpointInfo): Promise<void>;
}

export class CheckpointsPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly empty: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly progressLabel: HTMLElement;
  private readonly fileInput: HTMLInputElement;
  private readonly message: HTMLElement;
  private readonly policy: HTMLElement;
  private service: RunService | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(parent: HTMLElement, private readonly log: ActivityLog, private readonly hooks: CheckpointsHooks) {
    this.fileInput = h('input', { type: 'file', accept: '.arcadelab,application/octet-stream', id: 'import-file', class: 'visually-hidden', tabindex: -1, 'aria-hidden': 'true' });
    this.fileInput.addEventListener('change', () => {
      const f = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (f) void this.importFile(f);
    });
    const importBtn = button('Import checkpoint', () => this.fileInput.click(), { id: 'import-checkpoint', title: 'Load a .arcadelab file exported earlier' });
    const refreshBtn = button('Refresh', () => void this.refresh(), { class: 'secondary' });
    this.progress = h('progress', { max: 1, value: 0, 'aria-labelledby': 'ck-progress-label' });
    this.progressLabel = h('span', { id: 'ck-progress-label', text: '' });
    const progressBox = h('div', { class: 'progress-row', role: 'status' }, this.progressLabel, this.progress);
    progressBox.hidden = true;
    this.message = h('p', { class: 'inline-msg', role: 'status' });
    this.message.hidden = true;
    this.policy = h('p', { class: 'muted small retention-note', id: 'retention-note' });
    this.body = h('tbody');
    this.empty = h('p', { class: 'muted', text: 'No checkpoints yet. Train, then press "Save checkpoint".' });
    const table = h('table', { class: 'ck-table', 'aria-label': 'Saved checkpoints' },
      h('thead', {}, h('tr', {}, ...['Saved', 'Run', 'Steps', 'Episodes', 'Return', 'Size', 'Kind', 'Actions'].map((t) => h('th', { scope: 'col', text: t })))),
      this.body);
    this.root = h('section', { class: 'panel checkpoints', id: 'checkpoints', 'aria-labelledby': 'ck-h' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'ck-h', text: 'Checkpoints' }), importBtn, refreshBtn, this.fileInput),
      this.policy, progressBox, this.message, this.empty, table);
    parent.append(this.root);
    this.root.addEventListener('dragover', (e) => { e.preventDefault(); this.root.classList.add('drop'); });
    this.root.addEventListener('dragleave', () => this.root.classList.remove('drop'));
    this.root.addEventListener('drop', (e) => {
      e.preventDefault();
      this.root.classList.remove('drop');
      const f = e.dataTransfer?.files[0];
      if (f) void this.importFile(f);
    });
  }

  setService(s: RunService): void {
    this.service = s;
    void this.refresh();
  }

  private runs = new Map<string, RunInfo>();

  refresh(): Promise<void> {
    // Coalesce bursts (a save event and the save call's own completion both ask).
    this.refreshing ??= this.doRefresh().finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const s = this.service;
    if (!s) return;
    try {
      const [runs, cks] = await Promise.all([s.listRuns().catch(() => [] as RunInfo[]), s.listCheckpoints()]);
      this.runs = new Map(runs.map((r) => [r.runId, r]));
      cks.sort((a, b) => b.createdAt - a.createdAt);
      // The best evaluated checkpoint of each run (what "keep best" retention keeps).
      const best = new Map<string, CheckpointInfo>();
      for (const c of cks) {
        if (c.evalReturn === null || !Number.isFinite(c.evalReturn)) continue;
        const b = best.get(c.runId);
        if (!b || c.evalReturn > (b.evalReturn as number)) best.set(c.runId, c);
      }
      this.body.replaceChildren(...cks.map((c) => this.row(c, best.get(c.runId)?.id === c.id)));
      this.showPolicy(runs.filter((r) => r.checkpoints.length > 0));
      this.empty.hidden = cks.length > 0;
      this.root.dataset['count'] = String(cks.length);
    } catch (e) {
      this.say('error', `Could not list checkpoints: ${errorText(e)}`);
    }
  }

  /** The retention rule in words, with each run's own numbers (they come from its run config). */
  private showPolicy(runs: RunInfo[]): void {
    const per = runs.filter((r) => r.retention).map((r) => {
      const p = r.retention!, a = r.autosave;
      const every = a ? [a.everySeconds ? `every ${a.everySeconds} s of training` : '', a.everyAgentSteps ? `every ${fmtInt(a.everyAgentSteps)} steps` : ''].filter(Boolean).join(' and ') : '';
      return `${r.name}: last ${p.keepLast}${p.keepBest ? ' + best evaluation' : ''}${every ? `, autosave ${every}` : ''}`;
    });
    this.policy.textContent = 'Retention: manual saves and imports are kept until you delete them. Automatic saves (autosave, evaluation, mode switch, page close) rotate among themselves per run' +
      (per.length ? ` (${per.join('; ')}).` : '; set it with retention.keepLast / retention.keepBest before Train.') + ' Every automatic removal is listed in Activity.';
  }

  private row(c: CheckpointInfo, isBest: boolean): HTMLTableRowElement {
    const run = this.runs.get(c.runId);
    const label = `${run?.name ?? c.runId} at step ${fmtInt(c.counters.agentSteps)}`;
    const resume = button('Resume', () => void this.resume(c, resume), { 'aria-label': `Resume from checkpoint: ${label}` });
    const exp = button('Export', () => void this.exportCk(c, exp), { 'aria-label': `Export checkpoint: ${label}` });
    const model = button('Export model (PyTorch)', () => void this.exportModel(c, model), {
      class: 'secondary', 'aria-label': `Export model (PyTorch) of checkpoint: ${label}`,
      title: 'The online Q-network as .safetensors with CleanRL dqn_atari.py QNetwork names (tools/python/continue_in_cleanrl.md)' });
    const del = button('Delete', () => void this.deleteCk(c, del), { class: 'danger', 'aria-label': `Delete checkpoint: ${label}` });
    return h('tr', { 'data-checkpoint': c.id, 'data-reason': c.reason, ...(isBest ? { 'data-best': 'true' } : {}) },
      h('td', { text: fmtTime(c.createdAt), title: `${c.reason}${c.hasReplay ? ', with replay buffer' : ', weights and counters only'}` }),
      h('td', { text: run?.name ?? c.runId }),
      h('td', { class: 'num', text: fmtInt(c.counters.agentSteps) }),
      h('td', { class: 'num', text: fmtInt(c.counters.episodes) }),
      h('td', { class: 'num', text: c.evalReturn === null ? '—' : `${isBest ? '★ ' : ''}${fmtNum(c.evalReturn, 1)}`,
        title: c.evalReturn === null ? 'not evaluated (evaluation checkpoints carry the mean return of their greedy episodes)'
          : `mean raw return of the evaluation episodes of these weights (agent.eval_episodes at eval_epsilon)${isBest ? '; the best of this run, kept by the retention rule' : ''}` }),
      h('td', { class: 'num', text: fmtBytes(c.totalBytes) }),
      h('td', { text: KIND[c.reason] ?? c.reason, 'data-kept': !isAutomaticSave(c.reason) ? 'until-deleted' : 'rotates',
        title: !isAutomaticSave(c.reason) ? 'yours: kept until you delete it' : 'automatic: rotates with the other automatic saves of this run (retention)' }),
      h('td', {}, h('div', { class: 'actions' }, resume, exp, model, del)));
  }

  private say(level: 'ok' | 'error' | 'info', text: string): void {
    this.message.textContent = text;
    this.message.className = `inline-msg ${level === 'error' ? 'bad' : level === 'ok' ? 'ok' : ''}`;
    this.message.setAttribute('role', level === 'error' ? 'alert' : 'status');
    this.message.hidden = false;
    this.log.add(level, text);
  }

  private showProgress(label: string, done: number, total: number): void {
    const box = this.progress.parentElement!;
    box.hidden = false;
    this.progressLabel.textContent = `${label} ${total > 0 ? `${fmtBytes(done)} / ${fmtBytes(total)}` : ''}`;
    if (total > 0) {
      this.progress.max = total;
      this.progress.value = Math.min(done, total);
    } else {
      this.progress.removeAttribute('value'); // indeterminate
    }
  }

  private hideProgress(): void {
    this.progress.parentElement!.hidden = true;
  }

  private async resume(c: CheckpointInfo, btn: HTMLButtonElement): Promise<void> {
    btn.disabled = true;
    try {
      await this.hooks.resume(c);
    } catch (e) {
      this.say('error', `Resume failed: ${errorText(e)}`);
    } finally {
      btn.disabled = false;
    }
  }

  private async exportCk(c: CheckpointInfo, btn: HTMLButtonElement): Promise<void> {
    const s = this.service;
    if (!s) return;
    btn.disabled = true;
    this.showProgress('Exporting…', 0, c.totalBytes);
    try {
      const { blob, fileName } = await s.exportCheckpoint(c.id, { onProgress: (d, t) => this.showProgress('Exporting…', d, t) });
      downloadBlob(blob, fileName);
      this.say('ok', `Exported ${fileName} (${fmtBytes(blob.size)}).`);
    } catch (e) {
      this.say('error', `Export failed: ${errorText(e)}`);
    } finally {
      this.hideProgress();
      btn.disabled = false;
    }
  }

  private async exportModel(c: CheckpointInfo, btn: HTMLButtonElement): Promise<void> {
    const s = this.service;
    if (!s) return;
    btn.disabled = true;
    try {
      const { blob, fileName } = await s.exportModel(c.id);
      downloadBlob(blob, fileName);
      this.say('ok', `Exported model ${fileName} (${fmtBytes(blob.size)}): CleanRL QNetwork names, loads with load_state_dict(strict=True).`);
    } catch (e) {
      this.say('error', `Model export failed: ${errorText(e)}`);
    } finally {
      btn.disabled = false;
    }
  }

  async importFile(f: File): Promise<void> {
    const s = this.service;
    if (!s) {
      this.say('error', 'Import is unavailable: the training layer did not load.');
      return;
    }
    this.showProgress(`Importing ${f.name}…`, 0, f.size);
    try {
      const info = await s.importCheckpoint(f, { onProgress: (d, t) => this.showProgress(`Importing ${f.name}…`, d, t) });
      this.say('ok', `Imported ${f.name}: checkpoint at step ${fmtInt(info.counters.agentSteps)}, ${fmtInt(info.counters.episodes)} episodes.`);
      await this.refresh();
    } catch (e) {
      this.say('error', `Import of ${f.name} failed: ${errorText(e)}`);
    } finally {
      this.hideProgress();
    }
  }

  private async deleteCk(c: CheckpointInfo, btn: HTMLButtonElement): Promise<void> {
    const s = this.service;
    if (!s) return;
    if (!confirm(`Delete the checkpoint at step ${fmtInt(c.counters.agentSteps)}? This cannot be undone.`)) return;
    btn.disabled = true;
    try {
      await s.deleteCheckpoint(c.id);
      this.say('ok', `Deleted checkpoint at step ${fmtInt(c.counters.agentSteps)}.`);
      await this.refresh();
    } catch (e) {
      this.say('error', `Delete failed: ${errorText(e)}`);
      btn.disabled = false;
    }
  }
}
