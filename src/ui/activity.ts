/*
 * The page's activity log: every state change, save, mode switch and error lands here (an
 * aria-live region, so screen readers hear it too), not only in the console.
 */
import { h } from './dom';

export type Level = 'info' | 'ok' | 'warn' | 'error';

export class ActivityLog {
  readonly root: HTMLElement;
  private readonly list: HTMLOListElement;

  constructor(parent: HTMLElement) {
    this.list = h('ol', { class: 'activity-list', 'aria-live': 'polite', 'aria-relevant': 'additions' });
    this.root = h('section', { class: 'panel activity', 'aria-labelledby': 'activity-h' }, h('h2', { id: 'activity-h', text: 'Activity' }), this.list);
    parent.append(this.root);
  }

  add(level: Level, text: string): void {
    const time = new Date().toLocaleTimeString(undefined, { hour12: false });
    const item = h('li', { class: `log-${level}`, 'data-level': level }, h('time', { text: time }), ' ', text);
    this.list.prepend(item);
    while (this.list.children.length > 200) this.list.lastElementChild!.remove();
    // A warning, not console.error: the page shows it; the console keeps a copy for bug reports.
    if (level === 'error') console.warn(text);
  }
}
