/*
 * A learner worker that fails, on the real page: terminated (no event, no reply: what a crash or
 * an out-of-memory kill looks like from the page), a training step that throws, a worker that
 * hangs in a busy loop; and a lost GPU device, after which the page reopens the run by itself
 * (last test). In each the run card says what happened, what was kept (the last
 * checkpoint, intact) and what to do, with its "Resume from last save" button; pressing it
 * reopens the run from the newest checkpoint in a new learner worker and training goes on, no
 * counter behind the last save. Faults are injected through the page's test-only hook (opened
 * with ?fault-injection; src/ui/app.ts -> RunController.simulateFault).
 *
 * The other fault scenarios (reload, browser killed, killed during a save, context closed:
 * e2e/persistence.spec.ts; WebGPU device loss: e2e/run.spec.ts) carry the same @faults tag;
 * `npm run test:faults` runs them all.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { FAULTS, injectFault, num, storeIntegrity, trainForFaults } from './helpers/persistence';
import type { FaultKind } from '../src/run/types';

test.setTimeout(600_000);

async function cardShot(page: Page, name: string, testInfo: TestInfo): Promise<void> {
  await page.locator('article.run-card').first().screenshot({ path: testInfo.outputPath(`${name}.png`) });
}

/** What the card must say about a learner that failed: the cause, the intact checkpoint (step `saved`), Resume. */
async function faultScenario(page: Page, kind: FaultKind, cause: RegExp, testInfo: TestInfo): Promise<void> {
  const { card, runId, before } = await trainForFaults(page);
  await injectFault(page, kind);
  // The watchdog's bound (30 s) plus a heartbeat period for the silent kinds.
  await expect(card).toHaveAttribute('data-state', 'error', { timeout: 90_000 });
  const box = card.locator('.run-error');
  const resume = box.getByRole('button', { name: 'Resume from last save' });
  await expect(resume).toBeVisible({ timeout: 20_000 });
  const text = (await box.textContent()) ?? '';
  const store = await storeIntegrity(page);
  console.log(`${kind}: the card says: ${text}`);
  console.log(`${kind}: ${store.manifests} checkpoints stored, newest at step ${store.maxSteps}; the page showed ${before} steps when the fault was injected`);
  await cardShot(page, `${kind}-card`, testInfo);
  // What happened, what was kept, what to do.
  expect(text).toMatch(/^Training stopped: /);
  expect(text).toMatch(cause);
  expect(text).toContain(`the last checkpoint (step ${store.maxSteps.toLocaleString('en-US')}) is intact`);
  expect(text).toContain('Press "Resume from last save"');
  expect(store.bad).toEqual([]);
  expect(store.maxSteps).toBeGreaterThan(0);
  // Nothing else is offered to do on the card meanwhile (it is stopped for good).
  await expect(card.getByRole('button', { name: 'Save checkpoint' })).toBeDisabled();

  await resume.click();
  // The old card goes, the run reopens from its newest checkpoint in a new learner worker.
  const again = page.locator(`article.run-card[data-run="${runId}"]`);
  await expect(again).toHaveCount(1, { timeout: 60_000 });
  await expect(again).toHaveAttribute('data-state', 'running', { timeout: 180_000 });
  await expect(again.locator('.run-error')).toHaveCount(0);
  await expect.poll(() => num(again, 'data-steps'), { timeout: 60_000 }).toBeGreaterThanOrEqual(store.maxSteps);
  await expect.poll(() => num(again, 'data-steps'), { timeout: 180_000 }).toBeGreaterThan(store.maxSteps + 20);
  const after = await storeIntegrity(page);
  expect(after.bad).toEqual([]);
  expect(after.maxSteps).toBeGreaterThanOrEqual(store.maxSteps);
  await cardShot(page, `${kind}-resumed`, testInfo);
}

test('learner worker terminated (no event, no reply): the watchdog notices, the card offers Resume from the intact last save, training goes on', FAULTS, async ({ page }, testInfo) => {
  await faultScenario(page, 'terminate', /the learner worker stopped answering \(no reply for \d+ s: it hung, or it was killed, e\.g\. out of memory\)/, testInfo);
});

test('a training step throws: the run stops, the card offers Resume from the intact last save, training goes on', FAULTS, async ({ page }, testInfo) => {
  await faultScenario(page, 'step-throws', /a training step failed \(simulated step failure \(fault injection\)\) at step [\d,]+/, testInfo);
});

test('learner worker hung (busy loop): the watchdog notices and ends it, the card offers Resume from the intact last save, training goes on', FAULTS, async ({ page }, testInfo) => {
  await faultScenario(page, 'hang', /the learner worker stopped answering \(no reply for \d+ s: it hung, or it was killed, e\.g\. out of memory\)/, testInfo);
});

test('GPU device lost on the real page: the run reopens by itself from the intact last save, the card says on which backend, training goes on', FAULTS, async ({ page }, testInfo) => {
  const { runId, before } = await trainForFaults(page);
  // On WebGPU the learner's device is destroyed for real (e2e/run.spec.ts tests that path on a
  // WebGPU learner); here the page's learner is on wasm, so the loss watcher's report is simulated.
  await injectFault(page, 'device-lost');
  const stopped = page.locator('.activity-list li', { hasText: 'stopped by an error: Training stopped: the GPU device was lost' });
  await expect(stopped).toHaveCount(1, { timeout: 30_000 });
  const said = (await stopped.textContent()) ?? '';
  // No button pressed: the run comes back on its own, in a new learner, from the newest checkpoint.
  const again = page.locator(`article.run-card[data-run="${runId}"]`);
  const note = again.locator('.run-note');
  await expect(note).toBeVisible({ timeout: 120_000 });
  const noteText = (await note.textContent()) ?? '';
  const store = await storeIntegrity(page);
  console.log(`device-lost: the Activity said: ${said}`);
  console.log(`device-lost: the reopened card says: ${noteText}`);
  console.log(`device-lost: ${store.manifests} checkpoints stored, newest at step ${store.maxSteps}; the page showed ${before} steps when the fault was injected`);
  expect(said).toMatch(/the last checkpoint \(step [\d,]+\) is intact\. The page reopens the run from it by itself in a new learner/);
  expect(noteText).toMatch(/^Reopened by itself after the GPU device was lost: from the checkpoint at step [\d,]+, now on wasm/);
  await expect(again).toHaveCount(1);
  await expect(again).toHaveAttribute('data-state', 'running', { timeout: 180_000 });
  await expect(again.locator('.run-error')).toHaveCount(0);
  expect(store.bad).toEqual([]);
  const from = Number(/from the checkpoint at step ([\d,]+)/.exec(noteText)![1].replace(/,/g, ''));
  expect(from).toBe(store.maxSteps);
  await expect.poll(() => num(again, 'data-steps'), { timeout: 180_000 }).toBeGreaterThan(from + 20);
  await cardShot(page, 'device-lost-reopened', testInfo);
});
