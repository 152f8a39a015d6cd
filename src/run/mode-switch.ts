/**
 * The run side of a mode switch (single <-> vectorized, any W x K). The switch itself — full
 * save, close the old envs, build the new ones and a fresh agent, restore — is the checkpoint
 * layer's switchMode (src/checkpoint/manager.ts), the one implementation; this adds what only
 * the run knows: how to build envs for a RunMode and the run config in the new mode.
 */
import { makeAgent, type AnyAgent } from '../agent/family';
import type { CaptureOptions } from '../checkpoint/restore';
import { switchMode } from '../checkpoint/manager';
import type { CheckpointStore } from '../checkpoint/store';
import type { Manifest } from '../checkpoint/types';
import { checkMode, withMode, type RunConfig } from './config';
import type { RunEnv } from './envs';
import type { RunMode } from './types';

export interface RunModeSwitch {
  store: CheckpointStore;
  runId: string;
  agent: AnyAgent;
  env: RunEnv;
  config: RunConfig;
  /** Capture of the run as it is (old mode). */
  capture: CaptureOptions;
  makeEnv(mode: RunMode, seed: number): Promise<RunEnv>;
}

export async function switchRunMode(o: RunModeSwitch, next: RunMode): Promise<{ agent: AnyAgent; env: RunEnv; config: RunConfig; saved: Manifest; lostTransitions: number }> {
  const mode = checkMode(next);
  let env: RunEnv | null = null;
  const r = await switchMode({
    store: o.store,
    runId: o.runId,
    agent: o.agent,
    capture: o.capture,
    closeOldEnvs: () => o.env.close(),
    mode,
    build: async (cfg, m, capacity) => {
      env = await o.makeEnv(m, cfg.seed);
      return { agent: makeAgent(o.config.algorithm, cfg, env, { capacity }), envs: null };
    },
  });
  return { agent: r.agent, env: env!, config: withMode(o.config, mode), saved: r.saved, lostTransitions: r.restored.lostTransitions };
}
