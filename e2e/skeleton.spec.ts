import { expect, test } from '@playwright/test';
import { NTSC_RGB } from '../src/ui/palette';
import { SCREEN_H, SCREEN_W, demoPatternIndex } from '../src/worker/demo-pattern';

test('page is isolated, shows the worker frame and names a real tfjs backend', async ({ page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.goto('/');

  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  await expect(page.locator('#isolation')).toHaveText(/^yes/);

  // Wait until the canvas has been drawn a few times, then read it and the frame it holds
  // in one synchronous evaluation, so the pixels and the frame number agree.
  await expect(page.locator('#worker-status')).toHaveText(/^running/);
  await expect.poll(async () => Number(await page.locator('#screen').getAttribute('data-frame') ?? -1)).toBeGreaterThan(5);
  const snap = await page.evaluate(() => {
    const c = document.getElementById('screen') as HTMLCanvasElement;
    const frame = Number(c.dataset['frame']);
    const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return { frame, w: c.width, h: c.height, px: Array.from(px) };
  });
  expect([snap.w, snap.h]).toEqual([SCREEN_W, SCREEN_H]);
  let mismatches = 0;
  let first = '';
  for (let y = 0; y < SCREEN_H; y++) {
    for (let x = 0; x < SCREEN_W; x++) {
      const rgb = NTSC_RGB[demoPatternIndex(x, y, snap.frame) >> 1]!;
      const i = (y * SCREEN_W + x) * 4;
      const got = [snap.px[i], snap.px[i + 1], snap.px[i + 2], snap.px[i + 3]];
      const want = [(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255, 255];
      if (got.join() !== want.join()) {
        if (!first) first = `(${x},${y}) got ${got} want ${want}`;
        mismatches++;
      }
    }
  }
  expect(mismatches, `canvas differs from demo frame ${snap.frame}; first: ${first}`).toBe(0);

  // The frame keeps moving: the worker is alive and the page keeps reading shared memory.
  await expect.poll(async () => Number(await page.locator('#screen').getAttribute('data-frame'))).toBeGreaterThan(snap.frame + 10);

  await expect(page.locator('#backend')).toHaveAttribute('data-backend', /^(webgpu|webgl|cpu)$/);
  const backend = await page.locator('#backend').getAttribute('data-backend');
  await expect(page.locator('#backend')).toHaveText(new RegExp(`^${backend}`));
  // With --enable-unsafe-webgpu this Chromium exposes a (software) WebGPU adapter.
  const adapter = await page.locator('#adapter').textContent();
  testInfo.annotations.push({ type: 'backend', description: `${backend}; adapter: ${adapter}` });
  if (backend === 'webgpu') await expect(page.locator('#adapter')).not.toHaveText(/unavailable/);
  else await expect(page.locator('#webgpu-banner')).toBeVisible();

  await expect(page.locator('#train-smoke')).toHaveText(/^ok: /, { timeout: 90_000 });
  await page.screenshot({ path: testInfo.outputPath('skeleton.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('without WebGPU the page falls back and says so clearly', async ({ page }, testInfo) => {
  // Hide WebGPU from the page before any script runs, as in a browser without it.
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto('/');
  await expect(page.locator('#backend')).toHaveAttribute('data-backend', /^(webgl|cpu)$/);
  await expect(page.locator('#adapter')).toHaveText(/^unavailable: navigator\.gpu is missing/);
  await expect(page.locator('#webgpu-banner')).toBeVisible();
  await expect(page.locator('#webgpu-banner')).toHaveText(/WebGPU is unavailable .* Chrome or Edge 113\+/);
  await expect(page.locator('#train-smoke')).toHaveText(/^ok: /, { timeout: 90_000 });
  // The emulator path does not depend on WebGPU.
  await expect(page.locator('#worker-status')).toHaveText(/^running/);
  await page.screenshot({ path: testInfo.outputPath('no-webgpu.png'), fullPage: true });
});
