import type { EnvStateIO } from './restore';

/**
 * EnvStateIO over envs that can snapshot themselves (src/env's AtariEnv: cloneState() /
 * restoreState(), emulator + no-op RNG + episode flags). For a single env or envs living in the
 * same thread as the agent. Worker-backed VecEnvs need the same two calls through their workers
 * (not provided by src/env yet).
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
