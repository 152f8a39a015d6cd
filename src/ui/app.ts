/*
 * The playground page: new-run setup (game, mode, seed, hyperparameters, Train, Play), the run
 * cards side by side, checkpoints, speed demo and the activity log. Everything training-related
 * goes through the RunService (src/run/types.ts); this file only wires UI pieces together.
 */
import './playground.css';
import { PQN_PRESET, PQN_SINGLE_ENVS, QUICK_PRESET } from '../run/presets';
import type { PQNConfig } from '../agent/pqn-config';
import { MAX_OPEN_RUNS, type CheckpointInfo, type RunMode, type RunService } from '../run/types';
import type { FaultKind } from '../run/types';
import { AUTO_RECOVER_MAX, AUTO_RECOVER_WINDOW_MS } from '../run/failures';
import { MODE_BOUNDS } from '../run/config';
import { ActivityLog } from './activity';
import { CheckpointsPanel } from './checkpoints-panel';
import { button, errorText, fmtInt, h } from './dom';
import { FrameCanvas } from './frame-view';
import { GamePicker } from './game-picker';
import { HyperparamForm } from './hyperparams';
import { checkModeInputs } from './mode-check';
import type { Algorithm } from '../agent/algorithms';
import { PlaySession } from './play';
import { ResumeOffer } from './resume-offer';
import { RunCard } from './run-card';
import { runService } from './service';
import { SpeedDemoPanel } from './speed-demo';

export class Playground {
  readonly log: ActivityLog;
  readonly picker: GamePicker;
  readonly form: HyperparamForm;
  readonly checkpoints: CheckpointsPanel;
  readonly speed: SpeedDemoPanel;
  readonly resumeOffer: ResumeOffer;
  readonly cards: RunCard[] = [];
  private readonly runsBox: HTMLElement;
  /** When the page reopened each run by itself after a lost GPU device (countAutoRecovery). */
  private readonly autoRecoveries = new Map<string, number[]>();
  private readonly runsEmpty: HTMLElement;
  private readonly trainBtn: HTMLButtonElement;
  private readonly trainMsg: HTMLElement;
  private readonly importModelBtn: HTMLButtonElement;
  private readonly play: PlaySession;
  private readonly playBtn: HTMLButtonElement;
  private readonly preview: FrameCanvas;
  private readonly playStatus: HTMLElement;
  private readonly mode: { single: HTMLInputElement; vec: HTMLInputElement; workers: HTMLInputElement; envs: HTMLInputElement };
  private formValid = true;
  private modeValid = true;
  private service: RunService | null = null;

  constructor(root: HTMLElement) {
    const side = h('div', { class: 'col-side' });
    const mainCol = h('div', { class: 'col-main' });
    const lower = h('div', { class: 'lower' });
    root.append(h('div', { class: 'layout' }, side, mainCol), lower);
    // The activity log is created first (everything reports to it) but placed at the bottom.
    this.log = new ActivityLog(lower);

    // ---- New run panel ----
    const setup = h('section', { class: 'panel setup', 'aria-labelledby': 'setup-h' }, h('h2', { id: 'setup-h', text: 'New run' }));
    side.append(setup);
    this.picker = new GamePicker(setup, this.log);

    this.preview = new FrameCanvas('Game screen (preview and Play)', 2, 'screen preview');
    this.preview.canvas.tabIndex = 0;
    this.playStatus = h('p', { class: 'muted small', id: 'play-status', 'aria-live': 'polite', text: 'Play: the game with your keyboard (arrows/WASD, Space).' });
    this.play = new PlaySession(this.preview, this.preview.canvas, (t) => { this.playStatus.textContent = t; this.syncPlay(); });
    this.playBtn = button('Play', () => void this.togglePlay(), { id: 'play', 'aria-pressed': 'false', title: 'Play the selected game yourself with the keyboard' });
    setup.append(h('div', { class: 'preview-box' }, this.preview.canvas, h('div', { class: 'row' }, this.playBtn), this.playStatus));

    const radio = (value: string, label: string) => {
      const r = h('input', { type: 'radio', name: 'new-mode', value, id: `new-mode-${value}` });
      return { r, l: h('label', { for: r.id, class: 'radio' }, r, ` ${label}`) };
    };
    const s = radio('single', 'Single'), v = radio('vectorized', 'Vectorized');
    s.r.checked = true;
    const cores = navigator.hardwareConcurrency || 2;
    const workers = h('input', { type: 'number', id: 'new-workers', min: MODE_BOUNDS.workers[0], max: MODE_BOUNDS.workers[1], value: Math.max(1, Math.min(4, cores - 1)), class: 'num' });
    const envs = h('input', { type: 'number', id: 'new-envs', min: MODE_BOUNDS.envs[0], max: MODE_BOUNDS.envs[1], value: 4, class: 'num' });
    this.mode = { single: s.r, vec: v.r, workers, envs };
    setup.append(h('fieldset', { class: 'mode', role: 'radiogroup', 'aria-label': 'Mode' },
      h('legend', { text: 'Mode' }), s.l, v.l,
      h('label', { for: workers.id, class: 'inline' }, 'workers ', workers),
      h('label', { for: envs.id, class: 'inline' }, '× envs ', envs)));

    const settings = h('div', { class: 'settings' });
    setup.append(settings);
    this.form = new HyperparamForm(settings);
    settings.append(button('Quick preset', () => { this.form.set(QUICK_PRESET); this.log.add('info', 'Quick preset (src/run/presets.ts): tiny network, 1,000-step warm-up, epsilon to 0.05 over 8k steps, 100k steps, 5 evaluation episodes every 5k steps'); }, { class: 'secondary', title: 'Tiny network and short warm-up: learns something within minutes on a weak machine' }));
    const pqnPreset = (why: string): void => {
      this.form.set(PQN_PRESET);
      if (s.r.checked) this.mode.envs.value = String(PQN_SINGLE_ENVS);
      this.validateMode();
      const a = PQN_PRESET.agent as Partial<PQNConfig>;
      this.log.add('info', `PQN preset (src/run/presets.ts)${why}: tiny network, ${a.num_steps}-step rollouts, ${a.update_epochs} epochs x ${a.num_minibatches} minibatches, lr ${a.learning_rate}, ` +
        `epsilon to ${a.end_e} over ${fmtInt(a.exploration_fraction! * a.total_timesteps!)} of ${fmtInt(a.total_timesteps!)} steps${s.r.checked ? `, ${PQN_SINGLE_ENVS} envs in the learner's thread` : ''}`);
    };
    settings.append(button('PQN preset', () => pqnPreset(''), { class: 'secondary', title: 'PQN for a machine with few cores: many envs, no replay, tiny network' }));
    // PQN is what vectorized mode is for: choosing vectorized with the form still at DQN's defaults picks the PQN preset.
    v.r.addEventListener('change', () => { if (v.r.checked && this.form.algorithm.value === 'dqn' && this.form.isDefault()) pqnPreset(', the default of vectorized runs'); });
    for (const el of [s.r, v.r, workers, envs, this.form.algorithm]) {
      el.addEventListener('input', () => this.validateMode());
      el.addEventListener('change', () => this.validateMode());
    }
    // The mode's check depends on the algorithm (and presets set both): re-check it with the form.
    this.form.onValidity((ok) => { this.formValid = ok; this.validateMode(); });

    this.trainBtn = button('Train', () => void this.train(), { id: 'train', class: 'primary' });
    this.trainMsg = h('p', { class: 'inline-msg', id: 'train-msg', role: 'status' });
    this.trainMsg.hidden = true;
    const modelFile = h('input', { type: 'file', accept: '.safetensors,application/octet-stream', id: 'model-file', class: 'visually-hidden', tabindex: -1, 'aria-hidden': 'true' });
    modelFile.addEventListener('change', () => {
      const f = modelFile.files?.[0];
      modelFile.value = '';
      if (f) void this.importModel(f);
    });
    this.importModelBtn = button('Import model…', () => modelFile.click(), {
      id: 'import-model', class: 'secondary',
      title: 'A .safetensors Q-network (CleanRL dqn_atari.py QNetwork names, e.g. from "Export model (PyTorch)") for the selected game: watch it or train it further as a new run' });
    setup.append(h('div', { class: 'row train-row' }, this.trainBtn, this.importModelBtn, modelFile), this.trainMsg);

    // ---- Runs ----
    this.runsEmpty = h('p', { class: 'muted', text: `No run yet: pick a game and press Train. Up to ${MAX_OPEN_RUNS} runs can train side by side.` });
    this.runsBox = h('div', { class: 'runs', id: 'runs' });
    mainCol.append(h('section', { class: 'runs-section', 'aria-labelledby': 'runs-h' }, h('h2', { id: 'runs-h', text: 'Runs' }), this.runsEmpty, this.runsBox));

    this.checkpoints = new CheckpointsPanel(mainCol, this.log, { resume: async (c) => { await this.resumeFrom(c); } });
    this.resumeOffer = new ResumeOffer(mainCol, this.log, { resume: async (c) => { await this.resumeFrom(c); } });
    this.speed = new SpeedDemoPanel(mainCol, this.log, () => this.getService(), () => this.picker.trainable());
    // Move the activity log next to the speed demo on wide screens.
    mainCol.append(this.log.root);

    this.picker.onChange((g) => {
      // An Atari ROM with the form untouched gets the preset that learns fastest on few cores.
      if (g && !g.builtin && this.form.algorithm.value === 'dqn' && this.form.isDefault()) pqnPreset(', the default for Atari ROMs');
      this.syncTrain();
      this.play.stop();
      this.syncPlay();
      if (g?.bytes) void this.play.preview(g.bytes).catch((e: unknown) => this.log.add('warn', `Preview failed: ${errorText(e)}`));
    });
  }

  async start(): Promise<void> {
    this.log.add('info', 'Arcade Lab ready. Pick a game, press Train.');
    await this.picker.init();
    // Training with progress past the last save: the browser asks before the page goes (its own
    // text). The timed saves bound what a "leave" loses; this is for the seconds in between.
    addEventListener('beforeunload', (e) => {
      if (!this.cards.some((c) => c.unsaved)) return;
      e.preventDefault();
      // Older Chromium shows the prompt only when returnValue is set as well.
      (e as unknown as { returnValue: unknown }).returnValue = true;
    });
    // Fault injection for e2e/faults.spec.ts only: absent unless the page is opened with
    // ?fault-injection (RunController.simulateFault on the i-th open run card).
    if (new URLSearchParams(location.search).has('fault-injection')) {
      (globalThis as unknown as { arcadeLabFaults: unknown }).arcadeLabFaults = {
        inject: async (kind: FaultKind, i = 0) => {
          const card = this.cards[i];
          if (!card) throw new Error(`no run card ${i}`);
          await (await this.getService()).run(card.runId).simulateFault(kind);
        },
      };
    }
    this.getService().then((s) => {
      this.checkpoints.setService(s);
      void this.resumeOffer.setService(s);
      // Closing or hiding the tab: every open run gets its fast save (RunController.pageHide).
      const withHook = s as RunService & { installPageHide?: () => void };
      if (withHook.installPageHide) withHook.installPageHide();
      else addEventListener('pagehide', () => { for (const c of this.cards) c.pageHide(); });
    }).catch((e: unknown) => {
      this.log.add('error', errorText(e));
      this.showTrainMsg('error', errorText(e));
    });
  }

  private getService(): Promise<RunService> {
    return runService().then((s) => (this.service = s));
  }

  private syncTrain(): void {
    const g = this.picker.current;
    const open = this.cards.length;
    let why = '';
    if (!g) why = 'Pick a game first.';
    else if (!g.hasReward) why = `${g.name} has no reward function, so it cannot be trained.`;
    else if (!this.formValid) why = 'Fix the invalid hyperparameter first.';
    else if (!this.modeValid) why = 'Fix the invalid mode first.';
    else if (open >= MAX_OPEN_RUNS) why = `${MAX_OPEN_RUNS} runs are open: close one to start another.`;
    this.trainBtn.disabled = why !== '';
    this.trainBtn.title = why || 'Start a new training run with these settings';
    this.importModelBtn.disabled = why !== '';
    this.speed.runButton.disabled = !g?.hasReward;
    this.runsEmpty.hidden = open > 0;
  }

  private syncPlay(): void {
    const playing = this.play.playing;
    this.playBtn.textContent = playing ? 'Stop playing' : 'Play';
    this.playBtn.setAttribute('aria-pressed', String(playing));
    this.playBtn.disabled = !this.picker.current?.bytes;
  }

  private async togglePlay(): Promise<void> {
    if (this.play.playing) {
      this.play.stop();
      this.playStatus.textContent = 'Play stopped.';
      this.syncPlay();
      return;
    }
    const g = this.picker.current;
    if (!g?.bytes) return;
    try {
      await this.play.start(g.bytes);
      this.log.add('info', `Playing ${g.name} with the keyboard (focus the screen; Esc stops)`);
    } catch (e) {
      this.log.add('error', `Play failed: ${errorText(e)}`);
    }
    this.syncPlay();
  }

  private showTrainMsg(level: 'error' | 'info', text: string): void {
    this.trainMsg.textContent = text;
    this.trainMsg.className = `inline-msg ${level === 'error' ? 'bad' : ''}`;
    this.trainMsg.setAttribute('role', level === 'error' ? 'alert' : 'status');
    this.trainMsg.hidden = false;
  }

  /** The mode inputs checked (checkModeInputs); throws with every problem. */
  private readMode(): RunMode {
    const r = this.checkMode();
    if (!r.mode) throw new Error(r.problems.map((p) => p.message).join('; '));
    return r.mode;
  }

  private checkMode(): ReturnType<typeof checkModeInputs> {
    return checkModeInputs({
      vectorized: this.mode.vec.checked, algorithm: this.form.algorithm.value as Algorithm,
      workers: this.mode.workers.value, envs: this.mode.envs.value,
    });
  }

  /** Marks each bad mode input with its message (as the hyperparameter form does) and keeps Train in step. */
  private validateMode(): void {
    const r = this.checkMode();
    for (const [field, input] of [['workers', this.mode.workers], ['envs', this.mode.envs]] as const) {
      const p = r.problems.find((q) => q.field === field);
      const id = `${input.id}-error`;
      document.getElementById(id)?.remove();
      if (!p) {
        input.removeAttribute('aria-invalid');
        input.removeAttribute('aria-errormessage');
        continue;
      }
      const msg = h('small', { class: 'field-msg', id, text: p.message });
      input.closest('fieldset')!.append(msg);
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-errormessage', id);
    }
    this.modeValid = r.problems.length === 0;
    this.syncTrain();
  }

  /** The new-run form's game, settings and mode; null (with the message shown) when one is missing or invalid. */
  private readNewRun(): { game: NonNullable<ReturnType<GamePicker['trainable']>>; values: ReturnType<HyperparamForm['read']>; mode: RunMode } | null {
    const game = this.picker.trainable();
    if (!game) return null;
    try {
      return { game, values: this.form.read(), mode: this.readMode() };
    } catch (e) {
      this.showTrainMsg('error', errorText(e));
      return null;
    }
  }

  async train(): Promise<void> {
    const form = this.readNewRun();
    if (!form) return;
    const { game, values, mode } = form;
    this.trainBtn.disabled = true;
    this.trainMsg.hidden = true;
    const name = `${game.name} #${this.cards.length + 1} (seed ${values.seed})`;
    this.log.add('info', `Creating ${values.algorithm.toUpperCase()} run ${name}: ${mode.kind === 'single' ? (mode.envs ?? 1) > 1 ? `${mode.envs} envs in the learner's thread` : 'single env' : `${mode.workers}×${mode.envsPerWorker} envs`}…`);
    let card: RunCard | null = null;
    try {
      const svc = await this.getService();
      const runId = await svc.createRun({ game: game.source, ...values, mode, name });
      card = this.addCard(svc, runId, name);
      card.root.scrollIntoView({ block: 'start', behavior: 'smooth' });
      await card.attach(false);
      await svc.run(runId).start();
      this.log.add('ok', `${name}: training started`);
      // Unusual but legal values (src/agent/unusual.ts) were shown on the form; the log keeps them with the run.
      for (const w of this.form.check().warnings) this.log.add('warn', `${name}: ${w.message}`);
    } catch (e) {
      this.showTrainMsg('error', `Could not start training: ${errorText(e)}`);
      this.log.add('error', `Could not start ${name}: ${errorText(e)}`);
      if (card) await card.close();
    } finally {
      this.syncTrain();
    }
  }

  /**
   * "Import model": a new run of the selected game with the page's settings, its nets loaded
   * from the file (its own network and frame stack when it names them). Created, not started:
   * the card offers Watch agent and Train. A refused file creates nothing and says why.
   */
  async importModel(f: File): Promise<void> {
    const form = this.readNewRun();
    if (!form) return;
    const { game, values, mode } = form;
    this.importModelBtn.disabled = true;
    this.trainMsg.hidden = true;
    const name = `${game.name} #${this.cards.length + 1} (model ${f.name})`;
    let card: RunCard | null = null;
    try {
      const bytes = new Uint8Array(await f.arrayBuffer());
      const svc = await this.getService();
      const runId = await svc.createRunFromModel({ game: game.source, ...values, mode, name }, bytes);
      card = this.addCard(svc, runId, name);
      card.root.scrollIntoView({ block: 'start', behavior: 'smooth' });
      await card.attach(false);
      this.showTrainMsg('info', `Imported ${f.name} for ${game.name}: press Watch agent to see it play, or Train to go on training.`);
      this.log.add('ok', `${name}: model loaded (${fmtInt(bytes.length)} bytes)`);
    } catch (e) {
      this.showTrainMsg('error', `Import of ${f.name} failed: ${errorText(e)}`);
      this.log.add('error', `Model import of ${f.name} failed: ${errorText(e)}`);
      if (card) await card.close();
    } finally {
      this.syncTrain();
    }
  }

  private addCard(svc: RunService, runId: string, name: string): RunCard {
    const card = new RunCard(this.runsBox, svc, runId, name, this.log, {
      onSaved: () => void this.checkpoints.refresh(),
      onClosed: (c) => {
        this.cards.splice(this.cards.indexOf(c), 1);
        this.syncTrain();
        void this.resumeOffer.refresh();
      },
      onRecover: async (c, auto) => {
        const latest = (await svc.listRuns()).find((r) => r.runId === c.runId)?.latest;
        if (!latest) throw new Error('this run has no checkpoint to resume from');
        if (auto) this.countAutoRecovery(c.runId);
        await c.close();
        const card = await this.resumeFrom(latest);
        if (!auto) return;
        // Say where it went: the new learner chose its backend afresh (the GPU again if it is back, else the next one).
        const b = (await svc.run(card.runId).snapshot()).backend;
        const text = 'Reopened by itself after the GPU device was lost: ' +
          `from the checkpoint at step ${fmtInt(latest.counters.agentSteps)}, now on ${b.name}` +
          (b.fallbackReasons.length ? ` (fallback: ${b.fallbackReasons.join('; ')})` : '') + '.';
        card.note(text);
        this.log.add('warn', `${card.title}: ${text}`);
      },
    });
    this.cards.push(card);
    this.syncTrain();
    return card;
  }

  /**
   * Counts a reopening the page does by itself (a lost GPU device); refuses past AUTO_RECOVER_MAX
   * within AUTO_RECOVER_WINDOW_MS, so a GPU that keeps failing leaves the choice to the person.
   */
  private countAutoRecovery(runId: string): void {
    const now = Date.now();
    const recent = (this.autoRecoveries.get(runId) ?? []).filter((t) => now - t < AUTO_RECOVER_WINDOW_MS);
    if (recent.length >= AUTO_RECOVER_MAX) {
      throw new Error(`the GPU device was lost ${recent.length + 1} times within ${AUTO_RECOVER_WINDOW_MS / 60_000} min, so the page stops reopening this run by itself: ` +
        'press "Resume from last save" when the GPU is stable again');
    }
    this.autoRecoveries.set(runId, [...recent, now]);
  }

  /** Opens a new card for the run of checkpoint `c`, reopened from it in a new learner, and starts it. */
  async resumeFrom(c: CheckpointInfo): Promise<RunCard> {
    if (this.cards.length >= MAX_OPEN_RUNS) throw new Error(`${MAX_OPEN_RUNS} runs are open: close one first.`);
    const open = this.cards.find((k) => k.runId === c.runId);
    if (open) throw new Error(`that run is open already ("${open.title}"): close it first to go back to this checkpoint`);
    const svc = await this.getService();
    this.log.add('info', `Resuming from the checkpoint at step ${fmtInt(c.counters.agentSteps)}…`);
    const runs = await svc.listRuns().catch(() => []);
    // A run of a loaded ROM needs its bytes again (built-in games are fetched by the worker).
    const md5 = runs.find((r) => r.runId === c.runId)?.gameMd5;
    const rom = md5 ? this.picker.romBytes(md5) : undefined;
    const resume = svc.resumeFromCheckpoint as (id: string, l?: undefined, o?: { rom?: Uint8Array }) => Promise<string>;
    const runId = await resume.call(svc, c.id, undefined, rom ? { rom } : {});
    const name = runs.find((r) => r.runId === runId)?.name ?? (await svc.listRuns().catch(() => [])).find((r) => r.runId === runId)?.name ?? `resumed ${runId}`;
    const card = this.addCard(svc, runId, name);
    card.root.scrollIntoView({ block: 'start', behavior: 'smooth' });
    try {
      await card.attach(true);
      await svc.run(runId).start();
      this.log.add('ok', `${name}: resumed at step ${fmtInt(c.counters.agentSteps)}`);
      void this.resumeOffer.refresh();
      return card;
    } catch (e) {
      await card.close();
      throw e;
    }
  }
}

export async function startPlayground(root: HTMLElement): Promise<Playground> {
  const p = new Playground(root);
  await p.start();
  return p;
}
