import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DQNAgent } from '../agent/agent';
import { CheckpointManager, onPageLifecycle } from './manager';
import { captureAgent } from './restore';
import { rawBytesOf, type CheckpointStore } from './store';
import { freshStore, makeAgent, quickConfig, runConfig, stepTo } from './test-helpers';

// Agents train on the tfjs cpu backend here: give slow, shared machines room (default 30 s).
vi.setConfig({ testTimeout: 180_000 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const cleanup: Array<() => void> = [];
afterEach(() => { for (const f of cleanup.splice(0)) f(); });

async function setup(policy: ConstructorParameters<typeof CheckpointManager>[3] = {}, clock?: { sec: number }) {
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
    ...(clock ? { trainingSeconds: () => clock.sec } : {}),
  }, policy);
  return { store, run, agent, mgr, saved };
}

describe('CheckpointManager', () => {
  it('reports a save\'s progress: raw bytes after each part, from 0 to the raw total', async () => {
    const cfg = quickConfig();
    const store = await freshStore({ partBytes: 2048 });
    const run = await store.createRun(runConfig(cfg));
    const agent = makeAgent(cfg);
    cleanup.push(() => { store.close(); agent.dispose(); });
    await stepTo(agent, 60);
    const { agent: _a, ...r } = runConfig(cfg);
    const seen: Array<[string, number, number]> = [];
    const mgr = new CheckpointManager(store, run.runId, {
      capture: () => captureAgent(agent, { run: r, frames: 240 }),
      onProgress: (reason, d, t) => seen.push([reason, d, t]),
    });
    const m = await mgr.save('manual');
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[0]).toEqual(['manual', 0, rawBytesOf(m)]);
    expect(seen[seen.length - 1]).toEqual(['manual', rawBytesOf(m), rawBytesOf(m)]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][1]).toBeGreaterThanOrEqual(seen[i - 1][1]);
  });

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

  it('page hide: the replay only when writing it fits the time budget (at the measured speed, or the assumed one before any save)', async () => {
    const { agent, mgr } = await setup({ everyAgentSteps: 0, pageHideBudgetMs: 60_000 });
    await stepTo(agent, 40);
    const first = await mgr.saveForPageHide();
    expect(first!.reason).toBe('pagehide');
    expect(first!.hasReplay).toBe(true); // a few KB: fits 60 s even at the assumed speed
    mgr.policy.pageHideBudgetMs = 0;
    expect((await mgr.saveForPageHide())!.hasReplay).toBe(false);
  });

  it('timed saves every N seconds of training (a fake clock): the replay only if it fits the budget; any save restarts the timer', async () => {
    const clock = { sec: 100 };
    const { agent, mgr, store, run } = await setup({ everyAgentSteps: 0, everySeconds: 30, pageHideBudgetMs: 60_000 }, clock);
    await stepTo(agent, 20);
    expect(mgr.due(agent.globalStep, clock.sec)).toBeNull(); // the first check arms the timer
    clock.sec = 129;
    expect(await mgr.maybeAutosave(agent.globalStep, clock.sec)).toBeNull();
    clock.sec = 130;
    const t1 = await mgr.maybeAutosave(agent.globalStep, clock.sec);
    expect(t1).toMatchObject({ reason: 'timed', hasReplay: true }); // the small replay fits the 60 s budget
    clock.sec = 150;
    await mgr.save('manual'); // restarts the timer
    clock.sec = 175;
    expect(mgr.due(agent.globalStep, clock.sec)).toBeNull();
    clock.sec = 180;
    mgr.policy.pageHideBudgetMs = 0;
    const t2 = await mgr.maybeAutosave(agent.globalStep, clock.sec);
    expect(t2).toMatchObject({ reason: 'timed', hasReplay: false }); // the replay does not fit 0 ms: weights, counters, env states only
    // The timed save before the manual one was superseded; the manual one stays.
    expect((await store.listCheckpoints(run.runId)).map((m) => m.reason)).toEqual(['timed', 'manual']);
  });

  it('a failed automatic save is retried after a whole interval, not at every step', async () => {
    const clock = { sec: 0 };
    const { agent, mgr } = await setup({ everyAgentSteps: 0, everySeconds: 10 }, clock);
    let fail = true;
    const orig = mgr.store.save.bind(mgr.store);
    mgr.store.save = (...a: Parameters<typeof orig>) => (fail ? Promise.reject(new Error('disk on fire')) : orig(...a));
    await stepTo(agent, 10);
    mgr.due(agent.globalStep, clock.sec);
    clock.sec = 10;
    await expect(mgr.maybeAutosave(agent.globalStep, clock.sec)).rejects.toThrow('disk on fire');
    clock.sec = 15;
    expect(mgr.due(agent.globalStep, clock.sec)).toBeNull();
    fail = false;
    clock.sec = 20;
    expect(await mgr.maybeAutosave(agent.globalStep, clock.sec)).toMatchObject({ reason: 'timed' });
  });

  it('diverged weights (NaN) are never saved: the previous checkpoint stays the latest', async () => {
    const { agent, mgr, store, run } = await setup();
    await stepTo(agent, 20);
    const good = await mgr.save('manual');
    const capture = (mgr as unknown as { hooks: { capture: (o: { evalReturn: number | null }) => Promise<{ agent: { learner: { online: Float32Array[] } } }> } }).hooks;
    const orig = capture.capture;
    capture.capture = async (o) => { const c = await orig(o); c.agent.learner.online[0][3] = NaN; return c; };
    await expect(mgr.save('auto')).rejects.toMatchObject({ code: 'non-finite', message: expect.stringMatching(/^not saved: the network's weights are not finite .* The previous checkpoint \(step 20\) is intact\./) });
    expect((await store.listCheckpoints(run.runId)).map((m) => m.id)).toEqual([good.id]);
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
