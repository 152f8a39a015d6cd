/**
 * Harness page for e2e/run.spec.ts and the Chromium benches: exposes window.runHarness, whose
 * functions drive the run layer (RunClient -> learner worker -> env workers) like the UI does.
 */
import { RunClient } from '../../src/run/client';
import { readFrame } from '../../src/run/frames';
import { NETWORKS, QUICK_PRESET } from '../../src/run/presets';
import { frameEnvSlot, type BackendName, type GameSource, type GpuFault, type MetricsSnapshot, type RunEvent, type RunMode } from '../../src/run/types';

/** The quick preset with the tests' tiny net and short warm-up; a small replay (the default
 *  sizes it from device memory, and every save/export writes the rows filled). */
const TINY = { ...QUICK_PRESET.agent, network: NETWORKS.smoke, learning_starts: 64, buffer_size: 5000 };

function game(rom: number[] | null): GameSource {
  return rom ? { kind: 'rom', bytes: Uint8Array.from(rom), md5: '', name: 'fallback' } : { kind: 'builtin', id: 'catch' };
}

async function waitSteps(lab: RunClient, id: string, steps: number, timeoutMs: number): Promise<MetricsSnapshot> {
  const run = lab.run(id);
  const t0 = performance.now();
  for (;;) {
    const s = await run.snapshot();
    if (s.state === 'error') throw new Error('run stopped with an error');
    if (s.counters.agentSteps >= steps) return s;
    if (performance.now() - t0 > timeoutMs) throw new Error(`run stuck at ${s.counters.agentSteps} < ${steps} steps (state ${s.state})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const harness = {
  crossOriginIsolated: () => Promise.resolve(globalThis.crossOriginIsolated),

  async backend(order?: BackendName[]) {
    const lab = new RunClient({ backends: order });
    try {
      return await lab.probeBackend();
    } finally {
      await lab.dispose();
    }
  },

  /** Single mode -> vectorized 2x2 mid-run; returns what the test checks. */
  async trainAndSwitch(rom: number[] | null, singleSteps: number, moreSteps: number, backends?: BackendName[]) {
    const lab = new RunClient({ backends });
    const events: RunEvent[] = [];
    const metrics: MetricsSnapshot[] = [];
    try {
      const id = await lab.createRun({ game: game(rom), agent: TINY, env: { noopMax: 5 }, mode: { kind: 'single' }, seed: 5 },
        { onEvent: (e) => { events.push(e); }, onMetrics: (m) => { metrics.push(m); } });
      const run = lab.run(id);
      await run.start();
      await waitSteps(lab, id, singleSteps, 180_000);
      await run.pause();
      const a = await run.snapshot();
      const wA = await run.weightsDigest();
      // Live frame of the single env: the palette-index screen.
      await run.setViewEnv(0);
      const fs = await run.frames();
      const f1 = readFrame(fs.buffer, 0, () => undefined);
      const mode: RunMode = { kind: 'vectorized', workers: 2, envsPerWorker: 2 };
      await run.switchMode(mode);
      const b = await run.snapshot();
      const wB = await run.weightsDigest();
      await run.start();
      await waitSteps(lab, id, a.counters.agentSteps + moreSteps, 180_000);
      await run.pause();
      const c = await run.snapshot();
      await run.setViewEnv(3);
      const f2 = readFrame(fs.buffer, 0, () => undefined);
      // Every env's own slot (vectorized mode): which env it holds and how many pixels.
      const envFrames = [0, 1, 2, 3, 4].map((e) => {
        let pixels = 0;
        const f = readFrame(fs.buffer, 0, (px) => { pixels = px.length; }, frameEnvSlot(e));
        return f && { env: f.env, slot: f.slot, width: f.width, height: f.height, kind: f.kind, pixels };
      });
      const runs = await lab.listRuns();
      return {
        a, b, c, wA, wB, wC: await run.weightsDigest(), frame1: f1, frame2: f2, envFrames,
        events: events.map((e) => ({ ...e })),
        metricsCount: metrics.length,
        listed: runs.find((r) => r.runId === id) ?? null,
      };
    } finally {
      await lab.dispose();
    }
  },
};

const harness2 = {
  /**
   * A learner really on a GPU backend (`on`) loses it as a driver would make it (`how`: WebGPU
   * device.destroy() or an uncaptured error; WebGL: the context lost): the run stops with an
   * error, nothing is saved after it, and the last checkpoint resumes in a new learner on another
   * backend (`resumeOn`). Returns what the test checks (null backend: no such GPU backend here,
   * with the reasons).
   */
  async deviceLoss(resumeOn: BackendName[], on: BackendName = 'webgpu', how?: GpuFault) {
    const lab = new RunClient({ backends: [on] });
    const events: RunEvent[] = [];
    try {
      const id = await lab.createRun({ game: game(null), agent: TINY, env: { noopMax: 5 }, seed: 9, autosave: { everyAgentSteps: 100, everySeconds: 0 } },
        // Both callbacks: the learner calls each through the comlink proxy, and a missing one rejects and drops the listener.
        { onEvent: (e) => { events.push(e); }, onMetrics: () => undefined }).catch((e: Error) => e);
      if (id instanceof Error) return { backend: null, why: id.message };
      const run = lab.run(id);
      const before = await run.snapshot();
      await run.start();
      await waitSteps(lab, id, 230, 300_000);
      const savedBefore = (await lab.listCheckpoints(id)).map((c) => ({ id: c.id, steps: c.counters.agentSteps }));
      await run.simulateDeviceLoss(how);
      const t0 = performance.now();
      while (!events.some((e) => e.kind === 'state' && e.state === 'error') && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
      const lost = await run.snapshot().catch(() => null);
      await new Promise((r) => setTimeout(r, 2000)); // time for any (wrong) save after the loss
      const savedAfter = (await lab.listCheckpoints(id)).map((c) => ({ id: c.id, steps: c.counters.agentSteps }));
      await lab.closeRun(id);
      const latest = savedAfter.sort((a, b) => b.steps - a.steps)[0];
      const lab2 = new RunClient({ backends: resumeOn });
      try {
        const id2 = await lab2.resumeFromCheckpoint(latest.id);
        const r2 = lab2.run(id2);
        const resumed = await r2.snapshot();
        await r2.start();
        const on = await waitSteps(lab2, id2, latest.steps + 40, 300_000);
        await r2.pause();
        await lab2.closeRun(id2);
        return {
          backend: before.backend.name, lostState: lost?.state ?? null, lostSteps: lost?.counters.agentSteps ?? null,
          errors: events.filter((e) => e.kind === 'error').map((e) => (e as { message: string }).message),
          savedBefore, savedAfter, latest, resumedSteps: resumed.counters.agentSteps, resumedBackend: resumed.backend.name, onSteps: on.counters.agentSteps,
        };
      } finally {
        await lab2.dispose();
      }
    } finally {
      await lab.dispose();
    }
  },

  async lifecycle(backends?: BackendName[]) {
    const lab = new RunClient({ backends });
    try {
      const id = await lab.createRun({ game: game(null), agent: TINY, env: { noopMax: 5 }, mode: { kind: 'single' }, seed: 9 });
      const run = lab.run(id);
      await run.start();
      await waitSteps(lab, id, 120, 120_000);
      await run.pause();
      const saved = await run.saveCheckpoint({ withReplay: true });
      const digest = await run.weightsDigest();
      // Watch: greedy policy on its own env, palette frames on the shared buffer.
      await run.watch({ realtime: false });
      const fs = await run.frames();
      let watchFrame = null;
      for (let i = 0; i < 100 && !watchFrame; i++) {
        await new Promise((r) => setTimeout(r, 50));
        watchFrame = readFrame(fs.buffer, 0, () => undefined);
        if (watchFrame && watchFrame.env !== -1) watchFrame = null;
      }
      const watching = (await run.snapshot()).state;
      await run.stopWatch();
      const stepsAfterWatch = (await run.snapshot()).counters.agentSteps;
      await lab.closeRun(id);
      const progress: number[] = [];
      const exp = await lab.exportCheckpoint(saved.id, { withReplay: true, onProgress: (d) => { progress.push(d); } });
      // The file is the checkpoint still stored here: refused by content id. Once the original is
      // deleted (the file is then the only copy), it imports.
      const duplicate = await lab.importCheckpoint(exp.blob).then(() => 'imported twice', (e: Error) => e.message);
      await lab.deleteCheckpoint(saved.id);
      const imported = await lab.importCheckpoint(exp.blob);
      const id2 = await lab.resumeFromCheckpoint(imported.id);
      const r2 = lab.run(id2);
      const snap2 = await r2.snapshot();
      const digest2 = await r2.weightsDigest();
      await lab.closeRun(id2);
      const speed = await lab.speedDemo({ kind: 'builtin', id: 'catch' }, 2, { workers: 2, envsPerWorker: 2 });
      return {
        saved, digest, watchFrame, watching, stepsAfterWatch, fileName: exp.fileName, fileSize: exp.blob.size,
        progressCalls: progress.length, imported, duplicate, snap2, digest2, speed,
      };
    } finally {
      await lab.dispose();
    }
  },
};
Object.assign(harness, harness2);

(globalThis as unknown as { runHarness: typeof harness }).runHarness = harness;
document.getElementById('status')!.textContent = 'ready';
