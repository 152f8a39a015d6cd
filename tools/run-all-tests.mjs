#!/usr/bin/env node
// Runs every test suite of the project and ends with one line: `tests: N passed, M failed`.
//
//   node tools/run-all-tests.mjs [--wasm-check] [--skip=native,unit,e2e,typecheck]
//
// Suites, in order (each runs even if an earlier one failed, so one report covers all):
//   wasm-check  (only with --wasm-check, used by CI) rebuild public/arcade.wasm from the
//               sources and require it to equal the committed file: one check
//   typecheck   tsc --noEmit over src/, e2e/, tools/ and the configs: one check
//   native      make -C wasm test: the sum of each C test binary's summary line
//   unit        vitest (JSON reporter)
//   e2e         Playwright in Chromium against the production build (JSON reporter)
//               (the summary also prints `faults: N scenarios, M passed` for its @faults specs,
//               the line test:faults prints, just before the last line)
//   python      tools/python: our code exports checkpoints (make_fixture.ts), the numpy/torch
//               reader reads them back (test_arcadelab.py); skipped, with a note, only when no
//               python3 is found ($PYTHON, /usr/bin/python3, python3 on PATH)
// Exit status is non-zero when anything failed or nothing passed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNativeOutput, parsePlaywrightJson, parsePythonOutput, parseVitestJson, taggedFaultsSummary, totalsLine } from './test-summary.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const known = /^(--wasm-check|--skip=[a-z0-9,-]*)$/;
for (const a of args) {
  if (!known.test(a)) {
    console.error(`unknown argument ${a}\nusage: node tools/run-all-tests.mjs [--wasm-check] [--skip=native,unit,e2e,typecheck,python]`);
    process.exit(2);
  }
}
const skip = new Set(args.filter((a) => a.startsWith('--skip=')).flatMap((a) => a.slice(7).split(',')).filter(Boolean));
const tmp = mkdtempSync(join(tmpdir(), 'arcade-tests-'));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** Runs a command with output streamed through; resolves with its exit code and output. */
function run(cmd, argv, { env = {}, timeoutMs = 20 * 60_000 } = {}) {
  return new Promise((resolve) => {
    console.log(`\n$ ${[cmd, ...argv].join(' ')}`);
    const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (stream, sink) => stream.on('data', (d) => { out += d; sink.write(d); });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    const timer = setTimeout(() => {
      out += `\n[run-all-tests] ${cmd} timed out after ${timeoutMs / 1000} s, killing it\n`;
      console.error(`[run-all-tests] ${cmd} timed out after ${timeoutMs / 1000} s`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => { out += String(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

function readJson(path) {
  try { return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null; } catch { return null; }
}

/** The first python3 that runs: $PYTHON, Debian's /usr/bin/python3, then python3 on PATH. */
async function findPython() {
  for (const p of [process.env.PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean)) {
    const ok = await new Promise((resolve) => {
      const c = spawn(p, ['--version'], { stdio: 'ignore' });
      c.on('error', () => resolve(false));
      c.on('close', (code) => resolve(code === 0));
    });
    if (ok) return p;
  }
  return null;
}

const check = (name, ok, note) => ({ suite: name, passed: ok ? 1 : 0, failed: ok ? 0 : 1, notes: ok ? [] : [note] });
const results = [];
/** The @faults scenarios of the e2e suite (taggedFaultsSummary), when it ran. */
let faults = null;

if (args.includes('--wasm-check')) {
  // -B: a fresh clone gives every file the same mtime, so make would skip the rebuild.
  const build = await run('make', ['-C', 'wasm', '-B', 'wasm']);
  const diff = build.code === 0 ? await run('git', ['diff', '--exit-code', '--stat', '--', 'public/arcade.wasm']) : { code: 1 };
  results.push(check('wasm-check', build.code === 0 && diff.code === 0,
    build.code !== 0 ? 'make -C wasm wasm failed' : 'public/arcade.wasm differs from a rebuild of the committed sources: run `make -C wasm wasm` and commit it'));
  // The training kernels are a separate module (wasm/kernels/), committed the same way.
  const kernels = await run('make', ['-C', 'wasm/kernels', 'check']);
  results.push(check('wasm-kernels-check', kernels.code === 0,
    'public/train_kernels.wasm differs from a rebuild of wasm/kernels: run `make -C wasm/kernels` and commit it'));
}

if (!skip.has('typecheck')) {
  const tc = await run(npx, ['tsc', '--noEmit', '-p', 'tsconfig.json']);
  results.push(check('typecheck', tc.code === 0, 'tsc --noEmit reported type errors'));
}

if (!skip.has('native')) {
  const r = await run('make', ['-C', 'wasm', 'test']);
  results.push({ suite: 'native', ...parseNativeOutput(r.out, r.code) });
}

if (!skip.has('unit')) {
  const out = join(tmp, 'vitest.json');
  const r = await run(npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${out}`]);
  results.push({ suite: 'unit', ...parseVitestJson(readJson(out), r.code) });
}

if (!skip.has('e2e')) {
  const out = join(tmp, 'playwright.json');
  const r = await run(npx, ['playwright', 'test', '--reporter=list,json'], { env: { PLAYWRIGHT_JSON_OUTPUT_NAME: out } });
  const report = readJson(out);
  results.push({ suite: 'e2e', ...parsePlaywrightJson(report, r.code) });
  faults = taggedFaultsSummary(report);
}

if (!skip.has('python')) {
  const python = await findPython();
  if (!python) {
    results.push({ suite: 'python', passed: 0, failed: 0, notes: ['SKIPPED: no python3 found ($PYTHON, /usr/bin/python3, python3 on PATH); install python3-numpy and python3-torch to run the checkpoint reader tests'] });
  } else {
    const fx = join(tmp, 'python-fixtures');
    const make = await run(npx, ['tsx', 'tools/python/make_fixture.ts', fx]);
    if (make.code !== 0) results.push({ suite: 'python', passed: 0, failed: 1, notes: ['tools/python/make_fixture.ts failed (no checkpoints to read back)'] });
    else {
      const r = await run(python, ['tools/python/test_arcadelab.py'], { env: { ARCADELAB_FIXTURES: fx } });
      results.push({ suite: 'python', ...parsePythonOutput(r.out, r.code) });
    }
  }
}

rmSync(tmp, { recursive: true, force: true });
console.log('\n== summary');
for (const r of results) {
  console.log(`${r.suite.padEnd(10)} ${r.passed} passed, ${r.failed} failed${r.notes.length ? `  (${r.notes.join('; ')})` : ''}`);
}
// The fault scenarios (tag @faults) ran inside the e2e suite; their line, as test:faults prints it.
if (faults) {
  if (faults.notes.length) console.log(`(faults: ${faults.notes.join('; ')})`);
  console.log(faults.line);
}
const t = totalsLine(results);
console.log(t.line);
process.exit(t.failed > 0 || t.passed === 0 ? 1 : 0);
