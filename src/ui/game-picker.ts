/*
 * Game picker: built-in games plus "Load ROM…" (file input or drag-and-drop). A loaded ROM is
 * identified by md5 through the emulator core; one without a reward function still loads (it
 * can be played) but the picker says clearly that it cannot be trained.
 */
import type { GameSource } from '../run/types';
import type { ActivityLog } from './activity';
import { button, errorText, h } from './dom';
import { RomLibrary, RomRejected, type GameEntry } from './rom-library';

export class GamePicker {
  readonly root: HTMLElement;
  readonly select: HTMLSelectElement;
  private readonly info: HTMLElement;
  private readonly error: HTMLElement;
  private readonly fileInput: HTMLInputElement;
  private entries: GameEntry[] = [];
  private readonly listeners: Array<(g: GameEntry | null) => void> = [];
  readonly library = new RomLibrary();

  constructor(parent: HTMLElement, private readonly log: ActivityLog) {
    this.select = h('select', { id: 'game', name: 'game' });
    this.select.append(new Option('loading games…', ''));
    this.select.addEventListener('change', () => this.changed());
    this.fileInput = h('input', { type: 'file', id: 'rom-file', accept: '.bin,.a26,.rom,application/octet-stream', class: 'visually-hidden', tabindex: -1, 'aria-hidden': 'true' });
    this.fileInput.addEventListener('change', () => {
      const f = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (f) void this.load(f);
    });
    const loadBtn = button('Load ROM…', () => this.fileInput.click(), { id: 'load-rom', 'aria-label': 'Load ROM', title: 'Load an Atari 2600 ROM file (.bin / .a26) from your computer; you can also drop it here' });
    this.info = h('p', { class: 'game-info', id: 'game-info', 'aria-live': 'polite' });
    this.error = h('p', { class: 'inline-msg bad', id: 'rom-error', role: 'alert' });
    this.error.hidden = true;
    this.root = h('div', { class: 'game-picker drop-zone', 'aria-describedby': 'game-info' },
      h('label', { for: 'game', text: 'Game' }),
      h('div', { class: 'row' }, this.select, loadBtn, this.fileInput),
      h('p', { class: 'muted small', text: 'or drop a ROM file here' }),
      this.info, this.error);
    parent.append(this.root);
    this.root.addEventListener('dragover', (e) => { e.preventDefault(); this.root.classList.add('drop'); });
    this.root.addEventListener('dragleave', () => this.root.classList.remove('drop'));
    this.root.addEventListener('drop', (e) => {
      e.preventDefault();
      this.root.classList.remove('drop');
      const f = e.dataTransfer?.files[0];
      if (f) void this.load(f);
    });
  }

  async init(): Promise<void> {
    try {
      this.entries = await this.library.list();
    } catch (e) {
      this.showError(`Could not load the game list: ${errorText(e)}`);
    }
    this.render(this.entries[0]?.key);
    if (this.entries.length === 0) this.showError('No games could be loaded (the built-in ROMs or the emulator core failed to load).');
  }

  onChange(fn: (g: GameEntry | null) => void): void {
    this.listeners.push(fn);
  }

  private render(selectKey?: string): void {
    const builtin = h('optgroup', { label: 'Built-in' });
    const loaded = h('optgroup', { label: 'Loaded ROMs' });
    for (const g of this.entries) {
      const opt = new Option(g.hasReward ? g.name : `${g.name} — no reward function`, g.key);
      (g.builtin ? builtin : loaded).append(opt);
    }
    this.select.replaceChildren(builtin, ...(loaded.children.length ? [loaded] : []));
    if (selectKey) this.select.value = selectKey;
    this.changed();
  }

  get current(): GameEntry | null {
    return this.entries.find((g) => g.key === this.select.value) ?? null;
  }

  /** Bytes of a loaded (not built-in) ROM with this md5, if the library has it. */
  romBytes(md5: string): Uint8Array | undefined {
    return this.entries.find((g) => !g.builtin && g.md5 === md5)?.bytes;
  }

  /** What a run needs to know about the current game, or null if it cannot be trained. */
  trainable(): { source: GameSource; name: string } | null {
    const g = this.current;
    if (!g || !g.hasReward) return null;
    if (g.builtin) return { source: { kind: 'builtin', id: g.key.slice('builtin:'.length) }, name: g.name.replace(/ \(built-in\)$/, '') };
    return { source: { kind: 'rom', bytes: g.bytes!, md5: g.md5, name: g.romId || g.name }, name: g.romId || g.name };
  }

  private changed(): void {
    const g = this.current;
    this.error.hidden = true;
    if (g) {
      this.info.textContent = '';
      this.info.append(
        `${g.romId || 'unknown ROM'} · ${g.size.toLocaleString()} bytes · ${g.scheme} · md5 `,
        h('code', { text: g.md5 }),
        ' · ',
        g.hasReward ? h('span', { class: 'ok', text: 'reward function: yes' }) : h('strong', { class: 'warn', text: 'not in the catalogue: no reward function, so it cannot be trained (you can still Play it)' }),
      );
      this.root.dataset['hasReward'] = String(g.hasReward);
    }
    for (const fn of this.listeners) fn(g);
  }

  private showError(text: string): void {
    this.error.textContent = text;
    this.error.hidden = false;
    this.log.add('error', text);
  }

  async load(file: File): Promise<void> {
    this.error.hidden = true;
    this.info.textContent = `Reading ${file.name}…`;
    try {
      const g = await this.library.add(file);
      this.entries = [...this.entries.filter((e) => e.key !== g.key), g];
      this.render(g.key);
      this.log.add(g.hasReward ? 'ok' : 'warn', g.hasReward
        ? `Loaded ${file.name}: ${g.romId} (md5 ${g.md5}), ready to train`
        : `Loaded ${file.name} (md5 ${g.md5}): not in the catalogue, no reward function, cannot be trained`);
    } catch (e) {
      this.changed();
      this.showError(e instanceof RomRejected ? e.message : `Could not load ${file.name}: ${errorText(e)}`);
    }
  }
}
