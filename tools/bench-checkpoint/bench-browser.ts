/**
 * Same numbers as bench.ts in Chromium (real IndexedDB): runs bench-browser-entry.ts in the
 * system Chromium (page.ts) and prints its lines.
 * Run: `npm run bench:checkpoint:browser -- [transitions] [partMiB]`.
 */
import { withEntryPage } from './page';

const N = Number(process.argv[2] ?? 100_000);
const PART = process.argv[3] ? Number(process.argv[3]) * 2 ** 20 : undefined;

async function main(): Promise<void> {
  await withEntryPage(new URL('./bench-browser-entry.ts', import.meta.url), 'benchReady', async (page) => {
    page.on('console', (m) => console.log(m.text()));
    await page.evaluate(([n, p]) => (globalThis as unknown as { runBench: (n: number, p?: number) => Promise<string[]> }).runBench(n, p ?? undefined), [N, PART ?? null] as const);
  });
}

main().catch((e) => { console.error(e); process.exit(1); });
