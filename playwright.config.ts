import { defineConfig } from '@playwright/test';

// Playwright cannot download browsers here: drive the system Chromium instead.
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Not 4173 (npm run start), so tests work while the playground is open; E2E_PORT lets two
// checkouts run e2e side by side.
const PORT = Number(process.env.E2E_PORT || 4174);
const OUT_DIR = `node_modules/.cache/e2e-dist-${PORT}`;

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    acceptDownloads: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath,
      args: [
        '--enable-unsafe-webgpu',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    // Tests run against the production build, the thing people deploy. Each port builds into
    // its own ignored folder so concurrent runs (or `npm run start` in dist/) never swap files
    // under a running server. --bypass-lock: Vite 8 otherwise refuses to preview a project that
    // another preview (say `npm run start`) is already serving.
    command: `npx vite build --outDir ${OUT_DIR} --emptyOutDir && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort --bypass-lock`,
    url: `http://localhost:${PORT}/`,
    // Never reuse: a server left running could be serving an older build.
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
