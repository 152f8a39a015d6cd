/*
 * The hyperparameter form: the algorithm (DQN or PQN, src/agent/algorithms.ts), then its fields,
 * each showing that algorithm's default (CleanRL names, src/agent/config.ts and pqn-config.ts;
 * run settings from src/run/config.ts, named by their RunConfig path), validated as the person
 * types (by the run config's own validator, so the page and the learner agree on what is valid
 * and on the bounds); every bad field is reported at once and marked on its own input, and the
 * Train button stays disabled while anything is invalid. Fields of the other algorithm are
 * hidden. Numbers are decimal only ("0x10", "1_000", "Infinity" are refused, not read as 16,
 * 1000, Infinity).
 */
import type { DQNConfig } from '../agent/config';
import { ALGORITHMS, defaultAgentConfig, type Algorithm } from '../agent/algorithms';
import type { PQNConfig } from '../agent/pqn-config';
import { RUN_DEFAULTS, RunConfigError, resolveRunConfig, type RunSettingsInput } from '../run/config';
import { NETWORKS } from '../run/presets';
import { replayMemoryNote, unusualSettings } from '../agent/unusual';

/** Network choices offered in the form ('tiny': the quick preset's, for slow machines). */
export const UI_NETWORKS: Record<string, DQNConfig['network']> = {
  nature: 'nature',
  small: 'small',
  tiny: NETWORKS.tiny,
};

/** The form's name for a network value ('' when it is none of UI_NETWORKS). */
function networkName(n: DQNConfig['network']): string {
  const j = JSON.stringify(n);
  return Object.keys(UI_NETWORKS).find((k) => JSON.stringify(UI_NETWORKS[k]) === j) ?? '';
}

/** Run settings (src/run/config.ts) the form shows next to the hyperparameters, by their RunConfig path. */
const RUN_FIELD_DEFAULTS = {
  eval_every: RUN_DEFAULTS.eval_every,
  'autosave.everySeconds': RUN_DEFAULTS.autosave.everySeconds,
  'retention.keepLast': RUN_DEFAULTS.retention.keepLast,
  'retention.keepBest': RUN_DEFAULTS.retention.keepBest,
} as const;
type RunFieldKey = keyof typeof RUN_FIELD_DEFAULTS;
type FieldKey = keyof DQNConfig | keyof PQNConfig | RunFieldKey;

type FieldKind = 'int' | 'float' | 'float-or-none' | 'bool' | 'choice';
interface FieldDef {
  key: FieldKey;
  kind: FieldKind;
  help: string;
  choices?: string[];
}

const isRunField = (k: FieldKey): k is RunFieldKey => k in RUN_FIELD_DEFAULTS;
/** Whether algorithm `a` has field k (run settings: every algorithm). */
const hasField = (k: FieldKey, a: Algorithm): boolean => isRunField(k) || k in defaultAgentConfig(a);
const defaultOf = (k: FieldKey, a: Algorithm): unknown => (isRunField(k) ? RUN_FIELD_DEFAULTS[k] : (defaultAgentConfig(a) as unknown as Record<string, unknown>)[k]);

const FIELDS: FieldDef[] = [
  { key: 'network', kind: 'choice', choices: Object.keys(UI_NETWORKS), help: 'Q-network: Nature DQN, the smaller 2013 net, or a tiny net for quick checks' },
  { key: 'learning_rate', kind: 'float', help: 'Adam step size' },
  { key: 'gamma', kind: 'float', help: 'discount factor, 0..1' },
  { key: 'batch_size', kind: 'int', help: 'transitions per gradient step' },
  { key: 'buffer_size', kind: 'int', help: 'replay capacity requested (capped by memory)' },
  { key: 'learning_starts', kind: 'int', help: 'agent steps of random play before learning' },
  { key: 'train_frequency', kind: 'int', help: 'agent steps per gradient step' },
  { key: 'target_network_frequency', kind: 'int', help: 'gradient steps between target-network copies' },
  { key: 'start_e', kind: 'float', help: 'initial exploration epsilon' },
  { key: 'end_e', kind: 'float', help: 'final exploration epsilon' },
  { key: 'exploration_fraction', kind: 'float', help: 'fraction of total steps over which epsilon decays' },
  { key: 'total_timesteps', kind: 'int', help: 'agent steps of the whole run' },
  { key: 'n_step', kind: 'int', help: 'n-step returns (1 = plain DQN)' },
  { key: 'loss', kind: 'choice', choices: ['mse', 'huber'], help: 'TD loss' },
  { key: 'double_q', kind: 'bool', help: 'Double DQN target' },
  { key: 'dueling', kind: 'bool', help: 'dueling head' },
  { key: 'prioritized_replay', kind: 'bool', help: 'prioritized experience replay' },
  { key: 'max_grad_norm', kind: 'float-or-none', help: 'clip the global gradient norm (none = no clipping)' },
  { key: 'num_steps', kind: 'int', help: 'PQN: steps per env in each rollout' },
  { key: 'num_minibatches', kind: 'int', help: 'PQN: minibatches per epoch over the rollout' },
  { key: 'update_epochs', kind: 'int', help: 'PQN: epochs over each rollout' },
  { key: 'q_lambda', kind: 'float', help: 'PQN: lambda of the Q(lambda) targets, 0..1' },
  { key: 'anneal_lr', kind: 'bool', help: 'PQN: learning rate decays linearly to 0 over the run' },
  { key: 'eval_every', kind: 'int', help: 'agent steps between evaluations (0 = never)' },
  { key: 'eval_episodes', kind: 'int', help: 'greedy episodes per evaluation' },
  { key: 'eval_epsilon', kind: 'float', help: 'epsilon of the evaluation episodes' },
  { key: 'autosave.everySeconds', kind: 'int', help: 'seconds of training between small crash-safety saves (0 = never)' },
  { key: 'retention.keepLast', kind: 'int', help: 'automatic saves kept per run (manual saves and imports are always kept)' },
  { key: 'retention.keepBest', kind: 'bool', help: 'also keep the automatic save with the best evaluation return' },
];

/** Decimal numbers only: digits, an optional point and exponent, an optional sign. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The form field a problem of resolveRunConfig() names (src/run/config.ts prefixes each with its field). */
function fieldOfProblem(p: string): FieldKey | 'seed' | null {
  if (/^(agent\.)?seed\b/.test(p)) return 'seed';
  for (const f of FIELDS) {
    if (p.startsWith(`agent.${f.key}:`) || p.startsWith(`${f.key} `) || p.startsWith(`${f.key}:`)) return f.key;
  }
  return null;
}

function defaultText(key: FieldKey, a: Algorithm): string {
  const v = defaultOf(key, a);
  if (key === 'network') return networkName(v as DQNConfig['network']) || String(v);
  return v === null ? 'none' : String(v);
}

/** What the form holds: the run settings it covers (algorithm, hyperparameters that differ from its defaults, seed, eval schedule, autosave, retention). */
export interface FormValues {
  algorithm: Algorithm;
  agent: Partial<DQNConfig> | Partial<PQNConfig>;
  seed: number;
  eval_every: number;
  autosave: { everySeconds: number };
  retention: { keepLast: number; keepBest: boolean };
}

export class HyperparamForm {
  readonly root: HTMLElement;
  private readonly inputs = new Map<FieldKey, HTMLInputElement | HTMLSelectElement>();
  private readonly errorBox: HTMLElement;
  private readonly listeners: Array<(valid: boolean) => void> = [];
  private readonly hints = new Map<FieldKey, HTMLElement>();
  private readonly wraps = new Map<FieldKey, HTMLElement>();
  readonly seed: HTMLInputElement;
  /** DQN or PQN; changing it shows that algorithm's fields at its defaults. */
  readonly algorithm: HTMLSelectElement;

  constructor(parent: HTMLElement) {
    this.root = document.createElement('details');
    this.root.className = 'hyper';
    const summary = document.createElement('summary');
    summary.textContent = 'Hyperparameters';
    this.root.append(summary);
    const grid = document.createElement('div');
    grid.className = 'hyper-grid';
    this.root.append(grid);

    // Seed lives outside the collapsible part: people change it often.
    const seedWrap = document.createElement('label');
    seedWrap.className = 'field';
    seedWrap.innerHTML = '<span>Seed</span>';
    this.seed = document.createElement('input');
    this.seed.type = 'number';
    this.seed.id = 'seed';
    this.seed.name = 'seed';
    this.seed.step = '1';
    this.seed.value = String(RUN_DEFAULTS.seed);
    this.seed.title = `random seed (default ${RUN_DEFAULTS.seed})`;
    seedWrap.append(this.seed);
    // The algorithm lives outside the collapsible part too: it decides which fields exist.
    const algWrap = document.createElement('label');
    algWrap.className = 'field';
    algWrap.innerHTML = '<span>Algorithm</span>';
    this.algorithm = document.createElement('select');
    this.algorithm.id = 'algorithm';
    this.algorithm.name = 'algorithm';
    for (const a of ALGORITHMS) this.algorithm.append(new Option(a === 'pqn' ? 'PQN (parallel envs, no replay)' : 'DQN (replay, target net)', a));
    this.algorithm.value = RUN_DEFAULTS.algorithm;
    this.algorithm.title = 'DQN (Mnih et al. 2015, CleanRL dqn_atari) or PQN (Gallici et al. 2025, CleanRL pqn_atari_envpool)';
    algWrap.append(this.algorithm);
    parent.append(seedWrap, algWrap);
    this.seed.addEventListener('input', () => this.validate());
    this.algorithm.addEventListener('change', () => this.reset());

    for (const f of FIELDS) {
      const id = `hp-${f.key.replace('.', '-')}`;
      // The label holds only the name, so the accessible name is exactly the CleanRL name.
      const label = document.createElement('div');
      label.className = 'field';
      const name = document.createElement('label');
      name.htmlFor = id;
      name.textContent = f.key;
      label.append(name);
      let input: HTMLInputElement | HTMLSelectElement;
      if (f.kind === 'choice') {
        const sel = document.createElement('select');
        for (const c of f.choices!) sel.append(new Option(c, c));
        input = sel;
      } else if (f.kind === 'bool') {
        const cb = document.createElement('input');
        cb.type = 'checkbox';
        input = cb;
      } else {
        const inp = document.createElement('input');
        inp.type = 'text';
        inp.inputMode = f.kind === 'int' ? 'numeric' : f.kind === 'float-or-none' ? 'text' : 'decimal';
        inp.spellcheck = false;
        input = inp;
      }
      input.id = id;
      input.name = f.key;
      const hint = document.createElement('small');
      hint.id = `${id}-hint`;
      input.setAttribute('aria-describedby', hint.id);
      label.append(input, hint);
      grid.append(label);
      input.addEventListener('input', () => this.validate());
      input.addEventListener('change', () => this.validate());
      this.inputs.set(f.key, input);
      this.hints.set(f.key, hint);
      this.wraps.set(f.key, label);
    }
    this.showAlgorithmFields();
    const reset = document.createElement('button');
    reset.type = 'button';
    reset.textContent = 'Reset to defaults';
    reset.addEventListener('click', () => this.reset());
    this.errorBox = document.createElement('p');
    this.errorBox.className = 'field-error';
    this.errorBox.setAttribute('role', 'alert');
    this.errorBox.hidden = true;
    this.root.append(reset, this.errorBox);
    parent.append(this.root);
  }

  onValidity(fn: (valid: boolean) => void): void {
    this.listeners.push(fn);
  }

  private get alg(): Algorithm {
    return this.algorithm.value as Algorithm;
  }

  /** Shows the current algorithm's fields with its defaults (values, hints); hides the others. */
  private showAlgorithmFields(): void {
    const a = this.alg;
    const help = new Map(FIELDS.map((f) => [f.key, f.help]));
    for (const [k, input] of this.inputs) {
      const on = hasField(k, a);
      this.wraps.get(k)!.hidden = !on;
      input.disabled = !on;
      if (!on) continue;
      input.dataset['default'] = defaultText(k, a);
      this.hints.get(k)!.textContent = `default ${defaultText(k, a)} · ${help.get(k)}`;
      if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = Boolean(defaultOf(k, a));
      else input.value = input.dataset['default'];
    }
  }

  /** Whether every shown field still holds its default (nothing typed or preset). */
  isDefault(): boolean {
    for (const [k, input] of this.inputs) {
      if (input.disabled) continue;
      const v = input instanceof HTMLInputElement && input.type === 'checkbox' ? String(input.checked) : input.value;
      const d = input instanceof HTMLInputElement && input.type === 'checkbox' ? String(Boolean(defaultOf(k, this.alg))) : input.dataset['default'];
      if (v !== d) return false;
    }
    return true;
  }

  /** Every field back to the current algorithm's defaults. */
  reset(): void {
    this.showAlgorithmFields();
    this.validate();
  }

  /**
   * Sets the fields a preset names (src/run/presets.ts): its hyperparameters and the run
   * settings the form shows; a field of the preset the form cannot show throws.
   */
  set(preset: RunSettingsInput): void {
    this.algorithm.value = preset.algorithm ?? RUN_DEFAULTS.algorithm;
    this.showAlgorithmFields();
    const values: Array<[string, unknown]> = [...Object.entries(preset.agent ?? {})];
    if (preset.eval_every !== undefined) values.push(['eval_every', preset.eval_every]);
    for (const [k, v] of Object.entries(preset.autosave ?? {})) values.push([`autosave.${k}`, v]);
    for (const [k, v] of Object.entries(preset.retention ?? {})) values.push([`retention.${k}`, v]);
    for (const [k, v] of values) {
      const input = this.inputs.get(k as FieldKey);
      if (!input || !hasField(k as FieldKey, this.alg)) throw new Error(`no form field for ${k}`);
      if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = Boolean(v);
      else if (k === 'network') {
        const name = networkName(v as DQNConfig['network']);
        if (!name) throw new Error(`the form offers no network like ${JSON.stringify(v)}`);
        input.value = name;
      } else input.value = v === null ? 'none' : String(v);
    }
    this.validate();
  }

  /** The form checked as the learner will check it (checkForm). */
  check(): FormCheck {
    const raw: RawForm = { seed: this.seed.value };
    const algorithm = this.alg;
    for (const f of FIELDS) {
      if (!hasField(f.key, algorithm)) continue;
      const input = this.inputs.get(f.key)!;
      raw[f.key] = f.kind === 'bool' ? (input as HTMLInputElement).checked : input.value;
    }
    return checkForm(raw, algorithm);
  }

  /**
   * The form's values, parsed and checked as the learner will (checkForm); throws a FormError
   * listing every bad field, each with the field it belongs to.
   */
  read(): FormValues {
    const r = this.check();
    if (r.problems.length) throw new FormError(r.problems);
    return r.values!;
  }

  /**
   * Marks every problem on its input (aria-invalid, its message as aria-errormessage) and lists
   * them in the alert box; shows warnings and notes under their inputs without blocking Train.
   */
  validate(): boolean {
    for (const input of [...this.inputs.values(), this.seed]) {
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-errormessage');
      input.title = input === this.seed ? input.title : '';
    }
    for (const old of this.root.parentElement?.querySelectorAll('.field-msg, .field-warn, .field-note') ?? []) old.remove();
    let r: FormCheck;
    try {
      r = this.check();
    } catch (e) {
      r = { values: null, problems: [{ field: null, message: e instanceof Error ? e.message : String(e) }], warnings: [], notes: [] };
    }
    const ok = r.problems.length === 0;
    // Each message sits right under its own input; returns the input, or null for a problem no input owns.
    const place = (p: FieldProblem, cls: string, i: number, text = p.message): { input: HTMLElement; msg: HTMLElement } | null => {
      const input = p.field === 'seed' ? this.seed : p.field ? this.inputs.get(p.field) : undefined;
      if (!input) return null;
      const msg = document.createElement('small');
      msg.className = cls;
      msg.id = `${input.id}-${cls}-${i}`;
      msg.textContent = text;
      input.after(msg);
      return { input, msg };
    };
    for (const [i, p] of r.problems.entries()) {
      const at = place(p, 'field-msg', i);
      if (!at) continue;
      // A problem's message is its input's error message (aria-errormessage).
      at.input.setAttribute('aria-invalid', 'true');
      at.input.setAttribute('aria-errormessage', at.msg.id);
      if (p.field !== 'seed') (this.root as HTMLDetailsElement).open = true;
    }
    for (const [i, w] of r.warnings.entries()) place(w, 'field-warn', i, `Warning: ${w.message}`);
    for (const [i, n] of r.notes.entries()) place(n, 'field-note', i);
    if (ok) {
      this.errorBox.hidden = true;
      this.errorBox.textContent = '';
    } else {
      const problems = r.problems;
      this.errorBox.replaceChildren(
        document.createTextNode(problems.length === 1 ? 'Invalid setting: ' : `${problems.length} invalid settings: `),
        ...problems.map((p) => Object.assign(document.createElement('span'), { className: 'problem', textContent: `${p.message}. ` })));
      this.errorBox.hidden = false;
    }
    for (const fn of this.listeners) fn(ok);
    return ok;
  }
}

/** One bad field of the form (field null: a problem no single input owns). */
export interface FieldProblem {
  field: FieldKey | 'seed' | null;
  message: string;
}

/** Every problem of the form at once. */
export class FormError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'FormError';
  }
}

/**
 * What checkForm finds: the values (null while any problem remains), the problems (which block
 * Train), warnings for legal but unusual values (src/agent/unusual.ts; they do not block) and
 * notes (the memory buffer_size asks for). Warnings and notes are computed only once the form
 * has no problems.
 */
export interface FormCheck {
  values: FormValues | null;
  problems: FieldProblem[];
  warnings: FieldProblem[];
  notes: FieldProblem[];
}

/** The form's raw contents: each field's text (checkboxes: checked), by field key, plus the seed. */
export type RawForm = Partial<Record<FieldKey | 'seed', string | boolean>>;

/**
 * Parses and checks the whole form at once (DOM-free, so it is unit-tested): decimal numbers
 * only, then the run config's own validator (resolveRunConfig: the bounds of src/agent/config.ts
 * and src/run/config.ts). Every problem comes back with its field; values only when there are none.
 */
export function checkForm(raw: RawForm, algorithm: Algorithm = RUN_DEFAULTS.algorithm, deviceMemoryBytes?: number): FormCheck {
  const problems: FieldProblem[] = [];
  const agent: Record<string, unknown> = {};
  const run: Record<string, unknown> = { ...RUN_FIELD_DEFAULTS };
  for (const f of FIELDS) {
    if (!hasField(f.key, algorithm)) continue;
    const given = raw[f.key];
    let v: unknown;
    if (f.kind === 'bool') v = given === undefined ? defaultOf(f.key, algorithm) : Boolean(given);
    else if (f.kind === 'choice') {
      const name = String(given ?? defaultText(f.key, algorithm));
      v = f.key === 'network' ? UI_NETWORKS[name] : name;
    } else {
      const t = String(given ?? defaultText(f.key, algorithm)).trim();
      if (f.kind === 'float-or-none' && (t === '' || t.toLowerCase() === 'none')) v = null;
      else if (!DECIMAL.test(t)) { problems.push({ field: f.key, message: `${f.key}: "${t}" is not a decimal number (e.g. 0.0001 or 1e-4)` }); continue; }
      else {
        const n = Number(t);
        if (!Number.isFinite(n)) { problems.push({ field: f.key, message: `${f.key}: ${t} is too large` }); continue; }
        if (f.kind === 'int' && !Number.isInteger(n)) { problems.push({ field: f.key, message: `${f.key} must be a whole number, got ${t}` }); continue; }
        v = n;
      }
    }
    if (isRunField(f.key)) run[f.key] = v;
    else if (JSON.stringify(v) !== JSON.stringify(defaultOf(f.key, algorithm))) agent[f.key] = v;
  }
  const seedText = String(raw.seed ?? RUN_DEFAULTS.seed).trim();
  let seed = RUN_DEFAULTS.seed;
  if (!DECIMAL.test(seedText) || !Number.isInteger(Number(seedText))) problems.push({ field: 'seed', message: `seed must be a whole number, got "${seedText}"` });
  else seed = Number(seedText);
  const values: FormValues = {
    algorithm, agent: agent as FormValues['agent'], seed, eval_every: run['eval_every'] as number,
    autosave: { everySeconds: run['autosave.everySeconds'] as number },
    retention: { keepLast: run['retention.keepLast'] as number, keepBest: run['retention.keepBest'] as boolean },
  };
  const warnings: FieldProblem[] = [];
  const notes: FieldProblem[] = [];
  try {
    // The learner resolves the same way (with the real game); a placeholder md5 checks the rest.
    const rc = resolveRunConfig(values, { md5: '0'.repeat(32) });
    if (!problems.length) {
      for (const w of unusualSettings(rc.agent)) warnings.push({ field: w.field as FieldKey, message: w.message });
      if (algorithm === 'dqn') notes.push({ field: 'buffer_size', message: replayMemoryNote(rc.agent as DQNConfig, deviceMemoryBytes).message });
    }
  } catch (e) {
    if (!(e instanceof RunConfigError)) throw e;
    for (const p of e.problems) {
      const field = fieldOfProblem(p);
      // One message per field: a field that did not parse was reported by the parser, and the
      // run-level and agent-level checks of the seed say the same thing.
      if (field && problems.some((q) => q.field === field)) continue;
      problems.push({ field, message: p.replace(/^agent\.[a-z_]+: /, '') });
    }
  }
  return { values: problems.length ? null : values, problems, warnings, notes };
}
