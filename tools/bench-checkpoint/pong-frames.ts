/**
 * Real Atari frames for the checkpoint benchmarks: N steps of Pong (84x84 grayscale, frame skip
 * 4, the run's env defaults) under a seeded random policy, emulated by our wasm core. Random
 * frames (what the benches used before) do not compress at all, real ones compress very well, so
 * a codec can only be judged on these. Emulating 100k steps takes a minute or two on a loaded
 * 2-core machine, so the result is cached in the OS temp dir (never in the repo; the ROM comes
 * from ../shared/roms, never committed).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAleHost } from '../../src/env/ale-emulator';
import { AtariEnv } from '../../src/env/atari-env';
import { Rng } from '../../src/agent/rng';
import { parseTrace, serializeTrace, traceBytes, TRACE_FRAME_BYTES, type PongTrace } from './trace-format';

const here = fileURLToPath(new URL('.', import.meta.url));
export const PONG_ROM = resolve(here, '../../../shared/roms/pong.bin');
const WASM = resolve(here, '../../public/arcade.wasm');

export type { PongTrace };

/** Where pongTrace(n, seed) caches its steps (the Chromium bench serves this file to its page). */
export function traceCachePath(n: number, seed = 1): string {
  return join(tmpdir(), `arcadelab-pong-trace-${n}-${seed}.bin`);
}

export async function pongTrace(n: number, seed = 1): Promise<PongTrace> {
  const fb = TRACE_FRAME_BYTES;
  const cache = traceCachePath(n, seed);
  if (existsSync(cache)) {
    const b = new Uint8Array(await readFile(cache));
    if (b.length === traceBytes(n)) return parseTrace(b, n);
  }
  if (!existsSync(PONG_ROM)) throw new Error(`no ROM at ${PONG_ROM} (the checkpoint benchmark needs real Pong frames)`);
  const host = await createAleHost({ kind: 'ale', rom: new Uint8Array(await readFile(PONG_ROM)), wasm: new Uint8Array(await readFile(WASM)) });
  const env = AtariEnv.create(host, {});
  const rng = new Rng(seed);
  const first = env.reset(seed).obs.slice();
  const frames = new Uint8Array(fb * n), actions = new Uint8Array(n), rewards = new Float32Array(n), dones = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.nextU32() % env.numActions;
    env.stepIndex(a);
    actions[i] = a;
    rewards[i] = env.lastReward;
    const done = env.lastTerminated || env.lastTruncated;
    dones[i] = done ? 1 : 0;
    frames.set(env.obs, i * fb);
    if (done) env.reset();
  }
  const t: PongTrace = { n, frameBytes: fb, first, frames, actions, rewards, dones };
  await writeFile(cache, serializeTrace(t));
  return t;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const n = Number(process.argv[2] ?? 100_000);
  const t0 = Date.now();
  const t = await pongTrace(n);
  let ends = 0;
  for (const d of t.dones) ends += d;
  console.log(`pong trace: ${n} steps, ${ends} episode ends, ${Date.now() - t0} ms`);
}
