import type { AnyAgent } from '../agent/family';
import { RUN_DEFAULTS, checkMode, numEnvsOf, type AutosavePolicy, type RunMode } from '../run/config';
import type { CheckpointContent } from './codec';
import { CheckpointError } from './errors';
import { restoreAgent, saveAgent, type CaptureOptions, type EnvStateIO, type RestoreResult } from './restore';
import { ownBytesOf, type CheckpointStore } from './store';
import type { Manifest, SaveReason } from './types';

/**
 * When to save: every N agent steps ('auto', with the replay), every N seconds of training
 * ('timed': the small crash-safety save, the replay only when it fits the page-hide budget),
 * when the page is hidden or unloaded (fast path without the replay when it would not finish in
 * time), and on demand. The policy is the run config's
 * `autosave` (src/run/config.ts, where its defaults live); retention (keep last K + best) is the
 * run config's `retention`, applied by the store atomically with each save.
 */
export type { AutosavePolicy };

export interface ManagerHooks {
  /** Capture the run's current content (the manager calls it only between agent steps); evalReturn: the evaluation of exactly these weights, if the save follows one. */
  capture: (o: { evalReturn: number | null }) => Promise<CheckpointContent>;
  onSaved?: (m: Manifest, ms: number) => void;
  /** After each part a save writes: raw bytes done of the raw total (drives the UI's progress bar). */
  onProgress?: (reason: SaveReason, doneBytes: number, totalBytes: number) => void;
  onError?: (e: unknown) => void;
  /** Seconds of training so far (the clock of policy.everySeconds; absent: no timed saves). */
  trainingSeconds?: () => number;
}

/**
 * Write speed assumed before a save was timed (bytes per ms): 20 MB/s, under the 33-43 MB/s a
 * full save reached in Chromium on a loaded 2-core machine (README "Measured"), so the guess errs
 * towards leaving the replay out.
 */
export const ASSUMED_BYTES_PER_MS = 20_000;

/** Whether every online-network parameter is a finite number. */
export function finiteWeights(c: CheckpointContent): boolean {
  for (const w of c.agent.learner.online) for (let i = 0; i < w.length; i++) if (!Number.isFinite(w[i])) return false;
  return true;
}

export class CheckpointManager {
  readonly store: CheckpointStore;
  readonly runId: string;
  policy: AutosavePolicy;
  private readonly hooks: ManagerHooks;
  private lastSavedStep: number;
  private hasSaved: boolean;
  /** Training seconds at the last save; null until the first due() check arms the timer. */
  private lastSavedSec: number | null = null;
  /** Where the last failed automatic save was tried: the next try waits a whole interval (no retry every step). */
  private failedAt = { step: -Infinity, sec: -Infinity };
  private saving: Promise<Manifest> | null = null;
  /** Measured write speed of the last save (bytes per ms), for the "does the replay fit" decision. */
  private bytesPerMs: number | null = null;

  constructor(store: CheckpointStore, runId: string, hooks: ManagerHooks, policy: Partial<AutosavePolicy> = {}, lastSavedStep = 0, hasSaved = lastSavedStep > 0) {
    this.store = store;
    this.runId = runId;
    this.hooks = hooks;
    this.policy = { ...RUN_DEFAULTS.autosave, ...policy };
    this.lastSavedStep = lastSavedStep;
    this.hasSaved = hasSaved;
  }

  /** Agent steps of the last save this manager made or resumed from (null: none yet). */
  get lastSaved(): number | null {
    return this.hasSaved ? this.lastSavedStep : null;
  }

  get busy(): boolean {
    return this.saving !== null;
  }

  /** Which automatic save is due now, if any ('auto' wins when both are). Cheap: call it after every step. */
  due(agentSteps: number, trainingSec: number | null = null): 'auto' | 'timed' | null {
    if (this.saving) return null;
    const p = this.policy;
    if (p.everyAgentSteps > 0 && agentSteps - Math.max(this.lastSavedStep, this.failedAt.step) >= p.everyAgentSteps) return 'auto';
    if (trainingSec === null || !(p.everySeconds > 0)) return null;
    this.lastSavedSec ??= trainingSec;
    if (trainingSec - Math.max(this.lastSavedSec, this.failedAt.sec) >= p.everySeconds) return 'timed';
    return null;
  }

  /**
   * Call between agent steps: saves if an autosave interval passed (await it before stepping
   * on). A failed save throws; the next attempt waits a whole interval.
   */
  async maybeAutosave(agentSteps: number, trainingSec: number | null = null): Promise<Manifest | null> {
    const reason = this.due(agentSteps, trainingSec);
    if (!reason) return null;
    try {
      return await this.save(reason, reason === 'auto' ? true : 'if-fits');
    } catch (e) {
      this.failedAt = { step: agentSteps, sec: trainingSec ?? -Infinity };
      throw e;
    }
  }

  /**
   * Saves now (manual button, evaluation with its mean return, mode switch). includeReplay
   * 'if-fits': the replay only when writing it is expected to take at most pageHideBudgetMs
   * (replayFits).
   */
  save(reason: SaveReason, includeReplay: boolean | 'if-fits' = true, evalReturn: number | null = null): Promise<Manifest> {
    if (this.saving) return this.saving;
    const t0 = Date.now();
    const p = (async () => {
      const content = await this.hooks.capture({ evalReturn });
      // Diverged weights are not worth keeping, and an automatic save of them would rotate a good one out.
      if (!finiteWeights(content)) {
        throw new CheckpointError('non-finite', `not saved: the network's weights are not finite (NaN or Infinity: training diverged). ` +
          (this.hasSaved ? `The previous checkpoint (step ${this.lastSavedStep.toLocaleString('en-US')}) is intact.` : 'No earlier checkpoint exists.') +
          ' Resume from it with a lower learning_rate (or max_grad_norm set).');
      }
      const withReplay = includeReplay === 'if-fits' ? await this.replayFits(content) : includeReplay;
      const onProgress = this.hooks.onProgress ? (d: number, t: number) => this.hooks.onProgress!(reason, d, t) : undefined;
      const m = await this.store.save(this.runId, content, { reason, includeReplay: withReplay, onProgress });
      const ms = Math.max(1, Date.now() - t0);
      // Any save times the disk (a small one underestimates the speed: errs towards leaving the replay out).
      // Raw bytes this save wrote (not reused replay segments): replayFits() compares this speed
      // against the raw replay bytes a save would write.
      this.bytesPerMs = ownBytesOf(m).raw / ms;
      this.lastSavedStep = m.counters.agentSteps;
      this.hasSaved = true;
      const sec = this.hooks.trainingSeconds?.();
      if (sec !== undefined) this.lastSavedSec = sec;
      this.hooks.onSaved?.(m, ms);
      return m;
    })();
    this.saving = p;
    const clear = (): void => { if (this.saving === p) this.saving = null; };
    p.then(clear, clear);
    return p;
  }

  /**
   * Whether writing this content's replay should take at most pageHideBudgetMs, at the speed the
   * last save measured (before any: ASSUMED_BYTES_PER_MS). Early in a run the replay is small and
   * rides along, so a crash-safety or page-hide save resumes with it.
   */
  async replayFits(content: CheckpointContent): Promise<boolean> {
    // Only what a save would write now: replay segments of the previous save are reused.
    const bytes = await this.store.replayBytesToWrite(this.runId, content);
    return bytes / (this.bytesPerMs ?? ASSUMED_BYTES_PER_MS) <= this.policy.pageHideBudgetMs;
  }

  /** The page is going away or hidden: fast save (replay only if it fits the time budget). */
  async saveForPageHide(): Promise<Manifest | null> {
    if (this.saving) return null; // a save is already running; it commits or leaves the previous one
    try {
      return await this.save('pagehide', 'if-fits');
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
