import type { AnyAgent } from '../agent/family';
import { RUN_DEFAULTS, checkMode, numEnvsOf, type AutosavePolicy, type RunMode } from '../run/config';
import type { CheckpointContent } from './codec';
import { CheckpointError } from './errors';
import { restoreAgent, saveAgent, type CaptureOptions, type EnvStateIO, type RestoreResult } from './restore';
import type { CheckpointStore } from './store';
import type { Manifest, SaveReason } from './types';

/**
 * When to save: every N agent steps, when the page is hidden or unloaded (fast path without the
 * replay when it would not finish in time), and on demand. The policy is the run config's
 * `autosave` (src/run/config.ts, where its defaults live); retention (keep last K + best) is the
 * run config's `retention`, applied by the store atomically with each save.
 */
export type { AutosavePolicy };

export interface ManagerHooks {
  /** Capture the run's current content (the manager calls it only between agent steps); evalReturn: the evaluation of exactly these weights, if the save follows one. */
  capture: (o: { evalReturn: number | null }) => Promise<CheckpointContent>;
  onSaved?: (m: Manifest, ms: number) => void;
  onError?: (e: unknown) => void;
}

export class CheckpointManager {
  readonly store: CheckpointStore;
  readonly runId: string;
  policy: AutosavePolicy;
  private readonly hooks: ManagerHooks;
  private lastSavedStep: number;
  private saving: Promise<Manifest> | null = null;
  /** Measured write speed of full saves (bytes per ms), for the page-hide decision. */
  private bytesPerMs: number | null = null;
  private lastReplayBytes = 0;

  constructor(store: CheckpointStore, runId: string, hooks: ManagerHooks, policy: Partial<AutosavePolicy> = {}, lastSavedStep = 0) {
    this.store = store;
    this.runId = runId;
    this.hooks = hooks;
    this.policy = { ...RUN_DEFAULTS.autosave, ...policy };
    this.lastSavedStep = lastSavedStep;
  }

  get busy(): boolean {
    return this.saving !== null;
  }

  /** Call between agent steps: saves if the autosave interval passed (await it before stepping on). */
  async maybeAutosave(agentSteps: number): Promise<Manifest | null> {
    const every = this.policy.everyAgentSteps;
    if (!(every > 0) || agentSteps - this.lastSavedStep < every || this.saving) return null;
    return this.save('auto', true);
  }

  /** Saves now (manual button, evaluation with its mean return, mode switch). */
  save(reason: SaveReason, includeReplay = true, evalReturn: number | null = null): Promise<Manifest> {
    if (this.saving) return this.saving;
    const t0 = Date.now();
    const p = (async () => {
      const content = await this.hooks.capture({ evalReturn });
      const m = await this.store.save(this.runId, content, { reason, includeReplay });
      const ms = Math.max(1, Date.now() - t0);
      if (includeReplay) {
        this.bytesPerMs = m.totalBytes / ms;
        this.lastReplayBytes = m.arrays.filter((a) => a.name.startsWith('replay/')).reduce((s, a) => s + a.byteLength, 0);
      }
      this.lastSavedStep = m.counters.agentSteps;
      this.hooks.onSaved?.(m, ms);
      return m;
    })();
    this.saving = p;
    const clear = (): void => { if (this.saving === p) this.saving = null; };
    p.then(clear, clear);
    return p;
  }

  /** Whether a page-hide save should carry the replay (known to finish within the budget). */
  replayFitsPageHide(): boolean {
    if (this.bytesPerMs === null) return false;
    return this.lastReplayBytes / this.bytesPerMs <= this.policy.pageHideBudgetMs;
  }

  /** The page is going away or hidden: fast save (replay only if it fits the time budget). */
  async saveForPageHide(): Promise<Manifest | null> {
    if (this.saving) return null; // a save is already running; it commits or leaves the previous one
    try {
      return await this.save('pagehide', this.replayFitsPageHide());
    } catch (e) {
      this.hooks.onError?.(e);
      return null;
    }
  }
}

/**
 * Page lifecycle wiring (call in the page; the handler typically posts to the learner worker,
 * which calls manager.saveForPageHide()). Returns a function that removes the listeners.
 */
export function onPageLifecycle(handler: (why: 'pagehide' | 'hidden') => void, target: { addEventListener: typeof addEventListener; removeEventListener: typeof removeEventListener } | null = (globalThis as unknown as Window).addEventListener ? (globalThis as unknown as Window) : null): () => void {
  if (!target) return () => undefined;
  const doc = (globalThis as { document?: Document }).document;
  const onHide = (): void => handler('pagehide');
  const onVis = (): void => { if (doc?.visibilityState === 'hidden') handler('hidden'); };
  target.addEventListener('pagehide', onHide);
  doc?.addEventListener('visibilitychange', onVis);
  return () => {
    target.removeEventListener('pagehide', onHide);
    doc?.removeEventListener('visibilitychange', onVis);
  };
}

export interface SwitchModeOptions<A extends AnyAgent = AnyAgent> {
  store: CheckpointStore;
  runId: string;
  agent: A;
  /** What to capture from the old run (its mode is the OLD one). */
  capture: CaptureOptions;
  /** Ends the old envs (called after the save, before building the new ones). */
  closeOldEnvs: () => Promise<void> | void;
  mode: RunMode;
  /** Builds the new envs and a fresh agent for `cfg` (num_envs = numEnvsOf(mode)), with this replay capacity. */
  build: (cfg: A['cfg'], mode: RunMode, capacity: number) => Promise<{ agent: A; envs?: EnvStateIO | null }>;
}

/**
 * Moves a running run between env layouts (single env <-> vectorized, any W x K): save a full
 * checkpoint, close the old envs, build new ones and a new agent, restore. Counters, replay
 * (redistributed over the new env streams), weights, optimizer, RNG and metrics continue; the
 * episodes that were running are ended (the new envs start new ones).
 */
export async function switchMode<A extends AnyAgent>(o: SwitchModeOptions<A>): Promise<{ agent: A; saved: Manifest; restored: RestoreResult }> {
  let mode: RunMode;
  try {
    mode = checkMode(o.mode);
  } catch (e) {
    throw new CheckpointError('incompatible', (e as Error).message);
  }
  const saved = await saveAgent(o.store, o.runId, o.agent, { ...o.capture, reason: 'mode-switch', includeReplay: true });
  const capacity = o.agent.capacity.capacity;
  const cfg = { ...o.agent.cfg, num_envs: numEnvsOf(mode) } as A['cfg'];
  o.agent.dispose();
  await o.closeOldEnvs();
  const built = await o.build(cfg, mode, capacity);
  const restored = await restoreAgent(o.store, saved.id, built.agent, { envs: built.envs ?? null });
  return { agent: built.agent, saved, restored };
}
