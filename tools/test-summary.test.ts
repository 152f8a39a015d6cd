import { describe, expect, it } from 'vitest';
import { faultsSummary, taggedFaultsSummary, parseNativeOutput, parsePlaywrightJson, parsePythonOutput, parseVitestJson, totalsLine } from './test-summary.mjs';

describe('native output', () => {
  it('sums the summary line of each binary', () => {
    const out = ['== build/test_cpu', 'noise', 'cpu: 40 passed, 0 failed', '== build/test_tia', 'tia: 7 passed, 2 failed'].join('\n');
    expect(parseNativeOutput(out, 2)).toMatchObject({ passed: 47, failed: 2 });
  });
  it('counts a binary without a summary line as a failure', () => {
    const r = parseNativeOutput('== build/test_a\nSegmentation fault\n== build/test_b\nb: 3 passed, 0 failed\n', 1);
    expect(r).toMatchObject({ passed: 3, failed: 1 });
    expect(r.notes[0]).toMatch(/build\/test_a/);
  });
  it('counts a failed build as a failure', () => {
    expect(parseNativeOutput('src/cpu.c:1: error: boom\n', 2)).toMatchObject({ passed: 0, failed: 1 });
  });
  it('accepts an empty, successful run', () => {
    expect(parseNativeOutput('gcc ...\n', 0)).toMatchObject({ passed: 0, failed: 0 });
  });
});

describe('python output', () => {
  it('reads the last summary line', () => {
    expect(parsePythonOutput('test_a ... ok\npython: 12 passed, 2 failed\n', 1)).toMatchObject({ passed: 12, failed: 2 });
  });
  it('counts a crash before the summary (e.g. numpy missing) as one failure, naming the last line', () => {
    const r = parsePythonOutput("Traceback...\nModuleNotFoundError: No module named 'numpy'\n", 1);
    expect(r).toMatchObject({ passed: 0, failed: 1 });
    expect(r.notes[0]).toMatch(/numpy/);
  });
  it('counts a non-zero exit with an all-passed summary as a failure', () => {
    expect(parsePythonOutput('python: 3 passed, 0 failed\n', 1)).toMatchObject({ passed: 3, failed: 1 });
  });
});

describe('vitest json', () => {
  it('reads the counts and counts files that failed to load', () => {
    const rep = {
      numPassedTests: 5, numFailedTests: 1, numPendingTests: 0,
      testResults: [{ status: 'failed', assertionResults: [], name: 'x.test.ts', message: 'Cannot find module' }],
    };
    expect(parseVitestJson(rep, 1)).toMatchObject({ passed: 5, failed: 2 });
  });
  it('treats a missing report as a failure', () => {
    expect(parseVitestJson(null, 1)).toMatchObject({ passed: 0, failed: 1 });
  });
});

describe('playwright json', () => {
  it('reads stats and global errors', () => {
    expect(parsePlaywrightJson({ stats: { expected: 3, unexpected: 1, flaky: 0, skipped: 0 }, errors: [] }, 1)).toMatchObject({ passed: 3, failed: 1 });
    expect(parsePlaywrightJson({ stats: { expected: 0, unexpected: 0, flaky: 0, skipped: 0 }, errors: [{ message: 'Timed out waiting for webServer' }] }, 1))
      .toMatchObject({ passed: 0, failed: 1 });
  });
  it('does not trust a zero-failure report from a failing run', () => {
    expect(parsePlaywrightJson({ stats: { expected: 1, unexpected: 0 } }, 1)).toMatchObject({ passed: 1, failed: 1 });
  });
});

it('formats the totals line', () => {
  expect(totalsLine([{ passed: 2, failed: 0, notes: [] }, { passed: 3, failed: 1, notes: [] }]).line).toBe('tests: 5 passed, 1 failed');
});

describe('faults summary', () => {
  it('counts every selected scenario and those that passed, from the JSON report', () => {
    expect(faultsSummary({ stats: { expected: 6, unexpected: 1, flaky: 0, skipped: 1 }, errors: [] }).line).toBe('faults: 8 scenarios, 6 passed');
    expect(faultsSummary({ stats: { expected: 2, unexpected: 0, flaky: 1, skipped: 0 } })).toMatchObject({ scenarios: 3, passed: 2 });
  });
  it('counts nothing from a missing report and says so', () => {
    expect(faultsSummary(null)).toMatchObject({ scenarios: 0, passed: 0, line: 'faults: 0 scenarios, 0 passed' });
    expect(faultsSummary(null).notes[0]).toMatch(/no JSON report/);
  });
  it('in a whole e2e run, counts only the specs tagged @faults, in nested describe blocks too', () => {
    const spec = (tags: string[], status: string) => ({ title: 't', tags, tests: [{ status }] });
    const report = {
      stats: { expected: 4, unexpected: 1, flaky: 0, skipped: 1 },
      suites: [
        { title: 'a.spec.ts', specs: [spec(['faults'], 'expected'), spec([], 'expected'), spec([], 'unexpected')] },
        { title: 'b.spec.ts', specs: [spec(['faults'], 'skipped')], suites: [{ title: 'describe', specs: [spec(['faults', 'slow'], 'expected'), spec(['faults'], 'flaky')] }] },
      ],
    };
    const s = taggedFaultsSummary(report);
    expect(s.line).toBe('faults: 4 scenarios, 2 passed');
    expect(s.notes).toEqual(['1 skipped', '1 flaky (passed on retry: counted as not passed)']);
    expect(taggedFaultsSummary(null).line).toBe('faults: 0 scenarios, 0 passed');
  });
});
