/* Wires the page: emulator worker -> shared memory -> canvas, and the tfjs backend report. */
import * as Comlink from 'comlink';
import { ScreenView } from './ui/screen-view';
import type { EmuWorkerApi } from './worker/emu.worker';
import { startPlayground } from './ui/app';

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing from index.html`);
  return e as T;
}

function show(id: string, text: string, cls?: 'ok' | 'warn' | 'bad'): void {
  const e = el(id);
  e.textContent = text;
  e.className = cls ?? '';
}

function banner(id: string, text: string): void {
  const b = el(id);
  b.textContent = text;
  b.hidden = false;
}

async function startEmulator(): Promise<void> {
  if (!globalThis.crossOriginIsolated) {
    show('isolation', 'no', 'bad');
    banner(
      'isolation-banner',
      'This page is not cross-origin isolated, so SharedArrayBuffer is unavailable and the emulator cannot share frames. ' +
        'Serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (npm run start does).',
    );
    show('worker-status', 'not started (needs cross-origin isolation)', 'bad');
    return;
  }
  show('isolation', 'yes (SharedArrayBuffer available)', 'ok');
  const worker = new Worker(new URL('./worker/emu.worker.ts', import.meta.url), { type: 'module', name: 'emulator' });
  worker.addEventListener('error', (e) => show('worker-status', `worker error: ${e.message}`, 'bad'));
  const emu = Comlink.wrap<EmuWorkerApi>(worker);
  const channel = await emu.init(new URL(`${import.meta.env.BASE_URL}arcade.wasm`, location.href).href);
  const frameCount = el('frame-count');
  const view = new ScreenView(el<HTMLCanvasElement>('screen'), channel, (frame, drawn) => {
    if (drawn % 10 === 1) frameCount.textContent = `${drawn} (worker frame ${frame})`;
  });
  await emu.start(60);
  view.start();
  show('worker-status', 'running: arcade.wasm demo pattern at 60 fps', 'ok');
}

async function startTfjs(): Promise<void> {
  // Loaded on demand: tfjs is large and the emulator view should not wait for it.
  const { selectBackend, describeAdapter } = await import('./tfjs/backend');
  const sel = await selectBackend();
  const failed = sel.attempts.filter((a) => !a.ok);
  show('backend', `${sel.backend}${failed.length ? ` (fallback: ${failed.map((a) => a.name).join(', ')} unavailable)` : ''}`, sel.backend === 'webgpu' ? 'ok' : 'warn');
  // The full reasons stay one hover away rather than crowding the panel.
  el('backend').title = failed.map((a) => `${a.name}: ${a.error}`).join('\n');
  el('backend').dataset['backend'] = sel.backend;
  if (sel.webgpu.available && sel.webgpu.adapter) {
    show('adapter', describeAdapter(sel.webgpu.adapter), sel.webgpu.adapter.isFallbackAdapter ? 'warn' : 'ok');
  } else {
    show('adapter', `unavailable: ${sel.webgpu.reason ?? 'unknown reason'}`, 'bad');
  }
  if (sel.backend !== 'webgpu') {
    banner(
      'webgpu-banner',
      `WebGPU is unavailable (${sel.webgpu.reason ?? sel.attempts[0]?.error ?? 'unknown reason'}). ` +
        `Training runs on ${sel.backend.toUpperCase()} instead and will be much slower. Use Chrome or Edge 113+ with hardware acceleration on.`,
    );
  }
  const { trainingSmoke } = await import('./tfjs/smoke');
  show('train-smoke', 'running…');
  const r = await trainingSmoke(5);
  const down = r.losses[r.losses.length - 1]! < r.losses[0]!;
  show(
    'train-smoke',
    `${down ? 'ok' : 'loss did not fall'}: 5 Adam steps of a tiny conv net on ${r.backend}, loss ${r.losses[0]!.toFixed(4)} → ${r.losses[r.losses.length - 1]!.toFixed(4)} in ${r.ms.toFixed(0)} ms`,
    down ? 'ok' : 'bad',
  );
}

startEmulator().catch((e: unknown) => show('worker-status', `failed: ${e instanceof Error ? e.message : String(e)}`, 'bad'));
startTfjs().catch((e: unknown) => {
  show('backend', `failed: ${e instanceof Error ? e.message : String(e)}`, 'bad');
  show('train-smoke', 'not run', 'bad');
});

// The playground (game picker, runs, charts, checkpoints): its own failures are shown on the page.
startPlayground(el('playground')).catch((e: unknown) => {
  banner('isolation-banner', `The playground failed to start: ${e instanceof Error ? e.message : String(e)}`);
});
