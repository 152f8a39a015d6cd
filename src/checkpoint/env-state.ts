import type { EnvStateIO } from './restore';

/**
 * EnvStateIO over envs that can snapshot themselves (src/env's AtariEnv: cloneState() /
 * restoreState(), emulator + no-op RNG + episode flags). For a single env or envs living in the
 * same thread as the agent. Worker-backed VecEnvs: envStateIOFromVecEnv below.
 */
export interface CloneableEnv {
  cloneState(): Uint8Array;
  restoreState(state: Uint8Array): void;
}

export function envStateIOFromEnvs(envs: readonly CloneableEnv[]): EnvStateIO {
  return {
    getEnvStates: () => envs.map((e) => e.cloneState().slice()),
    setEnvStates: (states) => {
      if (states.length !== envs.length) throw new RangeError(`${states.length} env states for ${envs.length} envs`);
      states.forEach((s, i) => envs[i].restoreState(s));
    },
  };
}

/** The two calls of src/env's worker VecEnv that carry env states (structural, no src/env import). */
export interface StatefulVecEnv {
  readonly numEnvs: number;
  getEnvStates(): Promise<Uint8Array[]>;
  setEnvStates(states: Uint8Array[]): Promise<void>;
}

export interface VecEnvStateIOOptions {
  /**
   * Runs after the states were applied (e.g. a wrapper that keeps its own copy of the
   * observations refreshes it from vec.obsOf(i)).
   */
  afterRestore?: () => void | Promise<void>;
}

/**
 * EnvStateIO over a worker-backed VecEnv (src/env/vec-env.ts): one blob per env, gathered from
 * and sent to the workers over comlink. The blobs do not depend on the worker layout, so a run
 * saved as 1x4 resumes exactly as 2x2 (same number of envs); a different env count is a mode
 * switch, where restoreAgent resets the envs instead. No step may be in flight while saving.
 * The VecEnv checks count, sizes, checksum and env options before applying anything, and puts
 * every env back if a worker rejects its part.
 */
export function envStateIOFromVecEnv(vec: StatefulVecEnv, o: VecEnvStateIOOptions = {}): EnvStateIO {
  return {
    getEnvStates: () => vec.getEnvStates(),
    setEnvStates: async (states) => {
      if (states.length !== vec.numEnvs) throw new RangeError(`${states.length} env states for ${vec.numEnvs} envs`);
      await vec.setEnvStates(states);
      await o.afterRestore?.();
    },
  };
}
