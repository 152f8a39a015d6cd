/*
 * Chooses the TensorFlow.js backend: WebGPU first, then WebGL, then CPU.
 *
 * The WASM backend is deliberately not in the list: tfjs 4.22's WASM backend has no
 * Conv2DBackpropFilter kernel, so it cannot train a conv net, and its threaded build hangs
 * in a minified production build unless threads are disabled. It can join the list once
 * that kernel is registered (src/agent/wasm-kernels).
 *
 * Works in browsers (window or worker) and in Node (where only CPU is available).
 */
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'webgpu' | 'webgl' | 'cpu';
export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];

/** What the browser says about its WebGPU adapter (GPUAdapterInfo fields, all optional). */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface WebGPUProbe {
  available: boolean;
  adapter?: AdapterSummary;
  /** Why WebGPU cannot be used, when it cannot. */
  reason?: string;
}

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  error?: string;
}

export interface BackendSelection {
  backend: BackendName;
  webgpu: WebGPUProbe;
  attempts: BackendAttempt[];
}

// Minimal shapes of the WebGPU API we touch, so the code compiles without @webgpu/types.
interface GpuAdapterLike {
  info?: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> & { isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

/** Asks the browser for a WebGPU adapter without creating a device. */
export async function probeWebGPU(): Promise<WebGPUProbe> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (!nav?.gpu) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    return {
      available: false,
      reason:
        secure === false
          ? 'navigator.gpu is missing because the page is not a secure context (use https or localhost)'
          : 'navigator.gpu is missing: this browser has no WebGPU (Chrome/Edge 113+ has it; on Linux it may need chrome://flags/#enable-unsafe-webgpu)',
    };
  }
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await nav.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { available: false, reason: `requestAdapter() failed: ${String(e)}` };
  }
  if (!adapter) {
    return { available: false, reason: 'navigator.gpu exists but requestAdapter() returned no adapter (GPU blocklisted or disabled)' };
  }
  const info = adapter.info ?? {};
  return {
    available: true,
    adapter: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    },
  };
}

/** One line for people: "vendor architecture (description)". */
export function describeAdapter(a: AdapterSummary): string {
  const main = [a.vendor, a.architecture, a.device].filter((s) => s).join(' ') || 'unnamed adapter';
  const extra = [a.description, a.isFallbackAdapter ? 'software fallback adapter' : ''].filter((s) => s).join(', ');
  return extra ? `${main} (${extra})` : main;
}

async function tryBackend(name: BackendName): Promise<void> {
  if (name === 'webgpu') {
    // Registers the 'webgpu' backend only where navigator.gpu exists; loaded on demand so
    // pages and Node tests that never reach WebGPU don't pay for it.
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (!tf.findBackendFactory(name)) throw new Error(`backend '${name}' is not registered in this environment`);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed to initialise`);
  await tf.ready();
  // A backend can initialise and still fail on first use (lost context, broken driver).
  const probe = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(1)));
  const got = await probe.data();
  probe.dispose();
  if (got[0] !== 2 || got[1] !== 3) throw new Error(`backend '${name}' computed [1,2]+1 = [${Array.from(got)}]`);
}

/** Selects the first backend of `order` that initialises and computes correctly. */
export async function selectBackend(order: readonly BackendName[] = DEFAULT_BACKEND_ORDER): Promise<BackendSelection> {
  const webgpu = order.includes('webgpu') ? await probeWebGPU() : { available: false, reason: 'not requested' };
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    if (name === 'webgpu' && !webgpu.available) {
      attempts.push({ name, ok: false, error: webgpu.reason ?? 'unavailable' });
      continue;
    }
    try {
      await tryBackend(name);
      attempts.push({ name, ok: true });
      return { backend: name, webgpu, attempts };
    } catch (e) {
      attempts.push({ name, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  throw new Error(`no TensorFlow.js backend works here: ${attempts.map((a) => `${a.name}: ${a.error}`).join('; ')}`);
}

/** Adam with every constant spelled out: tfjs's default epsilon (1e-7) differs from PyTorch's (1e-8). */
export function createAdam(learningRate: number, opts: { beta1?: number; beta2?: number; epsilon: number }): tf.AdamOptimizer {
  return tf.train.adam(learningRate, opts.beta1 ?? 0.9, opts.beta2 ?? 0.999, opts.epsilon);
}
