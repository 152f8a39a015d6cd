/*
 * The page itself, before anyone trains: it loads cross-origin isolated (SharedArrayBuffer for
 * the emulator workers), the playground starts with every built-in game of roms/builtin.json in
 * the picker and Train enabled, nothing logs an error, and a browser without WebGPU is told
 * up front that training will fall back.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

const builtins = (JSON.parse(readFileSync(new URL('../roms/builtin.json', import.meta.url), 'utf8')) as { games: Array<{ id: string; md5: string }> }).games;

async function playgroundReady(page: Page): Promise<void> {
  const game = page.getByLabel('Game', { exact: true });
  await expect(game).toHaveValue(`builtin:${builtins[0]!.id}`);
  await expect(page.locator('#game-info')).toContainText(builtins[0]!.md5);
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();
}

test('page is cross-origin isolated and the playground starts without errors', async ({ page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.goto('/');

  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  await playgroundReady(page);
  await expect(page.locator('#isolation-banner')).toBeHidden();
  const options = await page.locator('#game option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  for (const g of builtins) expect(options).toContain(`builtin:${g.id}`);

  // With --enable-unsafe-webgpu this Chromium exposes a (software) WebGPU adapter: no banner.
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    return Boolean(gpu && (await gpu.requestAdapter()));
  });
  testInfo.annotations.push({ type: 'webgpu adapter', description: String(adapter) });
  if (adapter) await expect(page.locator('#webgpu-banner')).toBeHidden();
  else await expect(page.locator('#webgpu-banner')).toBeVisible();

  await page.screenshot({ path: testInfo.outputPath('page.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('without WebGPU the page says training falls back, and the playground still starts', async ({ page }, testInfo) => {
  // Hide WebGPU from the page before any script runs, as in a browser without it.
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto('/');
  await expect(page.locator('#webgpu-banner')).toBeVisible();
  await expect(page.locator('#webgpu-banner')).toHaveText(/WebGPU is unavailable \(navigator\.gpu is missing.*\)\. Training falls back .* Chrome or Edge 113\+/);
  await playgroundReady(page);
  await page.screenshot({ path: testInfo.outputPath('no-webgpu.png'), fullPage: true });
});
