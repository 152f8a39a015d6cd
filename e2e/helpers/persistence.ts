/**
 * Shared by the persistence and fault scenarios (e2e/persistence.spec.ts, e2e/faults.spec.ts):
 * quick settings with a short autosave interval, training until timed saves happened, and a
 * direct read of the checkpoint store (every blob of every manifest there at its size).
 */
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';

/** The autosave interval the scenarios set (autosave.everySeconds). */
export const INTERVAL_S = 4;
/** What is not the interval: the save itself, the step in flight, a metrics snapshot's delay. */
export const SLACK_S = 3;
/** The tag `npm run test:faults` runs (tools/test-faults.mjs greps for it). */
export const FAULTS = { tag: '@faults' };

export async function num(loc: Locator, attr: string): Promise<number> {
  return Number((await loc.getAttribute(attr)) ?? 'NaN');
}

export async function shot(page: Page, name: string, testInfo: TestInfo): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

/** Quick settings for this slow shared box (as the journey), with a short autosave interval. */
export async function setUp(page: Page): Promise<void> {
  await expect(page.getByLabel('Game', { exact: true })).toHaveValue('builtin:catch');
  await page.getByText('Hyperparameters', { exact: true }).click();
  await page.getByRole('button', { name: 'Quick preset' }).click();
  await page.getByLabel('learning_starts').fill('300');
  await page.getByLabel('buffer_size').fill('5000');
  await page.getByLabel('batch_size').fill('16');
  await page.getByLabel('train_frequency').fill('32');
  await page.getByLabel('total_timesteps').fill('200000');
  await page.getByLabel('autosave.everySeconds').fill(String(INTERVAL_S));
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();
}

/** Trains until `n` timed saves happened; returns a trace of (time, steps shown) sampled meanwhile. */
export async function trainUntilTimedSaves(page: Page, n: number): Promise<Array<{ t: number; steps: number }>> {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const card = page.locator('article.run-card').first();
  await expect(card).toHaveAttribute('data-state', 'running', { timeout: 180_000 });
  const timed = page.locator('.activity-list li', { hasText: 'checkpoint saved (timed' });
  const trace: Array<{ t: number; steps: number }> = [];
  const t0 = Date.now();
  while ((await timed.count()) < n) {
    if (Date.now() - t0 > 300_000) throw new Error(`only ${await timed.count()} timed saves in 300 s`);
    trace.push({ t: Date.now(), steps: (await num(card, 'data-steps')) || 0 });
    await page.waitForTimeout(200);
  }
  // Some more training after the last save, so an interruption now has something to lose.
  for (let i = 0; i < 10; i++) {
    trace.push({ t: Date.now(), steps: (await num(card, 'data-steps')) || 0 });
    await page.waitForTimeout(200);
  }
  return trace;
}

/** The step count the page showed `sec` seconds before `t` (the bound on what may be lost). */
export function stepsBefore(trace: Array<{ t: number; steps: number }>, t: number, sec: number): number {
  const at = trace.filter((p) => p.t <= t - sec * 1000);
  return at.length ? at[at.length - 1].steps : 0;
}

/**
 * Every stored checkpoint has every blob its manifest lists, at the listed size; `pending`:
 * saves begun and not finished (collected when the store next opens); `maxSteps`: the newest
 * checkpoint's agent step.
 */
export async function storeIntegrity(page: Page): Promise<{ manifests: number; bad: string[]; pending: number; maxSteps: number }> {
  return page.evaluate(async () => {
    const req = <T>(r: IDBRequest<T>) => new Promise<T>((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const db = await req(indexedDB.open('arcade-lab-checkpoints'));
    try {
      const tx = db.transaction(['manifests', 'blobs', 'pending'], 'readonly');
      const all = (await req(tx.objectStore('manifests').getAll())) as Array<{ id: string; counters: { agentSteps: number }; arrays: Array<{ parts: Array<{ key: string; size: number; owner?: string }> }> }>;
      const bad: string[] = [];
      for (const m of all) {
        for (const a of m.arrays) for (const p of a.parts) {
          // A replay segment reused from an earlier save lives under that save's id (Part.owner).
          const owner = p.owner ?? m.id;
          const b = (await req(tx.objectStore('blobs').get([owner, p.key]))) as Uint8Array | undefined;
          if (!b || b.byteLength !== p.size) bad.push(`${m.id}/${p.key}${owner !== m.id ? ` (of ${owner})` : ''}`);
        }
      }
      const pending = (await req(tx.objectStore('pending').getAll())).length;
      return { manifests: all.length, bad, pending, maxSteps: Math.max(0, ...all.map((m) => m.counters.agentSteps)) };
    } finally {
      db.close();
    }
  });
}

/** Injects a fault through the page's test-only hook (the page must be opened with ?fault-injection; src/ui/app.ts). */
export async function injectFault(page: Page, kind: string): Promise<void> {
  await page.evaluate((k) => (globalThis as unknown as { arcadeLabFaults: { inject(k: string): Promise<void> } }).arcadeLabFaults.inject(k), kind);
}

/** The page opened with fault injection, a run trained past its first timed save: its card, run id and the steps it showed. */
export async function trainForFaults(page: Page): Promise<{ card: Locator; runId: string | null; before: number }> {
  page.on('dialog', (d) => void d.accept());
  await page.goto('/?fault-injection');
  await setUp(page);
  await trainUntilTimedSaves(page, 1);
  const card = page.locator('article.run-card').first();
  return { card, runId: await card.getAttribute('data-run'), before: await num(card, 'data-steps') };
}
