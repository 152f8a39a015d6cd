/**
 * Runs browser-check-entry.ts in the system Chromium (real IndexedDB + WebCrypto, page.ts),
 * prints one line per check, exits 1 on any failure.
 * Run: `npm run check:checkpoint-browser`.
 */
import { withEntryPage } from './page';

async function main(): Promise<number> {
  return withEntryPage(new URL('./browser-check-entry.ts', import.meta.url), 'checksReady', async (page) => {
    const res = await page.evaluate(() => (globalThis as unknown as { runChecks: () => Promise<Array<{ name: string; ok: boolean; detail: string }>> }).runChecks());
    let failed = 0;
    for (const r of res) {
      console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail ? ` — ${r.detail}` : ''}`);
      if (!r.ok) failed++;
    }
    console.log(`browser checks: ${res.length - failed} passed, ${failed} failed`);
    return failed || res.length === 0 ? 1 : 0;
  });
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(1); });
