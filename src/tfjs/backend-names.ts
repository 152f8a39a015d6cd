/*
 * The tfjs backends Arcade Lab can train on, in the order a learner tries them, and what the
 * choice reports. Plain types and one constant (no tfjs import), so the run API
 * (src/run/types.ts), the UI and the e2e specs can name backends without loading tfjs.
 */

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** How a test makes a learner's GPU fail on WebGPU (src/tfjs/backend.ts destroyDeviceForTest; WebGL has one way, the context lost). */
export type GpuFault = 'destroy' | 'uncaptured-error';

/** webgpu first; wasm (with our training kernels) before cpu, which is far too slow for 84x84. */
export const DEFAULT_BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** What chooseBackend (backend.ts) settled on, and why it skipped the ones before it. */
export interface BackendInfo {
  name: BackendName;
  /** WebGPU adapter description when known ("vendor architecture device"); for wasm, the
   *  threads our kernels run on ("our kernels on 2 threads" or "1 thread: why"); else ''. */
  adapter: string;
  isFallbackAdapter: boolean;
  /** One line per backend tried before this one and why it was skipped. */
  fallbackReasons: string[];
}
