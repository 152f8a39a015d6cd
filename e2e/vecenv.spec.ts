/**
 * VecEnv in Chromium with real module workers and SharedArrayBuffer.
 *
 * The harness page (e2e/pages/vecenv.html) is not part of the app build, so this spec builds and
 * serves it with tools/bench-pages/serve.ts (Vite production build into node_modules/.cache,
 * cross-origin isolation headers), as run.spec.ts does.
 */
import { expect, test } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAndServe, type Served } from '../tools/bench-pages/serve';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROM = resolve(root, '../shared/roms/breakout.bin');
const fake = { kind: 'fake' as const, game: { lives: 2, dropPeriod: 13 } };

let served: Served | undefined;
let base = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  served = await buildAndServe('vecenv-e2e', { vecenv: 'e2e/pages/vecenv.html' });
  base = served.base;
});

test.afterAll(async () => {
  await served?.close();
});

type Harness = Record<string, (...a: unknown[]) => Promise<unknown>>;

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto(`${base}e2e/pages/vecenv.html`);
  await expect(page.locator('#status')).toHaveText('ready');
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
});

const call = <T>(page: import('@playwright/test').Page, fn: string, ...args: unknown[]) =>
  page.evaluate(([f, a]) => (globalThis as unknown as { vecenvHarness: Harness }).vecenvHarness[f as string](...(a as unknown[])), [fn, args] as const) as Promise<T>;

test('sync step: VecEnv env i == single AtariEnv seeded seed+i (fake game, 4 envs on 2 workers)', async ({ page }) => {
  const r = await call<{ problems: string[]; problemCount: number; ends: number; episodes: number }>(page, 'determinism', fake, 4, 2, 60);
  expect(r.problems).toEqual([]);
  expect(r.problemCount).toBe(0);
  expect(r.ends).toBeGreaterThan(3);
  expect(r.episodes).toBe(r.ends);
});

test('sync step with the real wasm core (Breakout): VecEnv == single envs', async ({ page }) => {
  test.skip(!existsSync(ROM), `ROM not found at ${ROM} (../shared/roms is absent)`);
  const rom = Array.from(readFileSync(ROM));
  const r = await call<{ problems: string[]; problemCount: number; rewardSum: number }>(page, 'determinism', { kind: 'ale', rom }, 4, 2, 40);
  expect(r.problems).toEqual([]);
  expect(r.problemCount).toBe(0);
});

test('async send/recv returns the first finishers; a hung worker does not hold the others', async ({ page }) => {
  const r = await call<{ problems: number; minSteps: number; firstIds: number[]; firstMs: number; restIds: number[]; restTruncated: number[]; restMs: number; events: string[] }>(
    page, 'asyncRecv', fake,
  );
  expect(r.problems).toBe(0);
  expect(r.minSteps).toBeGreaterThan(10);
  expect(r.firstIds).toEqual([0, 1, 2, 3]);
  expect(r.firstMs).toBeLessThan(3000); // well before the 4 s hang timeout
  expect(r.restIds).toEqual([4, 5]);
  expect(r.restTruncated).toEqual([1, 1]);
  expect(r.restMs).toBeGreaterThan(3500);
  expect(r.events).toEqual(['worker-failed:2', 'worker-restarted:2']);
});

for (const kind of ['throw', 'exit', 'hang'] as const) {
  test(`worker fault "${kind}": detected, respawned, its envs reset, others unaffected`, async ({ page }) => {
    const r = await call<{ hit: { restarted: number[]; truncated: number[] }; ms: number; after: number; problems: number; events: { kind: string; worker: number; envIds: number[]; reason: string }[] }>(
      page, 'fault', fake, kind,
    );
    expect(r.hit.restarted).toEqual([0, 0, 1, 1]);
    expect(r.hit.truncated.slice(2)).toEqual([1, 1]);
    expect(r.after).toBe(0);
    expect(r.problems).toBe(0);
    expect(r.events.map((e) => e.kind)).toEqual(['worker-failed', 'worker-restarted']);
    expect(r.events[0].envIds).toEqual([2, 3]);
    // A throw is reported by the worker's error event; a worker that closed itself or hangs is
    // found by the step timeout.
    expect(r.events[0].reason).toMatch(kind === 'throw' ? /injected fault/ : /no progress/);
  });
}

test('lifecycle: resize without reload, close, clear errors on misuse', async ({ page }) => {
  const r = await call<{ sizes: number[]; obsLen: number; obsSize: number; errors: string[] }>(page, 'lifecycle', fake);
  expect(r.sizes).toEqual([6, 3]);
  expect(r.obsLen).toBe(6 * r.obsSize);
  expect(r.errors[0]).toMatch(/closed/);
  expect(r.errors[1]).toMatch(/2 actions for 6 envs/);
  expect(r.errors[2]).toMatch(/invalid action 77 for env 5/);
  expect(r.errors[3]).toMatch(/only 0 env step/);
  expect(r.errors[4]).toMatch(/closed/);
});

test('timing: atomics vs comlink hot path (printed; real core when the ROM exists)', async ({ page }) => {
  const spec = existsSync(ROM) ? { kind: 'ale' as const, rom: Array.from(readFileSync(ROM)) } : fake;
  for (const [n, w] of [[4, 2], [2, 2]]) {
    const r = await call<Record<string, number>>(page, 'timing', spec, n, w, 60);
    const overhead = (100 * r.pingMs) / r.atomicsStepMs;
    console.log(`[vecenv timing ${spec.kind}, N=${n} W=${w}] ${JSON.stringify(r)}; comlink round trip = ${overhead.toFixed(1)}% of a step`);
    for (const v of Object.values(r)) expect(v).toBeGreaterThan(0);
  }
});
