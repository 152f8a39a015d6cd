// Turns the output of each test runner into {passed, failed, notes} counts.
// Kept apart from run-all-tests.mjs so the parsing has unit tests (test-summary.test.ts).

/** A native test binary's last line: `<name>: N passed, M failed`. */
const NATIVE_LINE = /^(\S+): (\d+) passed, (\d+) failed\s*$/;
/** `make -C wasm test` prints `== build/test_x` before running each binary. */
const NATIVE_HEADER = /^== (\S+)\s*$/;

/**
 * Sums the native C test output. A binary that prints no summary line (crash, abort, build
 * error) counts as one failure, and so does a non-zero make exit that no summary explains.
 * @param {string} output combined stdout+stderr of `make -C wasm test`
 * @param {number} exitCode
 */
export function parseNativeOutput(output, exitCode) {
  let passed = 0, failed = 0;
  const notes = [];
  let pending = null; // binary whose summary line we are waiting for
  const closePending = () => {
    if (pending) {
      failed += 1;
      notes.push(`${pending} printed no "N passed, M failed" line (crashed?)`);
    }
    pending = null;
  };
  for (const line of output.split(/\r?\n/)) {
    const h = NATIVE_HEADER.exec(line);
    if (h) { closePending(); pending = h[1]; continue; }
    const m = NATIVE_LINE.exec(line);
    if (m) {
      passed += Number(m[2]);
      failed += Number(m[3]);
      pending = null; // the last summary after a header is the binary's own
    }
  }
  closePending();
  if (exitCode !== 0 && failed === 0) {
    failed = 1;
    notes.push(`make -C wasm test exited with ${exitCode} without a failing test (build error?)`);
  }
  return { passed, failed, notes };
}

/**
 * Vitest JSON reporter output. A test file that fails to load has no test results but
 * counts as one failure.
 * @param {any} report parsed JSON, or null when the reporter wrote nothing
 * @param {number} exitCode
 */
export function parseVitestJson(report, exitCode) {
  if (!report || typeof report.numPassedTests !== 'number') {
    return { passed: 0, failed: 1, notes: [`vitest wrote no JSON report (exit ${exitCode})`] };
  }
  let failed = report.numFailedTests;
  const notes = [];
  for (const file of report.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
      failed += 1;
      notes.push(`${file.name}: ${String(file.message ?? 'failed to load').split('\n')[0]}`);
    }
  }
  if (exitCode !== 0 && failed === 0) {
    failed = 1;
    notes.push(`vitest exited with ${exitCode} without a failing test`);
  }
  if (report.numPendingTests) notes.push(`${report.numPendingTests} skipped`);
  return { passed: report.numPassedTests, failed, notes };
}

/**
 * Playwright JSON reporter output. Flaky tests (passed on retry) count as failed: a test
 * suite that needs retries is not passing. Global errors (e.g. the web server did not start)
 * count as one failure each.
 * @param {any} report
 * @param {number} exitCode
 */
export function parsePlaywrightJson(report, exitCode) {
  if (!report || !report.stats) {
    return { passed: 0, failed: 1, notes: [`playwright wrote no JSON report (exit ${exitCode})`] };
  }
  const s = report.stats;
  const notes = [];
  let failed = (s.unexpected ?? 0) + (s.flaky ?? 0);
  for (const e of report.errors ?? []) {
    failed += 1;
    notes.push(String(e.message ?? e).split('\n')[0]);
  }
  if (exitCode !== 0 && failed === 0) {
    failed = 1;
    notes.push(`playwright exited with ${exitCode} without a failing test`);
  }
  if (s.skipped) notes.push(`${s.skipped} skipped`);
  if (s.flaky) notes.push(`${s.flaky} flaky`);
  return { passed: s.expected ?? 0, failed, notes };
}

/** tools/python/test_arcadelab.py's last line: `python: N passed, M failed`. */
const PYTHON_LINE = /^python: (\d+) passed, (\d+) failed\s*$/m;

/**
 * The Python reader tests. No summary line (a crash, an import error such as a missing numpy or
 * torch) counts as one failure, and so does a non-zero exit that no failing test explains.
 * @param {string} output combined stdout+stderr of the test script
 * @param {number} exitCode
 */
export function parsePythonOutput(output, exitCode) {
  const lines = output.split(/\r?\n/).filter((l) => PYTHON_LINE.test(l));
  if (!lines.length) {
    const last = output.trim().split(/\r?\n/).pop() ?? '';
    return { passed: 0, failed: 1, notes: [`the Python tests printed no "python: N passed, M failed" line (exit ${exitCode}${last ? `; last line: ${last.slice(0, 160)}` : ''})`] };
  }
  const m = PYTHON_LINE.exec(lines[lines.length - 1]);
  let failed = Number(m[2]);
  const notes = [];
  if (exitCode !== 0 && failed === 0) {
    failed = 1;
    notes.push(`the Python tests exited with ${exitCode} without a failing test`);
  }
  return { passed: Number(m[1]), failed, notes };
}

/** The last line of every test run. */
export function totalsLine(results) {
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  return { passed, failed, line: `tests: ${passed} passed, ${failed} failed` };
}

/** Every spec of a Playwright JSON report, walking nested suites (describe blocks). */
function* specsOf(suites) {
  for (const suite of suites ?? []) {
    yield* suite.specs ?? [];
    yield* specsOf(suite.suites);
  }
}

/**
 * The fault scenarios inside a whole e2e run (`npm test` runs all of e2e/ once): the specs tagged
 * @faults (the JSON report strips the '@'), counted as faultsSummary counts them, so `npm test`
 * prints the same `faults: N scenarios, M passed` line as `npm run test:faults` without running
 * them twice.
 * @param {any} report parsed JSON of the whole e2e run, or null
 */
export function taggedFaultsSummary(report, tag = 'faults') {
  if (!report?.suites) return { scenarios: 0, passed: 0, notes: ['playwright wrote no JSON report'], line: 'faults: 0 scenarios, 0 passed' };
  let scenarios = 0, passed = 0, skipped = 0, flaky = 0;
  for (const spec of specsOf(report.suites)) {
    if (!(spec.tags ?? []).includes(tag)) continue;
    for (const t of spec.tests ?? []) {
      scenarios += 1;
      if (t.status === 'expected') passed += 1;
      else if (t.status === 'skipped') skipped += 1;
      else if (t.status === 'flaky') flaky += 1;
    }
  }
  const notes = [];
  if (skipped) notes.push(`${skipped} skipped`);
  if (flaky) notes.push(`${flaky} flaky (passed on retry: counted as not passed)`);
  return { scenarios, passed, notes, line: `faults: ${scenarios} scenarios, ${passed} passed` };
}

/**
 * `npm run test:faults`'s last line from Playwright's JSON report: every scenario the run
 * selected (passed, failed, flaky, skipped) and those that passed first time. A report that is
 * missing counts no scenario; a global error (the web server did not start) is noted.
 * @param {any} report parsed JSON, or null when the reporter wrote nothing
 * @returns {{ scenarios: number, passed: number, notes: string[], line: string }}
 */
export function faultsSummary(report) {
  const s = report?.stats;
  const notes = [];
  if (!s) notes.push('playwright wrote no JSON report');
  for (const e of report?.errors ?? []) notes.push(String(e.message ?? e).split('\n')[0]);
  const scenarios = s ? (s.expected ?? 0) + (s.unexpected ?? 0) + (s.flaky ?? 0) + (s.skipped ?? 0) : 0;
  const passed = s ? s.expected ?? 0 : 0;
  if (s?.skipped) notes.push(`${s.skipped} skipped`);
  if (s?.flaky) notes.push(`${s.flaky} flaky (passed on retry: counted as not passed)`);
  return { scenarios, passed, notes, line: `faults: ${scenarios} scenarios, ${passed} passed` };
}
