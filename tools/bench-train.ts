/**
 * npm run bench:train — in headless Chromium, per tfjs backend (webgpu, webgl, wasm with our
 * training kernels, cpu): gradient steps/s (batch 32, Adam, Double DQN) and full-loop agent
 * steps/s (acting + env + replay + one gradient step per 4 agent steps), single env vs
 * vectorized (2 workers x 4 envs), Nature network and the small (NIPS 2013) preset.
 * Each measurement runs in a fresh worker with a time limit; slow backends get fewer steps
 * (this 2-core box: a Nature step is ~10-25 s on webgpu(SwiftShader)/webgl/cpu), so the whole
 * bench stays under ~10 minutes. "first" = the first gradient step (includes kernel/shader
 * compilation). Game: pong from ../shared/roms when present, else CATCH.
 *
 * First, the CPU path's threads (all in one Chromium worker each, A/B alternated so that load
 * drift on a shared machine hits both arms alike): per-kernel ms and GFLOP/s of our kernels on
 * 1 vs T = cores threads, and Nature/small DQN and PQN minibatch gradient steps/s on 1 vs T
 * threads. Then the PyTorch
 * anchor (tools/bench-train-torch.py: same step, T threads; needs python3-torch) in this same
 * run, with the load average printed next to each part.
 * Options: --only wasm,cpu (subset of backends for the per-backend table; 'none' skips it),
 * --seconds S (each A/B arm's share, default 20).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { openBench, table, fmt } from './bench-pages/browser';
import { sharedRom } from './bench-pages/serve';
import type { KernelRow } from './kernel-bench-lib';
import { pqnMinibatchSize, type PQNConfig } from '../src/agent/pqn-config';
import { PQN_SINGLE_ENVS, RUN_PRESETS } from '../src/run/presets';

interface Rate { stepsPerSec: number; framesPerSec: number; seconds: number; steps: number }
interface TrainResult { backend: string; adapter: string; gradPerSec: number; gradSteps: number; firstStepSec: number; loop: Rate | null }

interface Plan { backend: string; network: 'nature' | 'small'; grads: number; gradSec: number; loopSec: number; vecLoop: boolean; limitSec: number }

const PLANS: Plan[] = [
  { backend: 'wasm', network: 'nature', grads: 8, gradSec: 15, loopSec: 12, vecLoop: true, limitSec: 120 },
  { backend: 'wasm', network: 'small', grads: 20, gradSec: 10, loopSec: 10, vecLoop: true, limitSec: 90 },
  // webgpu here is SwiftShader (software): no timed loop, one or two timed steps.
  { backend: 'webgpu', network: 'small', grads: 2, gradSec: 10, loopSec: 0, vecLoop: false, limitSec: 90 },
  { backend: 'webgpu', network: 'nature', grads: 1, gradSec: 1, loopSec: 0, vecLoop: false, limitSec: 150 },
  { backend: 'webgl', network: 'small', grads: 2, gradSec: 10, loopSec: 0, vecLoop: false, limitSec: 90 },
  { backend: 'webgl', network: 'nature', grads: 1, gradSec: 1, loopSec: 0, vecLoop: false, limitSec: 100 },
  { backend: 'cpu', network: 'small', grads: 1, gradSec: 1, loopSec: 0, vecLoop: false, limitSec: 90 },
];

const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');

interface Torch { torch: string; threads: number; steps_per_sec: number; steps: number }

/** tools/bench-train-torch.py with the system python (its OpenBLAS settings unset), or why not. */
function torchRate(threads: number, seconds: number): Torch | string {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const script = fileURLToPath(new URL('./bench-train-torch.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, String(threads), String(seconds)], { env, encoding: 'utf8', timeout: (seconds + 120) * 1000 });
  if (r.error) return `python3: ${r.error.message}`;
  if (r.status !== 0) return /No module named 'torch'/.test(r.stderr) ? 'not installed' : `exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`;
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Torch;
  } catch {
    return `unreadable output: ${r.stdout.slice(0, 80)}`;
  }
}

async function main(): Promise<void> {
  const only = (() => {
    const i = process.argv.indexOf('--only');
    return i >= 0 ? new Set(process.argv[i + 1].split(',')) : null;
  })();
  const abSec = (() => {
    const i = process.argv.indexOf('--seconds');
    return i >= 0 ? Number(process.argv[i + 1]) : 20;
  })();
  const rom = sharedRom('pong');
  console.log(`game: ${rom ? 'pong (../shared/roms)' : 'catch (built in)'}; batch 32; vectorized = 2 workers x 4 envs`);
  const b = await openBench('bench-train');
  const rows: (string | number)[][] = [];
  const t0 = Date.now();
  let best: { label: string; v: number } | null = null;
  let nature: { t: number; one: number; many: number } | null = null;
  let torch: Torch | string = 'not run';
  try {
    const cores = await b.call<number>('cores');
    // 1. Our kernels, compute only, 1 vs T threads.
    console.log(`load average ${load()} before the kernel table`);
    const kr = await b.within<{ threads: number; note: string | null; rows: KernelRow[] }>(240_000, 'kernels', cores, 9);
    const kt = kr.threads;
    console.log(`\nour kernels, Nature-DQN layers at batch 32, median of 9 alternated calls${kr.note ? ` (${kr.note})` : ''}; load average ${load()}`);
    const sum = (f: (r: KernelRow) => number) => kr.rows.reduce((a, r) => a + f(r), 0);
    console.log(table(['kernel', 'GFLOP', 'ms 1 thread', `ms ${kt} threads`, 'GFLOP/s 1 thread', `GFLOP/s ${kt} threads`, 'scaling'], [
      ...kr.rows.map((r) => [r.kernel, r.gflop, r.ms1, r.msT, r.gflops1, r.gflopsT, r.ms1 / r.msT]),
      ['all (one of each)', sum((r) => r.gflop), sum((r) => r.ms1), sum((r) => r.msT), sum((r) => r.gflop) / sum((r) => r.ms1) * 1000, sum((r) => r.gflop) / sum((r) => r.msT) * 1000, sum((r) => r.ms1) / sum((r) => r.msT)],
    ]));

    // 2. Whole gradient steps, 1 vs T threads, alternated step by step.
    const abRows: (string | number)[][] = [];
    for (const network of ['nature', 'small'] as const) {
      const r = await b.within<{ threads: number; note: string | null; steps1: number; stepsT: number; perSec1: number; perSecT: number }>((abSec * 2 + 120) * 1000, 'trainThreads', rom, network, cores, abSec * 2);
      abRows.push([network, r.threads, r.steps1 + r.stepsT, r.perSec1, r.perSecT, r.perSecT / r.perSec1, load()]);
      if (network === 'nature') nature = { t: r.threads, one: r.perSec1, many: r.perSecT };
      if (r.note) console.log(`${network}: ${r.note}`);
    }
    // PQN minibatch steps (LayerNorm net, no target net): pqn_atari.yaml's Nature net at its
    // minibatch of 128, and the PQN preset's net at its minibatch (8 envs x 32 steps / 4 = 64).
    const pqnPreset = RUN_PRESETS.pqn.agent as Partial<PQNConfig>;
    const presetMb = pqnMinibatchSize({ num_envs: PQN_SINGLE_ENVS, num_steps: pqnPreset.num_steps!, num_minibatches: pqnPreset.num_minibatches! });
    for (const [label, net, mb] of [['pqn nature+LN', 'nature', 128], ['pqn preset (tiny+LN)', pqnPreset.network!, presetMb]] as const) {
      const r = await b.within<{ threads: number; note: string | null; steps1: number; stepsT: number; perSec1: number; perSecT: number }>((abSec * 2 + 120) * 1000, 'trainThreadsPqn', net, mb, cores, abSec * 2);
      abRows.push([`${label}, minibatch ${mb}`, r.threads, r.steps1 + r.stepsT, r.perSec1, r.perSecT, r.perSecT / r.perSec1, load()]);
      if (r.note) console.log(`${label}: ${r.note}`);
    }
    console.log(`\nwasm gradient steps/s, 1 vs T threads alternated step by step (DQN: batch 32, Adam, Double DQN; PQN: one minibatch step, Adam, grad-norm clip)`);
    console.log(table(['net', 'T', 'steps timed', 'steps/s 1 thread', 'steps/s T threads', 'scaling', 'load average after'], abRows));

    // 3. The PyTorch anchor, same cores, same run (the browser idles meanwhile).
    const torchT = nature?.t ?? 2;
    console.log(`\nload average ${load()} before torch`);
    torch = torchRate(torchT, 15);
    const torch1 = typeof torch === 'string' ? null : torchRate(1, 10);
    if (typeof torch === 'string') console.log(`torch: ${torch}`);
    else console.log(`torch ${torch.torch}: ${fmt(torch.steps_per_sec)} Nature steps/s on ${torch.threads} threads (${torch.steps} steps), ${torch1 && typeof torch1 !== 'string' ? fmt(torch1.steps_per_sec) : '?'} on 1 thread; load average ${load()}`);

    // 4. Every backend, default settings (wasm: T threads).
    for (const p of PLANS) {
      if (only?.has('none')) break;
      if (only && !only.has(p.backend)) continue;
      const label = `${p.backend}/${p.network}`;
      try {
        const s = await b.within<TrainResult>(p.limitSec * 1000, 'train', rom, p.backend, p.network, 0, 1, p.grads, p.gradSec, p.loopSec);
        let vec: Rate | null = null;
        if (p.vecLoop) {
          const v = await b.within<TrainResult>(p.limitSec * 1000, 'train', rom, p.backend, p.network, 8, 2, 0, 0, p.loopSec).catch((e: Error) => { console.log(`${label} vectorized: ${e.message}`); return null; });
          vec = v?.loop ?? null;
        }
        rows.push([p.backend + (s.adapter ? ` (${s.adapter.slice(0, 40)})` : ''), p.network, s.firstStepSec, s.gradSteps, s.gradPerSec, s.loop ? s.loop.stepsPerSec : '-', vec ? vec.stepsPerSec : '-']);
        if (Number.isFinite(s.gradPerSec) && (!best || s.gradPerSec > best.v) && p.network === 'nature') best = { label, v: s.gradPerSec };
      } catch (e) {
        rows.push([p.backend, p.network, '-', 0, '-', '-', `failed: ${(e as Error).message.split('\n')[0].slice(0, 80)}`]);
      }
      console.log(`  done ${label} (${((Date.now() - t0) / 1000).toFixed(0)} s so far)`);
    }
  } finally {
    await b.close();
  }
  if (rows.length) {
    console.log('');
    console.log(table(['backend', 'net', 'first step s', 'grad steps timed', 'grad steps/s', 'loop single steps/s', 'loop 2x4 steps/s'], rows));
    console.log(`best Nature-DQN gradient steps/s of the table: ${best ? `${fmt(best.v)} (${best.label})` : 'n/a'}, total ${((Date.now() - t0) / 1000).toFixed(0)} s; load average ${load()}`);
  }
  printLast(nature, torch);
}

function printLast(nature: { t: number; one: number; many: number } | null, torch: Torch | string): void {
  const z = typeof torch === 'string' ? null : torch.steps_per_sec;
  const ours = nature ? `${fmt(nature.one)}/s, ${nature.t} threads ${fmt(nature.many)}/s (scaling ${fmt(nature.many / nature.one)})` : 'n/a/s, T threads n/a/s (scaling n/a)';
  console.log(`train: nature wasm 1 thread ${ours}; torch ${z === null ? 'n/a' : `${fmt(z)}/s`}; ours/torch ${z === null || !nature ? 'n/a' : fmt(nature.many / z)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
