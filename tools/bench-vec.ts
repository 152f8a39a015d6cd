/**
 * npm run bench:vec — env throughput in headless Chromium (module workers, SharedArrayBuffer):
 *  1. env only, random actions: the core's own emulate + preprocess loop (the ceiling), one
 *     AtariEnv in a worker thread (SingleEnv, the single-mode adapter) vs VecEnv with W = 1, 2, 4
 *     workers and N = 8, 16, 32, 64 envs (WorkerVecEnv, the vectorized adapter);
 *  2. with a policy in the loop: a Nature-DQN network on the available tfjs backend, batch-1
 *     inference per step for the single env vs one batched inference per vector step.
 * Game: pong from ../shared/roms when present, else CATCH (built in).
 * Options: --seconds S (per measurement, default 3), --policy-seconds S (default 8),
 *          --backend NAME (default: first of webgpu, webgl, wasm, cpu that trains).
 */
import { openBench, table, fmt } from './bench-pages/browser';
import { sharedRom } from './bench-pages/serve';
import type { BackendName } from '../src/tfjs/backend-names';

interface Rate { stepsPerSec: number; framesPerSec: number; seconds: number; steps: number; backend?: string }

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '3'));
  const policySeconds = Number(arg('policy-seconds', '8'));
  const rom = sharedRom('pong');
  const game = rom ? 'pong (../shared/roms)' : 'catch (built in)';
  const b = await openBench('bench-vec');
  try {
    let backendName = arg('backend', '') as BackendName | '';
    console.log(`game: ${game}; ${seconds} s per env-only measurement, ${policySeconds} s per policy measurement`);
    const rows: (string | number)[][] = [];
    // The ceiling and the single env alternate (best of 2 each), so machine drift hits both alike.
    let core = await b.call<Rate>('coreLimit', rom, seconds);
    let single = await b.call<Rate>('envOnly', rom, 0, 1, seconds);
    const core2 = await b.call<Rate>('coreLimit', rom, seconds);
    const single2 = await b.call<Rate>('envOnly', rom, 0, 1, seconds);
    if (core2.stepsPerSec > core.stepsPerSec) core = core2;
    if (single2.stepsPerSec > single.stepsPerSec) single = single2;
    rows.push(['core: emulate + preprocess (bench:emu loop)', 1, 1, core.stepsPerSec, core.framesPerSec, core.stepsPerSec / single.stepsPerSec]);
    rows.push(['single AtariEnv (worker thread)', 1, 1, single.stepsPerSec, single.framesPerSec, 1]);
    const cores = await b.page.evaluate(() => navigator.hardwareConcurrency);
    let atCores: { n: number; r: Rate } | null = null;
    for (const w of [1, 2, 4]) {
      for (const n of [8, 16, 32, 64]) {
        const r = await b.call<Rate>('envOnly', rom, n, w, seconds);
        rows.push([`VecEnv`, w, n, r.stepsPerSec, r.framesPerSec, r.stepsPerSec / single.stepsPerSec]);
        if (w === cores && (!atCores || r.stepsPerSec > atCores.r.stepsPerSec)) atCores = { n, r };
      }
    }
    console.log('\nenv only (random actions)');
    console.log(table(['env', 'W', 'N', 'agent steps/s', 'frames/s', 'x single'], rows));
    const envLine = `env: single ${fmt(single.stepsPerSec)} steps/s, core limit ${fmt(core.stepsPerSec)} steps/s, ratio ${fmt(single.stepsPerSec / core.stepsPerSec)}`;
    if (atCores) {
      console.log(`scaling: VecEnv with W = ${cores} workers (as many as cores), best N = ${atCores.n}: ${fmt(atCores.r.stepsPerSec)} steps/s = ` +
        `${fmt(atCores.r.stepsPerSec / (cores * single.stepsPerSec))} x cores x single`);
    }

    if (!backendName) {
      // The backend a learner worker would pick (first that trains; software GPU adapters skipped).
      const c = await b.call<{ name: BackendName; fallbackReasons: string[] }>('chosenBackend');
      backendName = c.name;
      if (c.fallbackReasons.length) console.log(`backend ${c.name}; skipped: ${c.fallbackReasons.join(' | ')}`);
    }
    if (!backendName) throw new Error('no tfjs backend works');
    const prow: (string | number)[][] = [];
    const ps = await b.call<Rate>('withPolicy', rom, 0, 1, policySeconds, backendName, 'nature');
    prow.push(['single, batch-1 inference', '1x1', ps.stepsPerSec, ps.framesPerSec, 1]);
    for (const [w, k] of [[2, 4], [2, 8], [4, 8], [4, 16]]) {
      const r = await b.call<Rate>('withPolicy', rom, w * k, w, policySeconds, backendName, 'nature');
      prow.push([`vectorized, batch-${w * k} inference`, `${w}x${k}`, r.stepsPerSec, r.framesPerSec, r.stepsPerSec / ps.stepsPerSec]);
    }
    console.log(`\nwith a Nature-DQN policy in the loop (tfjs ${ps.backend})`);
    console.log(table(['loop', 'WxK', 'agent steps/s', 'frames/s', 'x single'], prow));
    const vecBest = prow.slice(1).reduce((a, r) => ((r[2] as number) > (a[2] as number) ? r : a));
    console.log(envLine);
    console.log(`vec: single ${fmt(ps.stepsPerSec)} steps/s, vectorized ${fmt(vecBest[2] as number)} steps/s (${vecBest[1]}), ratio ${fmt((vecBest[2] as number) / ps.stepsPerSec)}`);
  } finally {
    await b.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
