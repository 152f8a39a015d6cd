/** Headless system Chromium (Playwright cannot download browsers here) on the bench page. */
import { chromium, type Browser, type Page } from '@playwright/test';
import { buildAndServe, type Served } from './serve';

export interface BenchPage {
  page: Page;
  call<T>(fn: string, ...args: unknown[]): Promise<T>;
  /** Like call, but the worker is killed (and the promise rejects) after ms. */
  within<T>(ms: number, fn: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export async function openBench(tag: string): Promise<BenchPage> {
  const served: Served = await buildAndServe(tag, { bench: 'tools/bench-pages/bench.html' });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: true,
      args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('pageerror:', e.message));
    page.on('console', (m) => { if (m.type() === 'error') console.error('console.error:', m.text()); });
    await page.goto(`${served.base}tools/bench-pages/bench.html`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    if (!(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error('bench page is not cross-origin isolated');
    const b = browser;
    return {
      page,
      call: <T>(fn: string, ...args: unknown[]) =>
        page.evaluate(([f, a]) => (globalThis as unknown as { bench: { call: (f: string, ...x: unknown[]) => Promise<unknown> } }).bench.call(f as string, ...(a as unknown[])), [fn, args] as const) as Promise<T>,
      within: <T>(ms: number, fn: string, ...args: unknown[]) =>
        page.evaluate(([m, f, a]) => (globalThis as unknown as { bench: { within: (m: number, f: string, ...x: unknown[]) => Promise<unknown> } }).bench.within(m as number, f as string, ...(a as unknown[])), [ms, fn, args] as const) as Promise<T>,
      close: async () => { await b.close(); await served.close(); },
    };
  } catch (e) {
    await browser?.close();
    await served.close();
    throw e;
  }
}

export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) => '| ' + r.map((c, i) => String(c).padEnd(w[i])).join(' | ') + ' |';
  return [line(cells[0]), '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|', ...cells.slice(1).map(line)].join('\n');
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}
