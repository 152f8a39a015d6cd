/**
 * Test and measurement hooks of VecEnv (VecEnv.injectFault, VecEnv.pingMs): not used in
 * training. They only talk to a worker over its control channel.
 */
import type { FaultKind } from './worker-core';
import { now, type WorkerPool } from './worker-pool';

function slotOf(pool: WorkerPool, w: number) {
  const slot = pool.slots[w];
  if (!slot) throw new RangeError(`no worker ${w}`);
  return slot;
}

/** Makes worker `w` throw, hang or exit (now, or at its next step). */
export async function injectFault(pool: WorkerPool, w: number, kind: FaultKind, when: 'now' | 'nextStep'): Promise<void> {
  const slot = slotOf(pool, w);
  const call = slot.api.injectFault(kind, when);
  // A worker told to hang or exit now never answers.
  if (when === 'now' && kind !== 'throw') {
    call.catch(() => undefined);
    return;
  }
  await pool.control(slot, call, `env worker ${w} injectFault`).catch(() => undefined);
}

/** Round trip of an empty comlink call to worker `w` (ms). */
export async function pingMs(pool: WorkerPool, w: number): Promise<number> {
  const slot = slotOf(pool, w);
  const t = now();
  await pool.control(slot, slot.api.ping(), `env worker ${w} ping`);
  return now() - t;
}
