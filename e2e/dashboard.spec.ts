/*
 * Dashboard controls beyond the journey: a DQN run switched to PQN from its card (counters and
 * curves continue), and eight runs side by side in one tab (the ninth is refused with a reason,
 * closing one lets another start). Screenshots go to each test's output folder.
 */
import { expect, test, type Page } from '@playwright/test';
import { num, setUp } from './helpers/persistence';

test.setTimeout(600_000);

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return errors;
}

test('Switch to PQN: a DQN run goes on as PQN from its card; steps, episodes and charts continue', async ({ page }, testInfo) => {
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/');
  await setUp(page); // the Quick preset, shortened for this box
  await page.getByRole('button', { name: 'Train', exact: true }).click();

  const c = page.locator('article.run-card').first();
  await expect(c).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
  await expect(c).toHaveAttribute('data-algorithm', 'dqn', { timeout: 60_000 });
  const toPqn = c.getByRole('button', { name: 'Switch to PQN' });
  await expect(toPqn).toBeVisible();
  await expect.poll(() => num(c, 'data-steps'), { timeout: 180_000 }).toBeGreaterThan(600);
  await expect.poll(() => num(c.locator('figure.chart[data-chart="Episode return"]'), 'data-points'), { timeout: 180_000 }).toBeGreaterThan(0);
  const returnPoints = await num(c.locator('figure.chart[data-chart="Episode return"]'), 'data-points');

  await toPqn.click();
  await expect(c).toHaveAttribute('data-algorithm', 'pqn', { timeout: 180_000 });
  const stepsAtSwitch = await num(c, 'data-steps');
  // One env in single mode goes on as 8 envs in the learner's thread (PQN_SINGLE_ENVS).
  await expect(c.locator('dd[data-stat="mode"]')).toContainText('8', { timeout: 30_000 });
  const activity = page.getByRole('region', { name: 'Activity' });
  await expect(activity).toContainText('now PQN', { timeout: 30_000 });
  await expect(activity).toContainText('kept');
  await expect(toPqn).toBeHidden();
  await expect(c).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
  // Training goes on from where it was: the counter never went back, and grows.
  expect(stepsAtSwitch).toBeGreaterThan(600);
  await expect.poll(() => num(c, 'data-steps'), { timeout: 180_000 }).toBeGreaterThan(stepsAtSwitch + 500);
  // The return chart kept its DQN points and gets PQN's.
  expect(await num(c.locator('figure.chart[data-chart="Episode return"]'), 'data-points')).toBeGreaterThanOrEqual(returnPoints);
  await c.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('switched-to-pqn.png'), fullPage: false });
  await c.getByRole('button', { name: 'Close run' }).click();
  await expect(page.locator('article.run-card')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('eight runs side by side: each its own card; a ninth is refused with the reason; closing one frees a slot', async ({ page }, testInfo) => {
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto('/');
  await page.getByText('Hyperparameters', { exact: true }).click();
  // Smallest learner, no gradient step within the test; each run is paused once it trains, so
  // eight learners on a 2-core machine do not starve each other (CI runs here too).
  await page.getByLabel('network', { exact: true }).selectOption('tiny');
  await page.getByLabel('learning_starts').fill('100000');
  await page.getByLabel('buffer_size').fill('2000');
  const train = page.getByRole('button', { name: 'Train', exact: true });
  const cards = page.locator('article.run-card');
  const games = ['builtin:catch', 'builtin:dodge'];
  for (let i = 0; i < 8; i++) {
    await page.getByLabel('Game', { exact: true }).selectOption(games[i % 2]);
    await page.getByLabel('Seed', { exact: true }).fill(String(i + 1));
    await expect(train).toBeEnabled({ timeout: 60_000 });
    await train.click();
    await expect(cards).toHaveCount(i + 1, { timeout: 120_000 });
    const c = cards.nth(i);
    await expect(c).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
    await expect.poll(() => num(c, 'data-steps'), { timeout: 120_000 }).toBeGreaterThan(0);
    await c.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect(c).toHaveAttribute('data-state', 'paused', { timeout: 60_000 });
  }
  // The ninth: Train is disabled and says why.
  await expect(train).toBeDisabled();
  await expect(train).toHaveAttribute('title', '8 runs are open: close one to start another.');
  // Each card is its own run: distinct run ids, its own game and seed in the title.
  const ids = await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-run')));
  expect(new Set(ids).size).toBe(8);
  for (let i = 0; i < 8; i++) await expect(cards.nth(i).getByRole('heading', { level: 3 })).toContainText(`(seed ${i + 1})`);
  // Two of them train again at the same time; the others stay where they were.
  const still = await num(cards.nth(3), 'data-steps');
  for (const i of [0, 7]) await cards.nth(i).getByRole('button', { name: 'Resume', exact: true }).click();
  for (const i of [0, 7]) {
    const at = await num(cards.nth(i), 'data-steps');
    await expect.poll(() => num(cards.nth(i), 'data-steps'), { timeout: 120_000 }).toBeGreaterThan(at + 50);
  }
  expect(await num(cards.nth(3), 'data-steps')).toBe(still);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: testInfo.outputPath('eight-runs.png'), fullPage: true });

  await cards.nth(7).getByRole('button', { name: 'Close run' }).click();
  await expect(cards).toHaveCount(7);
  await expect(train).toBeEnabled();
  for (let i = 6; i >= 0; i--) await cards.nth(i).getByRole('button', { name: 'Close run' }).click();
  await expect(cards).toHaveCount(0);
  expect(errors).toEqual([]);
});
