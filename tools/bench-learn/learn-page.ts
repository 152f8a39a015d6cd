/**
 * bench:learn's page: one run through the real page path (RunClient -> learner worker -> env
 * workers), as the dashboard drives it. Node (bench-learn.ts) starts it and polls `drain()` for
 * what happened since the last poll; the page keeps nothing the Node side has not asked for.
 */
import { RunClient } from '../../src/run/client';
import type { EpisodeEntry, EvalEntry, GameSource, MetricsSnapshot, RunConfigInput } from '../../src/run/types';

let lab: RunClient | null = null;
let runId = '';
let episodes: EpisodeEntry[] = [];
let evals: EvalEntry[] = [];
let errors: string[] = [];

const learnHarness = {
  /** settings: a RunConfigInput without the game; rom: bytes of a ROM file, or null = built-in `builtin`. */
  async start(builtin: string, rom: number[] | null, settings: Omit<RunConfigInput, 'game'>) {
    lab = new RunClient({});
    const game: GameSource = rom ? { kind: 'rom', bytes: Uint8Array.from(rom), md5: '' } : { kind: 'builtin', id: builtin as never };
    runId = await lab.createRun({ ...settings, game }, {
      onEvent: (e) => {
        if (e.kind === 'eval') evals.push(e.result);
        if (e.kind === 'error') errors.push(`${e.fatal ? 'fatal: ' : ''}${e.message}`);
      },
      onMetrics: (m: MetricsSnapshot) => { for (const e of m.newEpisodes) episodes.push(e); },
    });
    await lab.run(runId).start();
    const s = await lab.run(runId).snapshot();
    return { backend: s.backend, mode: s.mode, replayCapacity: s.replayCapacity };
  },

  /** Counters now, plus the episodes (from the drained metrics messages: a plain snapshot only
   *  peeks at them) and evaluations finished since the last call. */
  async drain() {
    if (!lab) throw new Error('start() first');
    const s = await lab.run(runId).snapshot();
    const out = {
      state: s.state, elapsedSec: s.elapsedSec, counters: s.counters, stepsPerSec: s.stepsPerSec,
      gradStepsPerSec: s.gradStepsPerSec, epsilon: s.epsilon, episodes, evals, errors,
    };
    episodes = []; evals = []; errors = [];
    return out;
  },

  async stop() {
    if (!lab) return;
    await lab.run(runId).pause().catch(() => undefined);
    await lab.dispose();
    lab = null;
  },
};

(globalThis as unknown as { learnHarness: typeof learnHarness }).learnHarness = learnHarness;
document.getElementById('status')!.textContent = 'ready';
