/**
 * A run's metrics: rates over a 1-2 s window, mean loss / mean Q of the latest gradient steps,
 * episodes and evaluations waiting for the listeners, and the downsampled history the charts
 * redraw from (stored in checkpoints). The controller owns one RunMetrics and feeds it after
 * every agent step; snapshot() builds the MetricsSnapshot the page receives.
 */
import type { AnyAgent } from '../agent/family';
import type { EpisodeRecord } from '../env/episode';
import type { RunEnv } from './envs';
import { RunHistory } from './history';
import { now } from './timing';
import type { BackendInfo, EpisodeEntry, EvalEntry, MetricsSnapshot, RunCounters, RunMode, RunState } from './types';

/** What a snapshot reads from its run. */
export interface MetricsSource {
  runId: string;
  state: RunState;
  agent: AnyAgent;
  env: RunEnv;
  counters: RunCounters;
  mode: RunMode;
  elapsedSec: number;
  backend: BackendInfo;
  memory: { numBytes: number; numTensors: number; numBytesInGPU?: number };
  nextEvalAt: number | null;
}

const MAX_PENDING_EPISODES = 10_000;

export class RunMetrics {
  readonly hist: RunHistory;
  lastEval: EvalEntry | null = null;
  /** Agent step of the latest evaluation, also of one that failed (the schedule moves on from it). */
  lastEvalStep: number | null = null;
  private pendingEpisodes: EpisodeEntry[] = [];
  private rateA = { t: now(), steps: 0, frames: 0, grads: 0 };
  private rateB = this.rateA;
  private lastGradForLoss = 0;
  private lastGradForQ = -1;
  private lastLoss: number | null = null;
  private lastMeanQ: number | null = null;
  private qInput: Float32Array | null = null;

  constructor(hist = new RunHistory()) {
    this.hist = hist;
    const last = hist.evals.buckets[hist.evals.buckets.length - 1];
    // A resumed run shows its latest evaluation again (its episodes are not stored, only the mean).
    if (last) {
      this.lastEval = { agentStep: last.x, meanReturn: last.sum / last.n, returns: [], lengths: [], epsilon: NaN, time: 0 };
      this.lastEvalStep = last.x;
    }
  }

  /** After a resume: rates start from the restored counters, not from 0. */
  startFrom(c: RunCounters): void {
    this.rateA = this.rateB = { t: now(), steps: c.agentSteps, frames: c.frames, grads: c.gradientUpdates };
    this.lastGradForLoss = c.gradientUpdates;
  }

  episodesFinished(fin: readonly EpisodeRecord[], agentStep: number): void {
    if (!fin.length) return;
    const t = Date.now();
    for (const e of fin) {
      this.pendingEpisodes.push({ agentStep, env: e.env, rawReturn: e.rawReturn, length: e.length, time: t });
      this.hist.episodes.add(agentStep, e.rawReturn);
    }
    if (this.pendingEpisodes.length > MAX_PENDING_EPISODES) this.pendingEpisodes.splice(0, this.pendingEpisodes.length - MAX_PENDING_EPISODES);
  }

  evaluated(e: EvalEntry): void {
    this.lastEval = e;
    this.lastEvalStep = e.agentStep;
    this.hist.evals.add(e.agentStep, e.meanReturn);
  }

  /**
   * Current metrics. Rates are measured over a window of 1-2 s (two reference points), so
   * polling by the page and the listener timer do not disturb each other. `drain` (the
   * listener timer) hands over the episodes finished since the last drain; a plain call shows
   * them without taking them.
   */
  async snapshot(s: MetricsSource, drain: boolean): Promise<MetricsSnapshot> {
    const t = now();
    const c = s.counters;
    const cur = { t, steps: c.agentSteps, frames: c.frames, grads: c.gradientUpdates };
    if (t - this.rateB.t >= 1000) { this.rateA = this.rateB; this.rateB = cur; }
    const ref = this.rateA;
    const dt = Math.max(1e-3, (t - ref.t) / 1000);
    const stepsPerSec = (c.agentSteps - ref.steps) / dt;
    const framesPerSec = (c.frames - ref.frames) / dt;
    const gradStepsPerSec = (c.gradientUpdates - ref.grads) / dt;
    if (c.gradientUpdates !== this.lastGradForLoss) {
      this.lastGradForLoss = c.gradientUpdates;
      try {
        this.lastLoss = await s.agent.learner.lastLoss();
        this.lastMeanQ = await this.meanQ(s.agent, s.env);
      } catch {
        // a read racing a mode switch (disposed learner): keep the previous numbers
      }
      if (this.lastLoss !== null) this.hist.loss.add(c.agentSteps, this.lastLoss);
      if (this.lastMeanQ !== null) this.hist.meanQ.add(c.agentSteps, this.lastMeanQ);
    }
    if (drain && s.state === 'running' && stepsPerSec > 0) this.hist.stepsPerSec.add(c.agentSteps, stepsPerSec);
    const eps = this.pendingEpisodes;
    if (drain) this.pendingEpisodes = [];
    return {
      runId: s.runId,
      state: s.state,
      time: Date.now(),
      elapsedSec: s.elapsedSec,
      counters: c,
      stepsPerSec, framesPerSec, gradStepsPerSec,
      epsilon: s.agent.epsilon,
      loss: this.lastLoss,
      meanQ: this.lastMeanQ,
      replaySize: s.agent.buffer.validCount(),
      algorithm: s.agent.algorithm,
      replayCapacity: s.agent.capacity.capacity,
      mode: { ...s.mode },
      backend: s.backend,
      memory: s.memory,
      newEpisodes: drain ? eps : eps.slice(),
      lastEval: this.lastEval,
      nextEvalAt: s.nextEvalAt,
    };
  }

  /** Mean over envs of max_a Q(s_t, a) on the current stacks (what the agent acts on now). */
  private async meanQ(agent: AnyAgent, env: RunEnv): Promise<number | null> {
    if (agent.learner.gradientSteps === this.lastGradForQ) return this.lastMeanQ;
    this.lastGradForQ = agent.learner.gradientSteps;
    const n = env.numEnvs;
    const size = n * env.frameHeight * env.frameWidth * agent.cfg.frame_stack;
    if (!this.qInput || this.qInput.length !== size) this.qInput = new Float32Array(size);
    // The stacks the agent acts on next: each env's newest row in replay.
    agent.buffer.writeLatestStacks(this.qInput);
    const q = await agent.learner.qValues(this.qInput, n);
    const A = q.length / n;
    let sum = 0;
    for (let e = 0; e < n; e++) {
      let m = -Infinity;
      for (let k = 0; k < A; k++) if (q[e * A + k] > m) m = q[e * A + k];
      sum += m;
    }
    return sum / n;
  }
}
