/**
 * Same numbers as bench.ts in Chromium (real IndexedDB): bundles bench-browser-entry.ts with
 * esbuild, serves it on localhost (a secure context: crypto.subtle, IndexedDB) and drives the
 * system Chromium with Playwright. Run: `npx tsx src/checkpoint/bench-browser.ts [transitions]`.
 */
// esbuild comes with tsx (a devDependency); it bundles the page code in well under a second.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

const N = Number(process.argv[2] ?? 100_000);
const PART = process.argv[3] ? Number(process.argv[3]) * 2 ** 20 : undefined;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ckpt-bench-'));
  await build({ entryPoints: [new URL('./bench-browser-entry.ts', import.meta.url).pathname], bundle: true, format: 'esm', outfile: join(dir, 'bench.js'), logLevel: 'error', define: { 'process.env.NODE_ENV': '"production"' } });
  const js = await readFile(join(dir, 'bench.js'));
  const server = createServer((req, res) => {
    if (req.url === '/bench.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(js); return; }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><script type="module" src="/bench.js"></script>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  // A persistent context: IndexedDB on disk as in a normal profile (a fresh incognito-like
  // context keeps IndexedDB in memory with a much smaller effective limit).
  const profile = await mkdtemp(join(tmpdir(), 'ckpt-profile-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(m.text()));
    await page.goto(`http://localhost:${port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { benchReady?: boolean }).benchReady === true);
    const log = await page.evaluate(([n, p]) => (globalThis as unknown as { runBench: (n: number, p?: number) => Promise<string[]> }).runBench(n, p ?? undefined), [N, PART ?? null] as const);
    void log;
  } finally {
    await browser.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
