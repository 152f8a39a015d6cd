/**
 * The vitest prelude of the checkpoint store tests (store, replay-size, segments): agents train on
 * tfjs's cpu backend (slow on shared machines, hence the 180 s timeout), and every store and agent
 * a test opens is closed after it. Kept apart from test-helpers.ts, which tsx scripts import
 * (tools/python/make_fixture.ts) and so must not import vitest.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, vi } from 'vitest';
import type { DQNAgent } from '../agent/agent';
import type { CheckpointStore, StoreOptions } from './store';
import { freshStore, makeAgent } from './test-helpers';

export interface CheckpointTestKit {
  /** A fresh store with `defaults` under `o`, closed after the test. */
  store(o?: StoreOptions): Promise<CheckpointStore>;
  /** Closes `s` after the test (a store reopened by the test itself). */
  track<T extends { close(): void }>(s: T): T;
  /** makeAgent's agent, disposed after the test. */
  agent(...a: Parameters<typeof makeAgent>): DQNAgent;
}

export function checkpointTestPrelude(defaults: StoreOptions): CheckpointTestKit {
  vi.setConfig({ testTimeout: 180_000 });
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });
  const open: Array<{ close(): void }> = [];
  const agents: DQNAgent[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    for (const a of agents.splice(0)) a.dispose();
  });
  return {
    async store(o: StoreOptions = {}) {
      const s = await freshStore({ ...defaults, ...o });
      open.push(s);
      return s;
    },
    track(s) {
      open.push(s);
      return s;
    },
    agent(...a) {
      const x = makeAgent(...a);
      agents.push(x);
      return x;
    },
  };
}
