/*
 * Wires the page: the playground, and two up-front notices about this browser: no
 * cross-origin isolation (no SharedArrayBuffer: the playground cannot run) and no WebGPU
 * (training falls back to a much slower backend; the learner chooses it, src/tfjs/backend.ts).
 */
import { startPlayground } from './ui/app';
import { probeWebGPU } from './tfjs/webgpu-probe';

function banner(id: string, text: string): void {
  const b = document.getElementById(id);
  if (!b) throw new Error(`#${id} is missing from index.html`);
  b.textContent = text;
  b.hidden = false;
}

if (!globalThis.crossOriginIsolated) {
  banner(
    'isolation-banner',
    'This page is not cross-origin isolated, so SharedArrayBuffer is unavailable and the emulator workers cannot share frames. ' +
      'Serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (npm run start does).',
  );
}

// Only asks for an adapter (no device, no tfjs), so the page does not wait for it.
probeWebGPU().then((p) => {
  if (p.available) return;
  banner(
    'webgpu-banner',
    `WebGPU is unavailable (${p.reason ?? 'unknown reason'}). Training falls back to WebGL, WebAssembly or CPU and will be much slower. ` +
      'Use Chrome or Edge 113+ with hardware acceleration on.',
  );
}).catch((e: unknown) => console.warn('WebGPU probe failed', e));

// The playground (game picker, runs, charts, checkpoints): its own failures are shown on the page.
const root = document.getElementById('playground');
if (!root) throw new Error('#playground is missing from index.html');
startPlayground(root).catch((e: unknown) => {
  banner('isolation-banner', `The playground failed to start: ${e instanceof Error ? e.message : String(e)}`);
});
