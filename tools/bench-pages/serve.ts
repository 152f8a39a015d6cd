/**
 * Builds harness pages (not part of the app build) with Vite's API — production build, same
 * worker bundling as the app — into a private folder under node_modules/.cache and serves them
 * with the cross-origin isolation headers from a plain static server (Vite 8 refuses a second
 * `vite preview` of the same project). Used by e2e/run.spec.ts and the Chromium benches.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const types: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.bin': 'application/octet-stream',
};

export interface Served {
  base: string;
  close(): Promise<void>;
}

/** pages: name -> html path relative to the repo root. */
export async function buildAndServe(tag: string, pages: Record<string, string>): Promise<Served> {
  const outDir = resolve(ROOT, `node_modules/.cache/${tag}-${process.pid}`);
  const { build } = await import('vite');
  const input: Record<string, string> = {};
  for (const [k, v] of Object.entries(pages)) input[k] = resolve(ROOT, v);
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192, rollupOptions: { input } },
  });
  const srv = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(outDir, path);
    if (!file.startsWith(outDir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, isolation).end('not found');
      return;
    }
    res.writeHead(200, { ...isolation, 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const addr = srv.address();
  if (!addr || typeof addr === 'string') throw new Error('harness server has no port');
  return {
    base: `http://127.0.0.1:${addr.port}/`,
    close: async () => {
      await new Promise((ok) => srv.close(ok));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** CATCH bytes are built in; until the core plays CATCH, callers may fall back to a reference ROM. */
export function sharedRom(name: string): number[] | null {
  const p = resolve(ROOT, `../shared/roms/${name}.bin`);
  return existsSync(p) ? [...readFileSync(p)] : null;
}
