/**
 * npm run bench:train — in headless Chromium, per tfjs backend (webgpu, webgl, wasm with our
 * training kernels, cpu): gradient steps/s (batch 32, Adam, Double DQN) and full-loop agent
 * steps/s (acting + env + replay + one gradient step per 4 agent steps), single env vs
 * vectorized (2 workers x 4 envs), Nature network and the small (NIPS 2013) preset.
 * Each measurement runs in a fresh worker with a time limit; slow backends get fewer steps
 * (this 2-core box: a Nature step is ~10-25 s on webgpu(SwiftShader)/webgl/cpu), so the whole
 * bench stays under ~10 minutes. "first" = the first gradient step (includes kernel/shader
 * compilation). Game: pong from ../shared/roms when present, else CATCH.
 * Options: --only wasm,cpu (subset of backends).
 */
import { openBench, table, fmt } from './bench-pages/browser';
import { sharedRom } from './bench-pages/serve';

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

async function main(): Promise<void> {
  const only = (() => {
    const i = process.argv.indexOf('--only');
    return i >= 0 ? new Set(process.argv[i + 1].split(',')) : null;
  })();
  const rom = sharedRom('pong');
  console.log(`game: ${rom ? 'pong (../shared/roms)' : 'catch (built in)'}; batch 32; vectorized = 2 workers x 4 envs`);
  const b = await openBench('bench-train');
  const rows: (string | number)[][] = [];
  const t0 = Date.now();
  let best: { label: string; v: number } | null = null;
  try {
    for (const p of PLANS) {
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
  console.log('');
  console.log(table(['backend', 'net', 'first step s', 'grad steps timed', 'grad steps/s', 'loop single steps/s', 'loop 2x4 steps/s'], rows));
  console.log(`train: best Nature-DQN gradient steps/s ${best ? `${fmt(best.v)} (${best.label})` : 'n/a'}, total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
