/*
 * "Resume" after a reload, a crash or a killed browser: every run whose record still says it was
 * training (nobody paused or closed it; src/run/autosave.ts keeps that mark) and that is not open
 * in this tab is offered here with the step it will resume from (its latest checkpoint).
 * Dismiss clears the mark; the checkpoints stay.
 */
import type { CheckpointInfo, RunInfo, RunService } from '../run/types';
import type { ActivityLog } from './activity';
import { button, errorText, fmtInt, fmtTime, h } from './dom';

export interface ResumeOfferHooks {
  resume(ck: CheckpointInfo): Promise<void>;
}

export class ResumeOffer {
  readonly root: HTMLElement;
  private readonly list: HTMLUListElement;
  private service: RunService | null = null;

  constructor(parent: HTMLElement, private readonly log: ActivityLog, private readonly hooks: ResumeOfferHooks) {
    this.list = h('ul', { class: 'resume-list' });
    this.root = h('section', { class: 'panel resume-offer', id: 'resume-offer', 'aria-labelledby': 'resume-h' },
      h('h2', { id: 'resume-h', text: 'Resume training' }),
      h('p', { class: 'muted small', text: 'These runs were training when the page went away (reload, crash or closed browser). Each resumes from its last complete save.' }),
      this.list);
    this.root.hidden = true;
    parent.prepend(this.root);
  }

  async setService(s: RunService): Promise<void> {
    this.service = s;
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const s = this.service;
    if (!s) return;
    let runs: RunInfo[];
    try {
      runs = (await s.listRuns()).filter((r) => r.training && !r.open);
    } catch (e) {
      this.log.add('warn', `Could not check for runs to resume: ${errorText(e)}`);
      return;
    }
    this.list.replaceChildren(...runs.map((r) => this.item(r)));
    this.root.hidden = runs.length === 0;
    this.root.dataset['count'] = String(runs.length);
  }

  private item(r: RunInfo): HTMLLIElement {
    const dismiss = button('Dismiss', () => void this.dismiss(r), { class: 'secondary', 'aria-label': `Dismiss: do not resume ${r.name}` });
    const ck = r.latest;
    if (!ck) {
      return h('li', { 'data-run': r.runId }, `${r.name}: it stopped before its first save, so there is nothing to resume. `, dismiss);
    }
    const label = `Resume ${r.name} from step ${fmtInt(ck.counters.agentSteps)}`;
    const resume = button(label, () => void this.resume(r, ck, resume), { class: 'primary', 'data-steps': ck.counters.agentSteps });
    return h('li', { 'data-run': r.runId, 'data-steps': String(ck.counters.agentSteps) }, resume, ' ',
      h('span', { class: 'muted small', text: `(${ck.reason} save of ${fmtTime(ck.createdAt)}) ` }), dismiss);
  }

  private async resume(r: RunInfo, ck: CheckpointInfo, btn: HTMLButtonElement): Promise<void> {
    btn.disabled = true;
    try {
      await this.hooks.resume(ck);
    } catch (e) {
      this.log.add('error', `Resume of ${r.name} failed: ${errorText(e)}`);
      btn.disabled = false;
      return;
    }
    await this.refresh();
  }

  private async dismiss(r: RunInfo): Promise<void> {
    try {
      await this.service?.dismissResume(r.runId);
      this.log.add('info', `${r.name}: not resumed; its checkpoints stay in the list below.`);
    } catch (e) {
      this.log.add('error', `Dismiss failed: ${errorText(e)}`);
    }
    await this.refresh();
  }
}
