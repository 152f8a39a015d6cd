import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DQNAgent } from '../agent/agent';
import { CheckpointManager, onPageLifecycle } from './manager';
import { captureAgent } from './restore';
import type { CheckpointStore } from './store';
import { freshStore, makeAgent, quickConfig, runConfig, stepTo } from './test-helpers';

// Agents train on the tfjs cpu backend here: give slow, shared machines room (default 30 s).
vi.setConfig({ testTimeout: 180_000 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const cleanup: Array<() => void> = [];
afterEach(() => { for (const f of cleanup.splice(0)) f(); });

async function setup(policy: ConstructorParameters<typeof CheckpointManager>[3] = {}) {
  const cfg = quickConfig();
  const store: CheckpointStore = await freshStore({ partBytes: 2048 });
  const run = await store.createRun(runConfig(cfg));
  const agent: DQNAgent = makeAgent(cfg);
  cleanup.push(() => { store.close(); agent.dispose(); });
  const { agent: _a, ...r } = runConfig(cfg, 1, { retention: { keepLast: 10 } });
  const saved: number[] = [];
  const mgr = new CheckpointManager(store, run.runId, {
    capture: () => captureAgent(agent, { run: r, frames: agent.globalStep * 4 }),
    onSaved: (m) => saved.push(m.counters.agentSteps),
  }, policy);
  return { store, run, agent, mgr, saved };
}

describe('CheckpointManager', () => {
  it('autosaves every N agent steps (awaited between steps), not more often', async () => {
    const { agent, mgr, saved, store, run } = await setup({ everyAgentSteps: 50 });
    while (agent.globalStep < 230) {
      await agent.step();
      await mgr.maybeAutosave(agent.globalStep);
    }
    expect(saved).toEqual([50, 100, 150, 200]);
    const list = await store.listCheckpoints(run.runId);
    expect(list.every((m) => m.reason === 'auto' && m.hasReplay)).toBe(true);
  });

  it('page hide: no replay until a full save measured the write speed; then replay only if it fits the budget', async () => {
    const { agent, mgr } = await setup({ everyAgentSteps: 0, pageHideBudgetMs: 60_000 });
    await stepTo(agent, 40);
    const first = await mgr.saveForPageHide();
    expect(first!.hasReplay).toBe(false); // speed unknown: fast path
    expect(first!.reason).toBe('pagehide');
    await mgr.save('manual');
    expect(mgr.replayFitsPageHide()).toBe(true);
    expect((await mgr.saveForPageHide())!.hasReplay).toBe(true);
    mgr.policy.pageHideBudgetMs = 0;
    expect(mgr.replayFitsPageHide()).toBe(false);
    expect((await mgr.saveForPageHide())!.hasReplay).toBe(false);
  });

  it('one save at a time: a second request while saving shares the first', async () => {
    const { agent, mgr, saved } = await setup();
    await stepTo(agent, 30);
    const a = mgr.save('manual');
    const b = mgr.save('manual');
    expect(mgr.busy).toBe(true);
    expect(await b).toBe(await a);
    expect(saved.length).toBe(1);
    expect(await mgr.saveForPageHide()).not.toBeNull();
  });

  it('onPageLifecycle calls the handler on pagehide and on visibilitychange to hidden', () => {
    const listeners: Record<string, Array<() => void>> = {};
    const target = {
      addEventListener: (t: string, f: () => void) => { (listeners[t] ??= []).push(f); },
      removeEventListener: (t: string, f: () => void) => { listeners[t] = (listeners[t] ?? []).filter((x) => x !== f); },
    };
    const doc = { visibilityState: 'visible', ...target };
    (globalThis as { document?: unknown }).document = doc;
    try {
      const seen: string[] = [];
      const off = onPageLifecycle((w) => seen.push(w), target as never);
      listeners.pagehide.forEach((f) => f());
      listeners.visibilitychange.forEach((f) => f());
      doc.visibilityState = 'hidden';
      listeners.visibilitychange.forEach((f) => f());
      expect(seen).toEqual(['pagehide', 'hidden']);
      off();
      expect(listeners.pagehide.length + listeners.visibilitychange.length).toBe(0);
    } finally {
      delete (globalThis as { document?: unknown }).document;
    }
  });
});
