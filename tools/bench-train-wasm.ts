// Benchmark: one Nature-DQN gradient step (batch 32, 84x84x4 float input, Huber loss, Adam with
// explicit epsilon) on tfjs's 'wasm' backend with our training kernels vs the 'cpu' backend.
//
//   npx tsx tools/bench-train-wasm.ts [--steps 10] [--cpu-steps 1]
//
// First, the learner's real step, arms alternated: XNNPACK vs our Conv2D, tfjs's Adam vs our
// fused one, 1 vs T threads.
// Also prints: which kernels the step needs that tfjs-wasm lacks (before we register ours), a
// per-kernel profile, the cost of the copies between tfjs-wasm's heap and our module, and the
// alternative data-path / matmul settings. Keep it short: the machine is shared.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { fileURLToPath } from 'node:url';
import { registerWasmTrainingKernels, setKernelModesForBenchmark } from '../src/tfjs/kernels-register';
import { DQNLearner } from '../src/agent/learner';
import { makeConfig } from '../src/agent/config';
import { Rng } from '../src/agent/rng';
import type { ReplayBatch } from '../src/agent/replay';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const STEPS = arg('steps', 10);
const CPU_STEPS = arg('cpu-steps', 1);
const BATCH = 32;
const ACTIONS = 6;

function natureDqn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [84, 84, 4], filters: 32, kernelSize: 8, strides: 4, activation: 'relu' }),
      tf.layers.conv2d({ filters: 64, kernelSize: 4, strides: 2, activation: 'relu' }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, strides: 1, activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 512, activation: 'relu' }),
      tf.layers.dense({ units: ACTIONS }),
    ],
  });
}

interface Trainer { step(): number; dispose(): void }

function makeTrainer(batch: number): Trainer {
  const net = natureDqn();
  const opt = tf.train.adam(1e-4, 0.9, 0.999, 1.5e-4);
  const x = tf.randomUniform([batch, 84, 84, 4]);
  const a = tf.randomUniform([batch], 0, ACTIONS, 'int32');
  const y = tf.randomNormal([batch]);
  return {
    step() {
      const loss = opt.minimize(() => {
        const q = net.apply(x) as tf.Tensor2D;
        const qa = tf.sum(tf.mul(q, tf.oneHot(a, ACTIONS)), 1);
        return tf.losses.huberLoss(y, qa) as tf.Scalar;
      }, true)!;
      const v = loss.dataSync()[0]; // forces the whole step to finish
      loss.dispose();
      return v;
    },
    dispose() {
      tf.dispose([x, a, y]);
      opt.dispose();
      net.dispose();
    },
  };
}

/** Wall-clock ms per step, plus the process's CPU time per step (user+sys; all our work is on
 *  the main thread, so on a shared machine this is the load-independent figure). */
function timeSteps(t: Trainer, n: number): number[] & { cpuMs?: number } {
  const ms: number[] & { cpuMs?: number } = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    t.step();
    ms.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  ms.cpuMs = (c.user + c.system) / 1000 / n;
  return ms;
}

function summary(ms: number[] & { cpuMs?: number }): string {
  const s = [...ms].sort((p, q) => p - q);
  const mean = ms.reduce((p, q) => p + q, 0) / ms.length;
  return `median ${s[Math.floor(s.length / 2)].toFixed(1)} ms, mean ${mean.toFixed(1)} ms, min ${s[0].toFixed(1)} ms ` +
    `wall; ${ms.cpuMs!.toFixed(1)} ms CPU time per step (${ms.length} steps)`;
}

async function main(): Promise<void> {
  setWasmPaths(fileURLToPath(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url)));
  await tf.setBackend('cpu');
  await tf.ready();

  // 1. Kernels a Nature-DQN step uses (profiled on cpu at batch 2) that tfjs-wasm does not have.
  {
    const t = makeTrainer(2);
    const info = await tf.profile(() => void t.step());
    t.dispose();
    const used = [...new Set(info.kernelNames)].filter((n) => tf.getKernel(n, 'cpu')).sort();
    const missing = used.filter((n) => !tf.getKernel(n, 'wasm'));
    console.log(`kernels used by a step: ${used.join(' ')}`);
    console.log(`missing on tfjs-wasm 4.22: ${missing.join(' ') || '(none)'}`);
  }

  const { kernels, kernelNames } = await registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  console.log(`load average ${(await import('node:os')).loadavg().map((v) => v.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
  console.log(`registered for wasm: ${kernelNames.join(' ')} (SIMD: ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads: ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')})`);

  // 2. The learner's own step (Double DQN: 3 forward passes, 1 backward), arms alternated step
  //    by step: tfjs's XNNPACK Conv2D on 1 thread (the forward before our Conv2D), ours on 1
  //    thread, ours on T threads. CPU time is the whole process's (all threads).
  {
    const cfg = makeConfig({ network: 'nature', num_envs: 1, batch_size: BATCH });
    const L = new DQNLearner(cfg, { height: 84, width: 84, channels: 4 }, ACTIONS, new Rng(1));
    const sz = BATCH * 84 * 84 * 4;
    const batch = {
      size: BATCH, obs: new Float32Array(sz).map((_, i) => (i * 7) % 256), nextObs: new Float32Array(sz).map((_, i) => (i * 13) % 256),
      actions: new Int32Array(BATCH).map((_, i) => i % ACTIONS), returns: new Float32Array(BATCH).fill(0.5),
      discounts: new Float32Array(BATCH).fill(0.99), weights: new Float32Array(BATCH).fill(1),
    } as unknown as ReplayBatch;
    // FLOPs of one step: 3 forwards, then the filter gradients of every layer and the input
    // gradients of all but conv1 (2 FLOPs per multiply-add).
    const macs = [20 * 20 * 32 * 8 * 8 * 4, 9 * 9 * 64 * 4 * 4 * 32, 7 * 7 * 64 * 3 * 3 * 64, 3136 * 512, 512 * ACTIONS];
    const fwd = macs.reduce((a, b) => a + b, 0);
    const stepFlop = 2 * BATCH * (3 * fwd + fwd + (fwd - macs[0]));
    const T = kernels.threads;
    const arms = [
      { name: 'XNNPACK Conv2D, tfjs Adam, 1 thread', conv: 'xnnpack' as const, adam: 'tfjs' as const, t: 1 },
      { name: 'our Conv2D, tfjs Adam, 1 thread', conv: 'ours' as const, adam: 'tfjs' as const, t: 1 },
      { name: 'ours + fused Adam, 1 thread', conv: 'ours' as const, adam: 'fused' as const, t: 1 },
      { name: `ours + tfjs Adam, ${T} threads`, conv: 'ours' as const, adam: 'tfjs' as const, t: T },
      { name: `ours + fused Adam, ${T} threads`, conv: 'ours' as const, adam: 'fused' as const, t: T },
    ];
    const wall = arms.map(() => 0), cpu = arms.map(() => 0);
    const run = async (a: (typeof arms)[number]) => {
      setKernelModesForBenchmark({ conv2d: a.conv, adam: a.adam });
      kernels.useThreads(a.t);
      const t0 = performance.now(), c0 = process.cpuUsage();
      await L.trainStep(batch);
      await L.lastLoss();
      const c = process.cpuUsage(c0);
      return [performance.now() - t0, (c.user + c.system) / 1000];
    };
    for (const a of arms) await run(a); // warm-up
    for (let i = 0; i < STEPS; i++) {
      for (let j = 0; j < arms.length; j++) {
        const [w, c] = await run(arms[j]);
        wall[j] += w;
        cpu[j] += c;
      }
    }
    setKernelModesForBenchmark({ conv2d: 'ours', adam: 'fused' });
    console.log(`DQNLearner Nature step (${(stepFlop / 1e9).toFixed(2)} GFLOP), ${STEPS} steps per arm, alternated:`);
    arms.forEach((a, j) => console.log(`  ${a.name.padEnd(36)} ${(wall[j] / STEPS).toFixed(1)} ms wall (${(1000 * STEPS / wall[j]).toFixed(2)} steps/s, ` +
      `${(stepFlop / 1e6 / (wall[j] / STEPS)).toFixed(1)} GFLOP/s), ${(cpu[j] / STEPS).toFixed(1)} ms CPU`));
    console.log(`load average ${(await import('node:os')).loadavg().map((v) => v.toFixed(1)).join(' ')}`);
    L.dispose();
  }

  // 3. wasm + our kernels (tfjs-layers model, one forward pass).
  const w = makeTrainer(BATCH);
  timeSteps(w, 2); // warm-up: memory growth, first XNNPACK operators
  console.log(`wasm+ours (defaults: matMul 'auto', heap-view copies): ${summary(timeSteps(w, STEPS))}`);
  setKernelModesForBenchmark({ matMul: 'transposed' });
  timeSteps(w, 1);
  console.log(`wasm+ours (plain matmuls left to XNNPACK):            ${summary(timeSteps(w, STEPS))}`);
  setKernelModesForBenchmark({ matMul: 'auto', copyMode: 'readSync' });
  timeSteps(w, 1);
  console.log(`wasm+ours (inputs read via readSync, one extra copy): ${summary(timeSteps(w, STEPS))}`);
  setKernelModesForBenchmark({ copyMode: 'heap-view' });

  const started = kernels.useThreads(1); // the profile's kernel times are 1-thread figures
  const stepProfile = await tf.profile(() => void w.step());
  kernels.useThreads(started);
  const agg = new Map<string, number>();
  for (const k of stepProfile.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  const top = [...agg].sort((p, q) => q[1] - p[1]).slice(0, 10);
  console.log(`profile of one step (kernel ms): ${top.map(([n, v]) => `${n} ${v.toFixed(1)}`).join(', ')}`);
  w.dispose();

  // 4. Copy overhead: each gradient kernel through tfjs (copy in + compute + copy out) vs the
  //    compute alone on buffers already in our memory.
  const layers: { name: string; x: [number, number, number, number]; f: [number, number, number, number]; s: number }[] = [
    { name: 'conv1', x: [BATCH, 84, 84, 4], f: [8, 8, 4, 32], s: 4 },
    { name: 'conv2', x: [BATCH, 20, 20, 32], f: [4, 4, 32, 64], s: 2 },
    { name: 'conv3', x: [BATCH, 9, 9, 64], f: [3, 3, 64, 64], s: 1 },
  ];
  const reps = 5;
  for (const L of layers) {
    const x = tf.randomNormal(L.x) as tf.Tensor4D;
    const f = tf.randomNormal(L.f) as tf.Tensor4D;
    const dy = tf.conv2d(x, f, L.s, 'valid');
    const attrs = { strides: [L.s, L.s], pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined };
    const viaTf = (name: string) => {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) {
        const out = (name === 'Conv2DBackpropFilter'
          ? tf.engine().runKernel(name, { x, dy }, { ...attrs, filterShape: L.f } as unknown as tf.NamedAttrMap)
          : tf.engine().runKernel(name, { dy, filter: f }, { ...attrs, inputShape: L.x } as unknown as tf.NamedAttrMap)) as tf.Tensor;
        out.dispose();
      }
      return (performance.now() - t0) / reps;
    };
    const g = {
      batch: BATCH, inH: L.x[1], inW: L.x[2], inC: L.x[3], outH: dy.shape[1], outW: dy.shape[2], outC: L.f[3],
      kH: L.f[0], kW: L.f[1], strideH: L.s, strideW: L.s, padTop: 0, padLeft: 0,
    };
    kernels.reset();
    const px = kernels.allocF32(x.size), pdy = kernels.allocF32(dy.size), pf = kernels.allocF32(f.size);
    const pdw = kernels.allocF32(f.size), pdx = kernels.allocF32(x.size);
    const keep = kernels.arenaUsed();
    kernels.f32(px, x.size).set(x.dataSync());
    kernels.f32(pdy, dy.size).set(dy.dataSync());
    kernels.f32(pf, f.size).set(f.dataSync());
    const computeOnly = (which: 'filter' | 'input') => {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) {
        kernels.reset();
        kernels.allocF32(keep / 4); // scratch goes above our preloaded buffers
        if (which === 'filter') kernels.conv2dBackpropFilter(px, pdy, pdw, g);
        else kernels.conv2dBackpropInput(pdy, pf, pdx, g);
      }
      return (performance.now() - t0) / reps;
    };
    viaTf('Conv2DBackpropFilter');
    const fTf = viaTf('Conv2DBackpropFilter'), fC = computeOnly('filter');
    const line = [`${L.name}: BackpropFilter ${fTf.toFixed(2)} ms via tfjs vs ${fC.toFixed(2)} ms compute only`];
    if (L.name !== 'conv1') { // conv1's input gradient is never needed (the frames are not trained)
      viaTf('Conv2DBackpropInput');
      const iTf = viaTf('Conv2DBackpropInput'), iC = computeOnly('input');
      line.push(`BackpropInput ${iTf.toFixed(2)} ms vs ${iC.toFixed(2)} ms`);
    }
    console.log(line.join('; '));
    tf.dispose([x, f, dy]);
  }

  // 5. The data path alone: moving conv1's input (32x84x84x4 floats, 3.6 MB) from tfjs-wasm's heap
  //    into our memory, as a view + set (what the kernels do) vs readSync (a copy) + set.
  {
    const x = tf.randomNormal([BATCH, 84, 84, 4]);
    const backend = tf.backend() as unknown as {
      typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
      readSync(id: object): Float32Array;
    };
    const reps = 20;
    const time = (read: () => Float32Array) => {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) {
        kernels.reset();
        const p = kernels.allocF32(x.size);
        kernels.f32(p, x.size).set(read());
      }
      return (performance.now() - t0) / reps;
    };
    const info = { dataId: x.dataId, shape: x.shape, dtype: x.dtype } as tf.TensorInfo;
    time(() => backend.typedArrayFromHeap(info));
    const view = time(() => backend.typedArrayFromHeap(info));
    const viaRead = time(() => backend.readSync(x.dataId));
    console.log(`copy 3.6 MB tfjs heap -> ours: heap view + set ${view.toFixed(2)} ms, readSync + set ${viaRead.toFixed(2)} ms`);
    x.dispose();
  }

  // 6. cpu backend, for comparison (slow: 1-2 steps only).
  if (CPU_STEPS > 0) {
    await tf.setBackend('cpu');
    const c = makeTrainer(BATCH);
    console.log(`cpu backend: ${summary(timeSteps(c, CPU_STEPS))}`);
    c.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
