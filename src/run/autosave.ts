/**
 * The run's side of "nothing lost" that is not a save itself (the saves are the checkpoint
 * manager's: src/checkpoint/manager.ts): whether the run is training, kept in its run record so
 * that a page reopened after a reload, a crash or a killed browser offers to resume it, and the
 * store's automatic prunes of this run's checkpoints, forwarded as events so Activity says each.
 * Kept out of controller.ts so the loop's file only calls in at start, stop and close.
 */
import { prunedText, type CheckpointStore } from '../checkpoint/store';
import type { RunEvent } from './types';

export class RunPersistence {
  private training: boolean | null = null;
  /** Marker writes in call order (a quick start/pause must not land as pause/start). */
  private writes: Promise<void> = Promise.resolve();
  private readonly offPruned: () => void;

  constructor(private readonly store: CheckpointStore, private readonly runId: string, emit: (e: RunEvent) => void) {
    this.offPruned = store.onPruned((p) => {
      if (p.runId === runId) emit({ kind: 'pruned', runId, checkpointId: p.id, reason: p.reason, agentSteps: p.agentSteps, message: prunedText(p) });
    });
  }

  /**
   * The loop started (true), or stopped because the user paused or closed the run or it
   * finished (false). A stop by a crash never gets here, which is the point.
   */
  setTraining(on: boolean): Promise<void> {
    if (this.training === on) return this.writes;
    this.training = on;
    const since = on ? Date.now() : null;
    // A failed marker write costs only the resume offer, never training: reported nowhere.
    this.writes = this.writes.then(() => this.store.setTraining(this.runId, since)).catch(() => undefined);
    return this.writes;
  }

  dispose(): void {
    this.offPruned();
  }
}
