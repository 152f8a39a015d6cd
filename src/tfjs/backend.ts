/**
 * Backend choice for a learner worker: webgpu -> webgl -> wasm (with our training kernels,
 * kernels-register.ts) -> cpu, each one checked by a real (tiny) conv-net gradient step before
 * it is accepted, since a backend that initialises can still lack a training kernel (tfjs-wasm
 * has no Conv2DBackpropFilter without ours) or fail on first use (lost context, SwiftShader
 * quirks). The reasons for every backend skipped are kept for the UI.
 *
 * Works in browsers (window or worker) and in Node (where only cpu, and wasm given asset
 * paths, are available).
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_BACKENDS, type BackendInfo, type BackendName, type GpuFault } from './backend-names';
import { describeAdapter, probeWebGPU } from './webgpu-probe';

/** Where the wasm backend's binaries and our train_kernels.wasm are (absolute URLs). */
export interface WasmAssets {
  tfjsWasm: string;
  tfjsWasmSimd: string;
  tfjsWasmThreadedSimd: string;
  trainKernels: string;
  /** Threads for our kernels (this one included); default every core (kernels-module.ts). */
  kernelThreads?: number;
}

/** One SGD step of a conv + dense net (every kernel family a DQN step needs). Throws on failure. */
export async function checkTraining(): Promise<void> {
  // Fixed seeds (tfjs draws these on the CPU, so every backend gets the same numbers) and
  // filters with a positive mean over positive inputs: with zero-mean random filters all three
  // ReLU channels came out dead now and then (1 of 300 random starts when measured), the loss
  // was 0 before and after, and a working backend was refused.
  const x = tf.randomUniform([2, 12, 12, 2], 0, 1, 'float32', 11);
  // (tidy frees the initial-value tensors; the variables keep their data)
  const w1 = tf.tidy(() => tf.variable(tf.randomNormal([4, 4, 2, 3], 0.05, 0.1, 'float32', 12)));
  const w2 = tf.tidy(() => tf.variable(tf.randomNormal([27, 2], 0, 0.1, 'float32', 13)));
  try {
    const loss = () => tf.tidy(() => {
      const h = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as unknown as tf.Tensor4D, 4, 'valid'));
      const q = tf.matMul(tf.reshape(h, [2, 27]), w2 as unknown as tf.Tensor2D);
      return tf.mean(tf.square(q)) as tf.Scalar;
    });
    const lossValue = async () => {
      const t = loss();
      try {
        return (await t.data())[0];
      } finally {
        t.dispose();
      }
    };
    const before = await lossValue();
    const { value, grads } = tf.variableGrads(loss);
    value.dispose();
    for (const [name, g] of Object.entries(grads)) {
      const v = name === w1.name ? w1 : w2;
      const next = tf.tidy(() => tf.sub(v, tf.mul(g, 0.1)));
      v.assign(next);
      next.dispose();
      g.dispose();
    }
    const after = await lossValue();
    if (!Number.isFinite(before) || !Number.isFinite(after) || !(after < before)) {
      throw new Error(`a gradient step did not lower the loss (${before} -> ${after})`);
    }
  } finally {
    x.dispose();
    w1.dispose();
    w2.dispose();
  }
}

/** Returns, for wasm, what our kernels run on ("2 threads", or "1 thread: why"), else ''. */
async function useBackend(name: BackendName, assets: WasmAssets | null): Promise<string> {
  let detail = '';
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (name === 'wasm') {
    if (!assets) throw new Error('wasm backend assets were not provided');
    const wasmMod = await import('@tensorflow/tfjs-backend-wasm');
    wasmMod.setWasmPaths({
      'tfjs-backend-wasm.wasm': assets.tfjsWasm,
      'tfjs-backend-wasm-simd.wasm': assets.tfjsWasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': assets.tfjsWasmThreadedSimd,
    });
    // tfjs's threaded build needs its own pthread worker script, which a bundle does not carry
    // (it hung in minified builds); the heavy kernels of a training step are ours and run on
    // every core through our own pool instead (kernels-module.ts), the rest stays 1-thread SIMD.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const { registerWasmTrainingKernels } = await import('./kernels-register');
    const { kernels } = await registerWasmTrainingKernels({ wasmUrl: assets.trainKernels, threads: assets.kernelThreads });
    detail = kernels.threadsNote ?? `our kernels on ${kernels.threads} threads`;
  }
  if (!tf.findBackendFactory(name)) throw new Error(`backend '${name}' is not registered in this environment`);
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed to initialise`);
  await tf.ready();
  await checkTraining();
  return detail;
}

export async function chooseBackend(order: readonly BackendName[] = DEFAULT_BACKENDS, assets: WasmAssets | null = null): Promise<BackendInfo> {
  const reasons: string[] = [];
  let adapter = '';
  let isFallbackAdapter = false;
  for (const name of order) {
    if (name === 'webgpu') {
      const p = await probeWebGPU();
      if (!p.available) { reasons.push(`webgpu: ${p.reason ?? 'unavailable'}`); continue; }
      if (p.adapter) { adapter = describeAdapter(p.adapter); isFallbackAdapter = p.adapter.isFallbackAdapter; }
      // A software adapter (SwiftShader) trains a Nature DQN ~50x slower than wasm with our
      // kernels (bench:train); use it only when nothing after it in the order can train.
      if (isFallbackAdapter && order.indexOf('wasm') > order.indexOf('webgpu') && order.length > 1) {
        reasons.push(`webgpu: only a software fallback adapter (${adapter}); slower than wasm`);
        continue;
      }
    }
    try {
      const detail = await useBackend(name, assets);
      if (name === 'webgl') {
        const r = webglRenderer();
        if (r && /swiftshader|llvmpipe|software/i.test(r) && order.indexOf('wasm') > order.indexOf('webgl')) {
          reasons.push(`webgl: software renderer (${r}); slower than wasm`);
          continue;
        }
        adapter = r ?? '';
        return { name, adapter, isFallbackAdapter: false, fallbackReasons: reasons };
      }
      return { name, adapter: name === 'webgpu' ? adapter : detail, isFallbackAdapter: name === 'webgpu' && isFallbackAdapter, fallbackReasons: reasons };
    } catch (e) {
      reasons.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend can train here: ${reasons.join('; ')}`);
}

/** The WebGL renderer string of tfjs's context (unmasked when the browser allows), or null. */
function webglRenderer(): string | null {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return null;
  }
}

/** tf.memory() plus the GPU bytes where the backend reports them. */
export function memoryInfo(): { numBytes: number; numTensors: number; numBytesInGPU?: number } {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesInGPUAllocated?: number };
  const out: { numBytes: number; numTensors: number; numBytesInGPU?: number } = { numBytes: m.numBytes, numTensors: m.numTensors };
  const gpu = m.numBytesInGPU ?? m.numBytesInGPUAllocated;
  if (typeof gpu === 'number') out.numBytesInGPU = gpu;
  return out;
}

// Minimal shapes of the GPU objects watched below (no @webgpu/types dependency, as webgpu-probe.ts).
interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  addEventListener(t: 'uncapturederror', f: (e: Event) => void): void;
  removeEventListener(t: 'uncapturederror', f: (e: Event) => void): void;
  destroy(): void;
  createBuffer(d: { size: number; usage: number }): unknown;
}
interface WebGLCanvasLike {
  addEventListener(t: 'webglcontextlost', f: (e: Event) => void): void;
  removeEventListener(t: 'webglcontextlost', f: (e: Event) => void): void;
}

function currentDevice(): GpuDeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GpuDeviceLike }).device ?? null;
}

/**
 * Calls `onLost` (once) when the backend's GPU goes away under the learner: the WebGPU device is
 * lost (driver crash, GPU reset, device.destroy()) or reports an uncaptured error (out of memory,
 * internal error: the state of the tensors is then unknown), or the WebGL context is lost.
 * Returns the remover. wasm and cpu have no device and never call it.
 */
export function watchBackendLoss(onLost: (message: string) => void): () => void {
  let live = true;
  const once = (m: string): void => {
    if (!live) return;
    live = false;
    onLost(m);
  };
  const dev = currentDevice();
  if (dev) {
    void dev.lost.then((info) => once(`the WebGPU device was lost (${info?.reason || 'unknown reason'}${info?.message ? `: ${info.message}` : ''})`));
    const onErr = (e: Event): void => {
      const err = (e as Event & { error?: { message?: string; constructor?: { name?: string } } }).error;
      once(`WebGPU reported an error the learner cannot recover from (${err?.constructor?.name ?? 'GPUError'}: ${err?.message ?? 'no message'})`);
    };
    dev.addEventListener('uncapturederror', onErr);
    return () => { live = false; dev.removeEventListener('uncapturederror', onErr); };
  }
  const canvas = tf.getBackend() === 'webgl'
    ? ((tf.backend() as unknown as { gpgpu?: { gl?: { canvas?: WebGLCanvasLike } } }).gpgpu?.gl?.canvas ?? null)
    : null;
  if (canvas && typeof canvas.addEventListener === 'function') {
    const onLostCtx = (): void => once('the WebGL context was lost (GPU reset or too many contexts)');
    canvas.addEventListener('webglcontextlost', onLostCtx);
    return () => { live = false; canvas.removeEventListener('webglcontextlost', onLostCtx); };
  }
  return () => { live = false; };
}

/**
 * Fault injection for the device-loss tests (e2e/run.spec.ts), each the real event a driver
 * gives: on WebGPU 'destroy' destroys this worker's device (what a driver reset does to it) and
 * 'uncaptured-error' makes an invalid buffer outside any error scope (a real uncapturederror);
 * on WebGL the context is lost through WEBGL_lose_context. Throws where the backend has no GPU.
 */
export function destroyDeviceForTest(how: GpuFault = 'destroy'): void {
  const dev = currentDevice();
  if (dev) {
    if (how === 'destroy') dev.destroy();
    else dev.createBuffer({ size: 4, usage: 0 }); // usage 0 is invalid: a validation error nobody catches
    return;
  }
  if (tf.getBackend() === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: { getExtension(n: string): { loseContext(): void } | null } } }).gpgpu?.gl;
    const ext = gl?.getExtension('WEBGL_lose_context');
    if (!ext) throw new Error('this WebGL context has no WEBGL_lose_context to lose it with');
    ext.loseContext();
    return;
  }
  throw new Error(`the ${tf.getBackend()} backend has no GPU device to lose`);
}
