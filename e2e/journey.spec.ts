/*
 * A new user's path through the playground, in Chromium: open the page, try a wrong ROM, train
 * the built-in game (tiny network, short warm-up: this box has 2 cores and software WebGPU),
 * watch the return chart and stats move, save, reload, resume, switch to vectorized, run the
 * speed demo, export and re-import a checkpoint. A screenshot of each state goes to the test's
 * output folder. One test, one browser context: IndexedDB persists across the reload because
 * the origin (fixed port) and the context stay the same.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

test.setTimeout(600_000);

async function num(loc: Locator, attr: string): Promise<number> {
  return Number((await loc.getAttribute(attr)) ?? 'NaN');
}

/** The run card (there is one open at a time in this journey). */
function card(page: Page): Locator {
  return page.locator('article.run-card').first();
}

async function shot(page: Page, name: string, testInfo: import('@playwright/test').TestInfo): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: false });
  await page.screenshot({ path: testInfo.outputPath(`${name}-full.png`), fullPage: true });
}

test('journey: train, chart, save, reload, resume, vectorized, speed demo, export, import', async ({ page }, testInfo) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');

  // ---- Open: the built-in game is picked, identified and trainable.
  const game = page.getByLabel('Game', { exact: true });
  await expect(game).toHaveValue('builtin:catch');
  await expect(page.locator('#game-info')).toContainText('de86e863480bfc2e154be1c3587d4868');
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await expect(train).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Load ROM' })).toBeVisible();
  await expect(page.getByRole('radiogroup', { name: 'Mode' }).first()).toBeVisible();
  await shot(page, '01-open', testInfo);

  // ---- Wrong ROMs: corrupt -> inline error; unknown -> loads, says it cannot be trained.
  await page.locator('#rom-file').setInputFiles({ name: 'broken.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3000, 7) });
  await expect(page.locator('#rom-error')).toBeVisible();
  await expect(page.locator('#rom-error')).toContainText('broken.bin is not a ROM this emulator can run');
  const unknown = Buffer.alloc(4096);
  for (let i = 0; i < unknown.length; i++) unknown[i] = (i * 7919 + 13) & 0xff;
  unknown[0xffc] = 0x00; unknown[0xffd] = 0xf0; // reset vector -> $F000
  await page.locator('#rom-file').setInputFiles({ name: 'homebrew.bin', mimeType: 'application/octet-stream', buffer: unknown });
  await expect(page.locator('#game-info')).toContainText('no reward function', { timeout: 20_000 });
  await expect(train).toBeDisabled();
  await shot(page, '02-unknown-rom', testInfo);
  await game.selectOption('builtin:catch');
  await expect(train).toBeEnabled();

  // ---- Hyperparameters: tiny net, short warm-up; an invalid value blocks Train with a message.
  await page.getByText('Hyperparameters', { exact: true }).click();
  await page.getByLabel('gamma').fill('1.5');
  await expect(page.getByRole('alert').filter({ hasText: 'gamma' })).toBeVisible();
  await expect(train).toBeDisabled();
  await page.getByRole('button', { name: 'Quick preset' }).click();
  await page.getByLabel('gamma').fill('0.99');
  await page.getByLabel('learning_starts').fill('300');
  await page.getByLabel('buffer_size').fill('5000');
  await page.getByLabel('batch_size').fill('16');
  // Software WebGPU here: a gradient step takes ~0.5 s, so few of them.
  await page.getByLabel('train_frequency').fill('32');
  await page.getByLabel('total_timesteps').fill('20000');
  await page.getByLabel('Seed').fill('7');
  await expect(train).toBeEnabled();

  // ---- Train the built-in game.
  await train.click();
  const c = card(page);
  await expect(c).toBeVisible();
  await expect(c).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
  await expect.poll(() => num(c, 'data-steps'), { timeout: 120_000 }).toBeGreaterThan(0);
  // The live view draws frames of env 0.
  await expect.poll(() => num(c.locator('canvas.screen').first(), 'data-drawn'), { timeout: 60_000 }).toBeGreaterThan(3);
  // Stats move and episodes reach the return chart; after warm-up the loss chart fills.
  const steps0 = await num(c, 'data-steps');
  await expect.poll(() => num(c, 'data-steps'), { timeout: 120_000 }).toBeGreaterThan(steps0 + 50);
  await expect.poll(() => num(c.locator('figure.chart[data-chart="Episode return"]'), 'data-points'), { timeout: 240_000 }).toBeGreaterThan(0);
  await expect(c.locator('[data-stat="lastReturn"]')).not.toHaveText('—');
  await expect(c.locator('[data-stat="backend"]')).toHaveText(/^(webgpu|webgl|wasm|cpu)/);
  await expect.poll(() => num(c.locator('figure.chart[data-chart="Loss"]'), 'data-points'), { timeout: 240_000 }).toBeGreaterThan(0);
  await expect(c.locator('figure.chart[data-chart="Episode return"] canvas')).toBeVisible();
  await shot(page, '03-training', testInfo);

  // ---- Pause / Resume.
  await c.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(c).toHaveAttribute('data-state', 'paused');
  await c.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(c).toHaveAttribute('data-state', 'running');

  // ---- Save.
  const ckRows = page.locator('#checkpoints tbody tr');
  const rowsBefore = await ckRows.count();
  await c.getByRole('button', { name: 'Save checkpoint' }).click();
  await expect.poll(() => ckRows.count(), { timeout: 120_000 }).toBeGreaterThan(rowsBefore);
  const savedSteps = Number((await ckRows.first().locator('td').nth(2).textContent())!.replace(/,/g, ''));
  expect(savedSteps).toBeGreaterThan(0);
  await shot(page, '04-saved', testInfo);

  // ---- Reload: the checkpoint is still listed; resume it. Training went on past the save, so
  // the browser asks first (beforeunload); leave.
  const dialogs: string[] = [];
  page.on('dialog', (d) => { dialogs.push(d.type()); void d.accept(); });
  await page.reload();
  expect(dialogs).toContain('beforeunload');
  await expect.poll(() => ckRows.count(), { timeout: 60_000 }).toBeGreaterThan(0);
  await expect(page.locator('article.run-card')).toHaveCount(0);
  // The ROM loaded before the reload is still in the picker (IndexedDB), still marked untrainable.
  await expect(game.locator('option', { hasText: 'homebrew.bin' })).toHaveText(/no reward function/);
  await ckRows.first().getByRole('button', { name: /^Resume from checkpoint/ }).click();
  await expect(c).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
  await expect.poll(() => num(c, 'data-steps'), { timeout: 60_000 }).toBeGreaterThanOrEqual(savedSteps);
  await expect.poll(() => num(c, 'data-steps'), { timeout: 120_000 }).toBeGreaterThan(savedSteps + 20);
  // Curves came back with the run.
  await expect.poll(() => num(c.locator('figure.chart[data-chart="Episode return"]'), 'data-points'), { timeout: 60_000 }).toBeGreaterThan(0);
  await shot(page, '05-resumed', testInfo);

  // ---- Switch to vectorized (1 worker x 2 envs).
  const mode = c.getByRole('radiogroup', { name: 'Mode' });
  await mode.getByLabel('Vectorized').check();
  await c.getByLabel('workers').fill('1');
  await c.getByLabel('× envs').fill('2');
  await c.getByRole('button', { name: 'Switch mode' }).click();
  await expect(c.locator('[data-stat="mode"]')).toContainText('Vectorized 1×2', { timeout: 180_000 });
  await expect(c).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
  const stepsVec = await num(c, 'data-steps');
  await expect.poll(() => num(c, 'data-steps'), { timeout: 120_000 }).toBeGreaterThan(stepsVec + 20);
  // Each small view shows its own env, live: env i's canvas draws the frames the worker put in
  // env i's slot (its reader refuses a frame that names another env), keeps drawing while the
  // run trains, and the two envs' pictures are not one shared picture.
  const minis = c.locator('.env-grid canvas');
  await expect(minis).toHaveCount(2);
  for (let i = 0; i < 2; i++) {
    await expect.poll(() => num(minis.nth(i), 'data-drawn'), { timeout: 60_000 }).toBeGreaterThan(0);
    await expect(minis.nth(i)).toHaveAttribute('data-env', String(i));
    await expect(minis.nth(i)).toHaveAttribute('data-tag', new RegExp(`^env ${i} step \\d+$`));
  }
  const drawnAt = [await num(minis.nth(0), 'data-drawn'), await num(minis.nth(1), 'data-drawn')];
  for (let i = 0; i < 2; i++) await expect.poll(() => num(minis.nth(i), 'data-drawn'), { timeout: 60_000 }).toBeGreaterThan(drawnAt[i]! + 5);
  const pixels = (i: number) => minis.nth(i).evaluate((cv: HTMLCanvasElement) => Array.from(cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data).join());
  await expect.poll(async () => (await pixels(0)) !== (await pixels(1)), { timeout: 30_000 }).toBe(true);
  // Clicking env 1's small view puts env 1 in the big view (the view slot).
  await minis.nth(1).click();
  await expect(c.locator('.view-tag')).toHaveText(/^env 1 step \d+ \(84×84 observation\)$/, { timeout: 30_000 });
  await expect(c.getByLabel('Show env')).toHaveValue('1');
  await c.locator('.view').scrollIntoViewIfNeeded();
  await shot(page, '06-vectorized', testInfo);
  await c.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(c).toHaveAttribute('data-state', 'paused');

  // ---- Speed demo (short).
  await page.locator('#speed-seconds').fill('2');
  await page.locator('#speed-workers').fill('1');
  await page.locator('#speed-envs').fill('2');
  await page.getByRole('button', { name: 'Speed demo' }).click();
  await expect(page.locator('.speed')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  const ratio = Number(await page.locator('.ratio').getAttribute('data-ratio'));
  expect(ratio).toBeGreaterThan(0);
  // Agent steps/s including training (the PQN preset on the demo's envs).
  await expect(page.locator('.speed-table')).toContainText('Training: PQN preset (tiny net) on 1×2');
  expect(Number(await page.locator('.training-rate').getAttribute('data-steps-per-sec'))).toBeGreaterThan(0);
  await page.locator('.speed').scrollIntoViewIfNeeded();
  await shot(page, '07-speed-demo', testInfo);

  // ---- Export, then import the file again.
  const download = page.waitForEvent('download');
  await ckRows.first().getByRole('button', { name: /^Export checkpoint/ }).click();
  const file = testInfo.outputPath('exported.arcadelab');
  await (await download).saveAs(file);
  expect(readFileSync(file).length).toBeGreaterThan(1000);
  await expect(page.locator('#checkpoints .inline-msg')).toContainText('Exported');
  const countBeforeImport = await ckRows.count();
  // The exported checkpoint is still here: importing the file is refused by content id, nothing added.
  await page.locator('#import-file').setInputFiles(file);
  await expect(page.locator('#checkpoints .inline-msg')).toContainText(/Imported|Import of .* failed/, { timeout: 120_000 });
  await expect(page.locator('#checkpoints .inline-msg')).toContainText('this checkpoint is already here');
  expect(await ckRows.count()).toBe(countBeforeImport);
  // Delete it (the file is then the only copy) and import the file again: it is back.
  // (the delete confirmation is accepted by the dialog handler installed before the reload)
  await ckRows.first().getByRole('button', { name: /^Delete checkpoint/ }).click();
  await expect.poll(() => ckRows.count()).toBe(countBeforeImport - 1);
  await page.locator('#import-file').setInputFiles(file);
  await expect(page.locator('#checkpoints .inline-msg')).toContainText('Imported', { timeout: 120_000 });
  expect(await ckRows.count()).toBe(countBeforeImport);
  await page.locator('#checkpoints').scrollIntoViewIfNeeded();
  await shot(page, '08-imported', testInfo);

  // Errors and state changes went to the page's activity log.
  await expect(page.locator('.activity-list li').first()).toBeVisible();
  expect(pageErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
});

test('side by side: two games train at once on a large screen; pause one, watch the agent, play with the keyboard', async ({ page }, testInfo) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto('/');
  const game = page.getByLabel('Game', { exact: true });
  await expect(game).toHaveValue('builtin:catch');

  // Play: keyboard on the page's own emulator.
  const play = page.getByRole('button', { name: 'Play', exact: true });
  await play.click();
  await expect(page.locator('#play-status')).toContainText('Playing game 1');
  const screen = page.getByRole('img', { name: 'Game screen (preview and Play)' });
  const drawn0 = await num(screen, 'data-drawn');
  // Hold LEFT: the basket (bottom rows) must move while the screen keeps being drawn.
  const bottom = () => screen.evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 170, 160, 12).data).join());
  const before = await bottom();
  await page.keyboard.down('ArrowLeft');
  await expect.poll(() => num(screen, 'data-drawn'), { timeout: 20_000 }).toBeGreaterThan(drawn0 + 20);
  await page.keyboard.up('ArrowLeft');
  expect(await bottom()).not.toBe(before);
  await page.keyboard.press('Escape');
  await expect(page.locator('#play-status')).toHaveText('Play stopped.');

  // Two runs: no learning within the test (warm-up longer than the test), so env steps stay fast.
  await page.getByText('Hyperparameters', { exact: true }).click();
  await page.getByLabel('network', { exact: true }).selectOption('tiny');
  await page.getByLabel('learning_starts').fill('100000');
  await page.getByLabel('buffer_size').fill('5000');
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await train.click();
  const cards = page.locator('article.run-card');
  await expect(cards).toHaveCount(1);
  await game.selectOption('builtin:dodge');
  await expect(train).toBeEnabled();
  await train.click();
  await expect(cards).toHaveCount(2);
  const [a, b] = [cards.nth(0), cards.nth(1)];
  await expect(a).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
  await expect(b).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
  await expect(b.getByRole('heading')).toContainText('Dodge');
  await expect.poll(() => num(a, 'data-steps'), { timeout: 120_000 }).toBeGreaterThan(100);
  await expect.poll(() => num(b, 'data-steps'), { timeout: 120_000 }).toBeGreaterThan(100);
  // Each card has its own charts; both get episodes.
  await expect.poll(() => num(a.locator('figure.chart[data-chart="Episode return"]'), 'data-points'), { timeout: 180_000 }).toBeGreaterThan(0);
  await expect.poll(() => num(b.locator('figure.chart[data-chart="Episode return"]'), 'data-points'), { timeout: 180_000 }).toBeGreaterThan(0);

  // Pause one: it stops, the other goes on.
  await a.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(a).toHaveAttribute('data-state', 'paused');
  // The learner finishes the slice it is in and its last metrics snapshot may land just after
  // the state change: wait until the paused card's counter holds still, then it must stay put.
  await expect.poll(async () => {
    const before = await num(a, 'data-steps');
    await page.waitForTimeout(1500);
    return (await num(a, 'data-steps')) === before;
  }, { timeout: 30_000 }).toBe(true);
  const aSteps = await num(a, 'data-steps');
  const bSteps = await num(b, 'data-steps');
  await expect.poll(() => num(b, 'data-steps'), { timeout: 60_000 }).toBeGreaterThan(bSteps + 50);
  expect(await num(a, 'data-steps')).toBe(aSteps);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '09-side-by-side', testInfo);

  // Watch agent: greedy play at real-time speed on the second run, then back to training.
  const watch = b.getByRole('button', { name: 'Watch agent' });
  await watch.click();
  await expect(b.getByRole('button', { name: 'Stop watching' })).toHaveAttribute('aria-pressed', 'true');
  const view = b.locator('canvas.screen');
  const d0 = await num(view, 'data-drawn');
  await expect.poll(() => num(view, 'data-drawn'), { timeout: 30_000 }).toBeGreaterThan(d0 + 10);
  await shot(page, '10-watching', testInfo);
  await b.getByRole('button', { name: 'Stop watching' }).click();
  await expect(b.getByRole('button', { name: 'Watch agent' })).toBeVisible();

  // Close the second card first: the locators are positional.
  await b.getByRole('button', { name: 'Close run' }).click();
  await expect(cards).toHaveCount(1);
  await a.getByRole('button', { name: 'Close run' }).click();
  await expect(cards).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();
  expect(pageErrors).toEqual([]);
});
