/**
 * One run's whole configuration: the agent's hyperparameters (DQNConfig, CleanRL names, see
 * src/agent/config.ts), the env's options (AtariEnvOptions, src/env) and the run's own settings.
 * Defaults live HERE (run level) and in the two files above (agent, env) — nowhere else; a run
 * is created from a RunConfigInput (src/run/types.ts, every field optional but the game)
 * resolved by resolveRunConfig(), which reports every bad field at once. The resolved RunConfig
 * is what every checkpoint stores (meta.run) and what a resume restores, so a resumed run keeps
 * its autosave interval, retention and evaluation schedule. Old stored configs (no `version`)
 * are migrated by migrateRunConfig(), called once when a manifest is read (src/checkpoint/migrate.ts).
 *
 * Run settings and their defaults (RUN_DEFAULTS):
 *   algorithm    'dqn' (src/agent/algorithms.ts): which member of the DQN family; `agent` holds that
 *                algorithm's hyperparameters (DQNConfig, or PQNConfig of src/agent/pqn-config.ts),
 *                its defaults under the input's. Stored configs without it are DQN runs.
 *   seed         1 (= DQNConfig's seed; agent.seed always equals it)
 *   mode         { kind: 'single' }; agent.num_envs always equals numEnvsOf(mode). Single mode
 *                runs its envs in the learner's thread: one env unless `envs` says more (PQN
 *                needs many envs, and on a machine with few cores the in-thread envs avoid the
 *                worker hop; src/run/envs.ts LocalVecEnv); vectorized runs W x K in env workers.
 *   name         display name (default: "<game> <date>", chosen by the store)
 *   autosave     { everyAgentSteps: 100_000 (0 = never), everySeconds: 45 (0 = never),
 *                pageHideBudgetMs: 1_000 } — the checkpoint manager's AutosavePolicy
 *                (src/checkpoint/manager.ts). everySeconds: a small 'timed' save (weights,
 *                optimizer, counters, RNG, env states, curves; the replay only when the last full
 *                save says it fits pageHideBudgetMs) every this many seconds of training, so a tab
 *                killed at any moment loses at most that much; 45 s is the middle of the 30-60 s
 *                the persistence issue asked for (a fast-path save takes ~0.2-0.5 s, ~1% of it).
 *   retention    { keepLast: 3, keepBest: true } — which AUTOMATIC saves the store keeps after
 *                each save: the K newest plus the one with the best evalReturn, and the newest
 *                'timed' save while nothing is newer. Manual saves and imports are never pruned.
 *   eval_every   100_000 agent steps (0 = never): every this many agent steps the training
 *                loop plays agent.eval_episodes greedy episodes at agent.eval_epsilon (CleanRL's
 *                eval_episodes / epsilon of its evaluate()) on a separate single env; the mean
 *                raw return is the checkpoint's evalReturn. CleanRL dqn_atari evaluates only once,
 *                after training (when save_model is set); eval_every is our name for the periodic
 *                schedule (DEVIATION: no CleanRL equivalent). Returns are raw game scores, like
 *                CleanRL's RecordEpisodeStatistics, which sits below its ClipRewardEnv.
 *   backends     ['webgpu', 'webgl', 'wasm', 'cpu'] (the order tried)
 *   env          RUN_ENV_DEFAULTS over src/env's defaults: clipRewards true (CleanRL's
 *                ClipRewardEnv; DQN's learning rate assumes it). Life loss / FIRE reset stay off
 *                (Gymnasium v5 + AtariPreprocessing defaults). The env gives one 84x84 frame
 *                per step; the agent's replay stacks agent.frame_stack of them.
 *
 * Importing this file pulls in no tfjs and no workers (the page uses it).
 */
import { BOUNDS as AGENT_BOUNDS, type DQNConfig } from '../agent/config';
import { defaultAgentConfig, isAlgorithm, validateAgentConfig, type AgentConfig, type Algorithm } from '../agent/algorithms';
import type { PQNConfig } from '../agent/pqn-config';
import { resolveEnvOptions, type AtariEnvOptions } from '../env/atari-env';

import { DEFAULT_BACKENDS, type BackendName } from '../tfjs/backend-names';
import type { RunMode } from './types';

export { DEFAULT_BACKENDS };
export type { AgentConfig, Algorithm, BackendName, RunMode };

/** When the checkpoint manager saves on its own. */
export interface AutosavePolicy {
  /** Autosave when this many agent steps passed since the last save (0 = never). */
  everyAgentSteps: number;
  /** Small 'timed' save after this many seconds of training since the last save (0 = never). */
  everySeconds: number;
  /** Include the replay on pagehide/visibilitychange only if the save is expected to take less (ms). */
  pageHideBudgetMs: number;
}

/**
 * Which automatic checkpoints of a run the store keeps (applied atomically with each save).
 * Manual saves and imports are the user's: never pruned, whatever this says.
 */
export interface RetentionPolicy {
  /** Keep the K newest automatic saves of a run (by save time, then agent steps). */
  keepLast: number;
  /** Also keep the automatic save with the best evaluation return. */
  keepBest: boolean;
}

/** The resolved configuration of a run; stored in every checkpoint as meta.run. */
export interface RunConfig {
  /** Shape version of this object (version-less = the pre-RunConfig shape, see migrateRunConfig). */
  version: 2;
  /** Lower-case hex MD5 of the ROM; imports of unknown games are refused. */
  gameMd5: string;
  gameName?: string;
  /** Display name asked for at creation (the store's run record holds the name in use). */
  name?: string;
  seed: number;
  mode: RunMode;
  /** Which algorithm `agent` configures (stored configs without it are 'dqn': migrateRunConfig). */
  algorithm: Algorithm;
  /** Every hyperparameter of `algorithm` (agent.seed = seed, agent.num_envs = numEnvsOf(mode)). */
  agent: AgentConfig;
  /** Env options as given over RUN_ENV_DEFAULTS (src/env fills in the rest). */
  env: AtariEnvOptions;
  autosave: AutosavePolicy;
  retention: RetentionPolicy;
  /** Evaluate every this many agent steps (0 = never); episodes and epsilon: agent.eval_episodes, agent.eval_epsilon. */
  eval_every: number;
  backends: BackendName[];
}

/** The run settings a caller may give; everything else of RunConfig is derived. */
export interface RunSettingsInput {
  mode?: RunMode;
  seed?: number;
  name?: string;
  algorithm?: Algorithm;
  /** Hyperparameters of `algorithm` over its defaults (DQNConfig or PQNConfig names). */
  agent?: Partial<DQNConfig> | Partial<PQNConfig>;
  env?: AtariEnvOptions;
  autosave?: Partial<AutosavePolicy>;
  retention?: Partial<RetentionPolicy>;
  eval_every?: number;
  backends?: BackendName[];
}

/** The run layer's env defaults, over src/env's DEFAULT_ENV_OPTIONS. */
export const RUN_ENV_DEFAULTS: Readonly<AtariEnvOptions> = Object.freeze({ clipRewards: true });

export const RUN_DEFAULTS: Readonly<{
  algorithm: Algorithm; seed: number; mode: RunMode; autosave: AutosavePolicy; retention: RetentionPolicy; eval_every: number; backends: readonly BackendName[];
}> = Object.freeze({
  algorithm: 'dqn' as Algorithm,
  seed: defaultAgentConfig('dqn').seed,
  mode: Object.freeze({ kind: 'single' }) as RunMode,
  autosave: Object.freeze({ everyAgentSteps: 100_000, everySeconds: 45, pageHideBudgetMs: 1_000 }),
  retention: Object.freeze({ keepLast: 3, keepBest: true }),
  eval_every: 100_000,
  backends: DEFAULT_BACKENDS,
});

export function numEnvsOf(m: RunMode): number {
  return m.kind === 'single' ? m.envs ?? 1 : m.workers * m.envsPerWorker;
}

/** The mode laying out `numEnvs` envs over `workers` env workers (1 env, 1 worker = single). */
export function modeFor(numEnvs: number, workers = 1): RunMode {
  return numEnvs === 1 && workers === 1 ? { kind: 'single' } : { kind: 'vectorized', workers, envsPerWorker: Math.max(1, Math.round(numEnvs / workers)) };
}

/** The bounds of a mode: env workers, and envs per worker (or in the learner's thread). */
export const MODE_BOUNDS = Object.freeze({ workers: [1, 64], envs: [1, 256] } as const);

/** Problems of a mode (empty = fine), each naming its field. */
export function modeProblems(m: unknown, field = 'mode'): string[] {
  const o = m as Partial<{ kind: string; workers: unknown; envsPerWorker: unknown; envs: unknown }> | null;
  const [w0, w1] = MODE_BOUNDS.workers, [e0, e1] = MODE_BOUNDS.envs;
  if (!o || typeof o !== 'object' || (o.kind !== 'single' && o.kind !== 'vectorized')) return [`${field} must be {kind:'single', envs?} or {kind:'vectorized', workers, envsPerWorker}`];
  if (o.kind === 'single') return o.envs === undefined || isIntIn(o.envs, e0, e1) ? [] : [`${field}.envs must be an integer in [${e0}, ${e1}], got ${String(o.envs)}`];
  const out: string[] = [];
  if (!isIntIn(o.workers, w0, w1)) out.push(`${field}.workers must be an integer in [${w0}, ${w1}], got ${String(o.workers)}`);
  if (!isIntIn(o.envsPerWorker, e0, e1)) out.push(`${field}.envsPerWorker must be an integer in [${e0}, ${e1}], got ${String(o.envsPerWorker)}`);
  return out;
}

/** A checked copy of a mode (throws with every problem). */
export function checkMode(m: RunMode): RunMode {
  const p = modeProblems(m);
  if (p.length) throw new RunConfigError(p);
  if (m.kind === 'single') return m.envs !== undefined && m.envs !== 1 ? { kind: 'single', envs: m.envs } : { kind: 'single' };
  return { kind: 'vectorized', workers: m.workers, envsPerWorker: m.envsPerWorker };
}

export class RunConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`run config: ${problems.join('; ')}`);
    this.name = 'RunConfigError';
  }
}

const isIntIn = (x: unknown, lo: number, hi: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** src/agent's validator one field at a time, so every bad field is reported, not just the first. */
function agentProblems(a: Record<string, unknown>, alg: Algorithm): string[] {
  const out: string[] = [];
  const defaults = defaultAgentConfig(alg);
  for (const k of Object.keys(a)) {
    if (!(k in defaults)) { out.push(`agent.${k}: unknown ${alg.toUpperCase()} hyperparameter`); continue; }
    try {
      validateAgentConfig(alg, { ...defaults, [k]: a[k] } as AgentConfig);
    } catch (e) {
      out.push(`agent.${k}: ${(e as Error).message.replace(/^(DQN|PQN) config: /, '')}`);
    }
  }
  return out;
}

/** src/env's validator one field at a time, so every bad env option is reported. */
function envProblems(env: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(env)) {
    try {
      resolveEnvOptions({ [k]: env[k] } as AtariEnvOptions);
    } catch (e) {
      out.push(`env.${k}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** Every problem of a resolved config (empty = valid), each prefixed with its field. */
export function validateRunConfig(c: RunConfig): string[] {
  const out: string[] = [];
  if (c.version !== 2) out.push(`version must be 2, got ${String(c.version)}`);
  if (typeof c.gameMd5 !== 'string' || !/^[0-9a-f]{32}$/.test(c.gameMd5)) out.push(`gameMd5 must be 32 lower-case hex digits, got "${String(c.gameMd5)}"`);
  if (c.name !== undefined && typeof c.name !== 'string') out.push('name must be a string');
  // The agent's bound (src/agent/config.ts BOUNDS.seed): env i is seeded with seed + i, in 31 bits.
  if (!isIntIn(c.seed, AGENT_BOUNDS.seed[0], AGENT_BOUNDS.seed[1])) out.push(`seed must be an integer in [0, ${AGENT_BOUNDS.seed[1]}], got ${String(c.seed)}`);
  const mp = modeProblems(c.mode);
  out.push(...mp);
  if (!isAlgorithm(c.algorithm)) out.push(`algorithm must be 'dqn' or 'pqn', got ${JSON.stringify(c.algorithm)}`);
  if (!isObj(c.agent)) out.push('agent must be an object of hyperparameters');
  else if (isAlgorithm(c.algorithm)) {
    out.push(...agentProblems(c.agent as unknown as Record<string, unknown>, c.algorithm));
    for (const k of Object.keys(defaultAgentConfig(c.algorithm))) if (!(k in c.agent)) out.push(`agent.${k}: missing`);
    if (c.agent.seed !== c.seed) out.push(`agent.seed (${String(c.agent.seed)}) must equal seed (${String(c.seed)})`);
    if (!mp.length && c.agent.num_envs !== numEnvsOf(c.mode)) out.push(`agent.num_envs (${String(c.agent.num_envs)}) must equal the mode's env count (${numEnvsOf(c.mode)})`);
    if (c.algorithm === 'pqn' && !out.length) {
      try { validateAgentConfig('pqn', c.agent); } catch (e) { out.push(`agent: ${(e as Error).message.replace(/^PQN config: /, '')}`); }
    }
  }
  if (!isObj(c.env)) out.push('env must be an object of env options');
  else out.push(...envProblems(c.env as Record<string, unknown>));
  if (!isObj(c.autosave)) out.push('autosave must be {everyAgentSteps, everySeconds, pageHideBudgetMs}');
  else {
    if (!isIntIn(c.autosave.everyAgentSteps, 0, Number.MAX_SAFE_INTEGER)) out.push(`autosave.everyAgentSteps must be an integer >= 0 (0 = never), got ${String(c.autosave.everyAgentSteps)}`);
    // Below 2 s the saves would take a noticeable share of training time; a day is plenty.
    if (!(c.autosave.everySeconds === 0 || isIntIn(c.autosave.everySeconds, 2, 86_400))) out.push(`autosave.everySeconds must be 0 (never) or an integer in [2, 86400], got ${String(c.autosave.everySeconds)}`);
    if (typeof c.autosave.pageHideBudgetMs !== 'number' || !(c.autosave.pageHideBudgetMs >= 0)) out.push(`autosave.pageHideBudgetMs must be >= 0, got ${String(c.autosave.pageHideBudgetMs)}`);
  }
  if (!isObj(c.retention)) out.push('retention must be {keepLast, keepBest}');
  else {
    if (!isIntIn(c.retention.keepLast, 1, 1000)) out.push(`retention.keepLast must be an integer in [1, 1000], got ${String(c.retention.keepLast)}`);
    if (typeof c.retention.keepBest !== 'boolean') out.push(`retention.keepBest must be a boolean, got ${String(c.retention.keepBest)}`);
  }
  if (!isIntIn(c.eval_every, 0, 1e10)) out.push(`eval_every must be an integer in [0, 1e10] (0 = never), got ${String(c.eval_every)}`);
  if (!Array.isArray(c.backends) || c.backends.length === 0 || c.backends.some((b) => !DEFAULT_BACKENDS.includes(b))) {
    out.push(`backends must be a non-empty list of ${DEFAULT_BACKENDS.join(', ')}, got ${JSON.stringify(c.backends)}`);
  }
  return out;
}

/**
 * The one place a run's configuration is put together: run defaults, then the input, then the
 * derived fields (agent.seed, agent.num_envs); validated as a whole (RunConfigError lists every
 * bad field). `game` is what the worker identified from the ROM.
 */
export function resolveRunConfig(input: RunSettingsInput, game: { md5: string; name?: string }): RunConfig {
  const inp = (input ?? {}) as RunSettingsInput;
  const algorithm = inp.algorithm ?? RUN_DEFAULTS.algorithm;
  const mode = inp.mode ?? RUN_DEFAULTS.mode;
  const seed = inp.seed ?? inp.agent?.seed ?? RUN_DEFAULTS.seed;
  const pre: string[] = [];
  if (inp.seed !== undefined && inp.agent?.seed !== undefined && inp.seed !== inp.agent.seed) pre.push(`seed (${inp.seed}) and agent.seed (${inp.agent.seed}) differ: give one`);
  if (inp.agent?.num_envs !== undefined && modeProblems(mode).length === 0 && inp.agent.num_envs !== numEnvsOf(mode)) pre.push(`agent.num_envs (${inp.agent.num_envs}) is set by the mode (${numEnvsOf(mode)} envs): leave it out`);
  const mpNum = modeProblems(mode).length ? 1 : numEnvsOf(mode);
  const c: RunConfig = {
    version: 2,
    gameMd5: game.md5,
    ...(game.name !== undefined ? { gameName: game.name } : {}),
    ...(inp.name !== undefined ? { name: inp.name } : {}),
    seed,
    mode: modeProblems(mode).length ? mode : checkMode(mode),
    algorithm,
    agent: { ...(isAlgorithm(algorithm) ? defaultAgentConfig(algorithm) : {}), ...(inp.agent ?? {}), seed, num_envs: mpNum } as AgentConfig,
    env: { ...RUN_ENV_DEFAULTS, ...(inp.env ?? {}) },
    autosave: { ...RUN_DEFAULTS.autosave, ...(inp.autosave ?? {}) },
    retention: { ...RUN_DEFAULTS.retention, ...(inp.retention ?? {}) },
    eval_every: inp.eval_every ?? RUN_DEFAULTS.eval_every,
    backends: [...(inp.backends && inp.backends.length ? inp.backends : RUN_DEFAULTS.backends)],
  };
  const problems = [...pre, ...validateRunConfig(c)];
  if (problems.length) throw new RunConfigError(problems);
  return c;
}

/** The same config in another mode (mode switch, resume in another mode). */
export function withMode(c: RunConfig, mode: RunMode): RunConfig {
  const m = checkMode(mode);
  return { ...c, mode: m, agent: { ...c.agent, num_envs: numEnvsOf(m) } };
}

/** Reads a stored mode: today's RunMode, or the old checkpoint layer's {numEnvs, numWorkers} (single = 1 x 1). */
export function migrateMode(m: unknown): RunMode {
  const o = m as { kind?: unknown; numEnvs?: unknown; numWorkers?: unknown };
  if (o && (o.kind === 'single' || o.kind === 'vectorized')) return checkMode(o as RunMode);
  const n = Number(o?.numEnvs), w = Number(o?.numWorkers);
  if (!(Number.isInteger(n) && Number.isInteger(w) && n >= 1 && w >= 1)) throw new RunConfigError([`stored mode ${JSON.stringify(m)} is neither a RunMode nor {numEnvs, numWorkers}`]);
  // The old controller always laid out N = W x K envs, so this is exact for what it wrote.
  return modeFor(n, w);
}

/**
 * A stored meta.run as a RunConfig. Version 2 passes through (with algorithm 'dqn' when it has
 * none: written before PQN existed, so a DQN run); the old shape ({gameMd5, gameName,
 * env, mode: {numEnvs, numWorkers}, agent}) gets today's run defaults for what it did not store
 * (its autosave interval was never stored: RUN_DEFAULTS), RUN_ENV_DEFAULTS under its env (the old
 * run layer applied them when building envs, so behaviour is unchanged), seed = agent.seed.
 */
export function migrateRunConfig(raw: unknown): RunConfig {
  const r = raw as Partial<RunConfig> & { mode?: unknown };
  if (r && r.version === 2) return upgradeV2(r as RunConfig);
  const agent = r.agent as DQNConfig;
  const mode = migrateMode(r.mode);
  return {
    version: 2,
    gameMd5: r.gameMd5 as string,
    ...(r.gameName !== undefined ? { gameName: r.gameName } : {}),
    seed: agent.seed,
    mode,
    algorithm: 'dqn',
    agent: { ...agent },
    env: { ...RUN_ENV_DEFAULTS, ...((r.env as AtariEnvOptions | undefined) ?? {}) },
    autosave: { ...RUN_DEFAULTS.autosave },
    retention: { ...RUN_DEFAULTS.retention },
    eval_every: RUN_DEFAULTS.eval_every,
    backends: [...RUN_DEFAULTS.backends],
  };
}

/**
 * A stored version-2 config from before a field of the run settings existed: today's default
 * for what it lacks (autosave.everySeconds came with crash-safe persistence).
 */
function upgradeV2(r: RunConfig): RunConfig {
  const hasTimed = !!r.autosave && typeof r.autosave.everySeconds === 'number';
  if (hasTimed && r.algorithm !== undefined) return r;
  return {
    ...r,
    // Stored before PQN: every run was a DQN run.
    algorithm: r.algorithm ?? 'dqn',
    // Stored before timed saves: today's default interval.
    autosave: hasTimed ? r.autosave : { ...RUN_DEFAULTS.autosave, ...(r.autosave ?? {}), everySeconds: RUN_DEFAULTS.autosave.everySeconds },
  };
}
