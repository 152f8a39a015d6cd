/*
 * Asks the browser about WebGPU without creating a device or loading tfjs: whether an adapter
 * exists, what it is, and why not when it does not. chooseBackend (backend.ts) uses it before
 * trying tfjs's webgpu backend; the page uses it to say up front when training will fall back.
 *
 * Works in browsers (window or worker) and in Node (where navigator.gpu is missing).
 */

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
