#!/usr/bin/env node
// `npm run test:faults`: the fault scenarios (every e2e test tagged @faults: reload, context
// closed, browser killed, killed during a save, retention, storage full in
// e2e/persistence.spec.ts; WebGPU device lost, WebGPU uncaptured error, WebGL context lost in
// e2e/run.spec.ts; learner terminated, step throws, learner hung, GPU lost on the real page in
// e2e/faults.spec.ts) in Chromium, then, as the last line, `faults: N scenarios, M passed` from Playwright's JSON report.
// `npm test` runs them once as part of its e2e suite (all of e2e/) and prints the same line from
// that run (taggedFaultsSummary); this script runs only them.
//
//   node tools/test-faults.mjs [extra playwright args, e.g. e2e/faults.spec.ts]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faultsSummary } from './test-summary.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tmp = mkdtempSync(join(tmpdir(), 'arcade-faults-'));
const out = join(tmp, 'playwright.json');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const argv = ['playwright', 'test', '--grep', '@faults', '--reporter=list,json', ...process.argv.slice(2)];
console.log(`$ npx ${argv.join(' ')}`);
const code = await new Promise((resolve) => {
  const child = spawn(npx, argv, { cwd: root, env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: out }, stdio: 'inherit' });
  child.on('error', () => resolve(1));
  child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
});
let report = null;
try { report = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : null; } catch { report = null; }
rmSync(tmp, { recursive: true, force: true });
const s = faultsSummary(report);
if (s.notes.length) console.log(`(${s.notes.join('; ')})`);
console.log(s.line);
process.exit(code !== 0 || s.scenarios === 0 ? 1 : 0);
