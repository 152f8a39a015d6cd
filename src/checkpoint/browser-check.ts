/**
 * Runs browser-check-entry.ts in the system Chromium (real IndexedDB + WebCrypto): bundles it
 * with esbuild, serves it on localhost, prints one line per check, exits 1 on any failure.
 * Run: `npx tsx src/checkpoint/browser-check.ts`.
 */
// esbuild comes with tsx (a devDependency); it bundles the page code in well under a second.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'ckpt-check-'));
  await build({ entryPoints: [new URL('./browser-check-entry.ts', import.meta.url).pathname], bundle: true, format: 'esm', outfile: join(dir, 'check.js'), logLevel: 'error', define: { 'process.env.NODE_ENV': '"production"' } });
  const js = await readFile(join(dir, 'check.js'));
  const server = createServer((req, res) => {
    if (req.url === '/check.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(js); return; }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><script type="module" src="/check.js"></script>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const profile = await mkdtemp(join(tmpdir(), 'ckpt-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
  let failed = 0;
  try {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`http://localhost:${port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { checksReady?: boolean }).checksReady === true);
    const res = await page.evaluate(() => (globalThis as unknown as { runChecks: () => Promise<Array<{ name: string; ok: boolean; detail: string }>> }).runChecks());
    for (const r of res) {
      console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail ? ` — ${r.detail}` : ''}`);
      if (!r.ok) failed++;
    }
    console.log(`browser checks: ${res.length - failed} passed, ${failed} failed`);
    if (res.length === 0) failed = 1;
  } finally {
    await ctx.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(1); });
