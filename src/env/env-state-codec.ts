/**
 * The per-env VecEnv state blob (getEnvStates/setEnvStates): what the VecEnv keeps per env around
 * the worker's AtariEnv.cloneState() bytes. The layout is fixed (old checkpoints must load):
 *
 *   0  u32 magic 'AVEC'        4  u32 version (1)        8  u32 FNV-1a of bytes 12..end
 *   12 u32 observation size    16 u32 inner state size   20 u32 flags: 1 restart pending,
 *                                                               2 has last episode, 4 it was truncated
 *   24 f64 seed   32 f64 episodes   40 f64 current length   48 f64 current return
 *   56 f64 current raw score   64..88 f64 last episode's return, raw score, length, frames
 *   96 final observation (observation size bytes), then the inner AtariEnv state
 */
import { fnv1a } from './atari-env';
import type { EnvStats } from './episode-stats';

const VSTATE_MAGIC = 0x43455641;
const VSTATE_VERSION = 1;
const VSTATE_HEAD = 96;

/** What a blob holds besides the inner AtariEnv state. */
export interface EnvStateParts {
  /** The env's seed, which later fault-restart seeds derive from. */
  seed: number;
  stats: EnvStats;
  /** Its worker was restarted while it was idle: its next send() returns a made-up result. */
  pendingRestart: boolean;
  /** The observation its last episode ended on (its length is the observation size). */
  finalObs: Uint8Array;
}

export function packEnvState(parts: EnvStateParts, inner: Uint8Array): Uint8Array {
  const os = parts.finalObs.length;
  const out = new Uint8Array(VSTATE_HEAD + os + inner.length);
  const dv = new DataView(out.buffer);
  const st = parts.stats;
  const last = st.last;
  dv.setUint32(0, VSTATE_MAGIC, true);
  dv.setUint32(4, VSTATE_VERSION, true);
  dv.setUint32(12, os, true);
  dv.setUint32(16, inner.length, true);
  dv.setUint32(20, (parts.pendingRestart ? 1 : 0) | (last ? 2 : 0) | (last?.truncated ? 4 : 0), true);
  dv.setFloat64(24, parts.seed, true);
  dv.setFloat64(32, st.episodes, true);
  dv.setFloat64(40, st.currentLength, true);
  dv.setFloat64(48, st.currentReturn, true);
  dv.setFloat64(56, st.currentRawReturn, true);
  dv.setFloat64(64, last?.return ?? 0, true);
  dv.setFloat64(72, last?.rawReturn ?? 0, true);
  dv.setFloat64(80, last?.length ?? 0, true);
  dv.setFloat64(88, last?.frames ?? 0, true);
  out.set(parts.finalObs, VSTATE_HEAD);
  out.set(inner, VSTATE_HEAD + os);
  dv.setUint32(8, fnv1a(out, 12), true);
  return out;
}

/**
 * Checks and splits a blob for env `id` of envs with `obsSize`-byte observations; throws a
 * TypeError or RangeError saying what is wrong. `finalObs` is a view on `b`, `inner` a copy.
 */
export function unpackEnvState(b: Uint8Array, id: number, obsSize: number): EnvStateParts & { inner: Uint8Array } {
  if (!(b instanceof Uint8Array)) throw new TypeError('not a Uint8Array');
  if (b.length < VSTATE_HEAD) throw new RangeError(`${b.length} bytes, too short for a VecEnv env state`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== VSTATE_MAGIC) throw new RangeError('not a VecEnv env state (bad magic)');
  const version = dv.getUint32(4, true);
  if (version !== VSTATE_VERSION) throw new RangeError(`VecEnv env state version ${version} is not supported (expected ${VSTATE_VERSION})`);
  const os = dv.getUint32(12, true);
  const innerLen = dv.getUint32(16, true);
  if (os !== obsSize) throw new RangeError(`it holds ${os}-byte observations, these envs have ${obsSize}-byte ones (other env options?)`);
  if (b.length !== VSTATE_HEAD + os + innerLen) throw new RangeError(`${b.length} bytes, its header says ${VSTATE_HEAD + os + innerLen} (truncated?)`);
  if (dv.getUint32(8, true) !== fnv1a(b, 12)) throw new RangeError('corrupt (checksum mismatch)');
  const flags = dv.getUint32(20, true);
  const seed = dv.getFloat64(24, true);
  if (!Number.isInteger(seed)) throw new RangeError('corrupt (seed is not an integer)');
  const f = (o: number) => dv.getFloat64(o, true);
  const stats: EnvStats = {
    episodes: f(32), currentLength: f(40), currentReturn: f(48), currentRawReturn: f(56),
    last: flags & 2 ? { env: id, return: f(64), rawReturn: f(72), length: f(80), frames: f(88), truncated: (flags & 4) !== 0 } : null,
  };
  return {
    inner: b.slice(VSTATE_HEAD + os), finalObs: b.subarray(VSTATE_HEAD, VSTATE_HEAD + os), seed, stats, pendingRestart: (flags & 1) !== 0,
  };
}
