/**
 * Runs one page script in the system Chromium against its real IndexedDB and WebCrypto: bundles
 * `entry` with esbuild, serves it on localhost (a secure context: crypto.subtle, IndexedDB) and
 * opens it in a persistent Playwright context, so IndexedDB lives on disk as in a normal profile
 * (a fresh incognito-like context keeps it in memory with a much smaller effective limit).
 * `files` maps extra URL paths to files on disk. Used by bench-browser.ts and browser-check.ts; everything is removed again afterwards.
 */
// esbuild comes with tsx (a devDependency); it bundles the page code in well under a second.
import { build } from 'esbuild';
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';

/** Opens the bundled `entry` and calls `use` once the page sets globalThis[readyFlag] = true. */
export async function withEntryPage<T>(entry: URL, readyFlag: string, use: (page: Page) => Promise<T>, files: Record<string, string> = {}): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ckpt-page-'));
  const profile = await mkdtemp(join(tmpdir(), 'ckpt-profile-'));
  const server = createServer();
  try {
    await build({ entryPoints: [entry.pathname], bundle: true, format: 'esm', outfile: join(dir, 'entry.js'), logLevel: 'error', define: { 'process.env.NODE_ENV': '"production"' } });
    const js = await readFile(join(dir, 'entry.js'));
    server.on('request', (req, res) => {
      if (req.url === '/entry.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(js); return; }
      // Extra files (e.g. the benchmark's Pong trace), streamed from disk.
      const file = req.url ? files[req.url] : undefined;
      if (file) { res.writeHead(200, { 'content-type': 'application/octet-stream' }); createReadStream(file).pipe(res); return; }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><script type="module" src="/entry.js"></script>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const ctx = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.error('page error:', e.message));
      await page.goto(`http://localhost:${port}/`);
      await page.waitForFunction((flag) => (globalThis as unknown as Record<string, unknown>)[flag] === true, readyFlag);
      return await use(page);
    } finally {
      await ctx.close();
    }
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
}
