import { defineConfig } from 'vite';

// Cross-origin isolation (COOP + COEP) is what makes SharedArrayBuffer and shared
// WebAssembly.Memory available to the page and its workers. Every server we run sends it.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export const DEV_PORT = 5173;
export const PREVIEW_PORT = 4173;

export default defineConfig({
  server: { port: DEV_PORT, strictPort: true, headers: isolation },
  preview: { port: PREVIEW_PORT, strictPort: true, headers: isolation },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
