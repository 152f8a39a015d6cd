/**
 * npm run bench:learn -- --game G --algo A [--minutes M] [--threshold R] [--mode single|WxK]
 *                        [--total-timesteps N] [--set name=value ...] [--poll S] [--out PREFIX]
 *
 * Time-to-learn through the real page path: headless Chromium, the learner worker and its env
 * workers (tools/bench-learn/learn-page.ts drives a RunClient as the dashboard does). Every
 * --poll seconds (default 10) it records a row (PREFIX.csv, rewritten with each row); at the end
 * it writes PREFIX.png
 * (return vs wall-clock) and prints the last line:
 *   learn: G A reached R after T min (F frames)
 *   learn: G A did not reach R in M min; best mean-100 X
 * G: a built-in game id (catch) or a ROM name from ../shared/roms (pong). A: an algorithm of
 * learn-settings.ts (its preset in src/run/presets.ts).
 * R defaults to 80% of the game's ceiling where roms/builtin.json knows it, else required.
 * "Reached" = the mean raw return of the last 100 training episodes (fewer at the start, at
 * least 10) is >= R; evaluations (eval_every) are recorded beside it. --total-timesteps overrides
 * the preset's agent.total_timesteps (its schedules scale with it), so a run as long as --minutes
 * does not end at the preset's length first. --set name=value (repeatable) overrides one agent
 * hyperparameter of the preset (learn-settings.ts), for sweeps; the settings line shows them.
 */
import { chromium } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUILTIN_GAMES } from '../../src/run/builtin-games';
import { learnSettings, type LearnAlgorithm } from './learn-settings';
import { buildAndServe, sharedRom, ROOT } from '../bench-pages/serve';
import { plotSvg, type LearnRow } from './plot';

interface Args { game: string; algo: LearnAlgorithm; minutes: number; threshold: number | null; mode: string | null; totalTimesteps: number | null; overrides: string[]; poll: number; out: string }

function parseArgs(argv: string[]): Args {
  const a: Args = { game: 'catch', algo: 'dqn', minutes: 5, threshold: null, mode: null, totalTimesteps: null, overrides: [], poll: 10, out: '' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    const need = () => { if (v === undefined) throw new Error(`${k} needs a value`); i++; return v; };
    if (k === '--game') a.game = need();
    else if (k === '--algo') a.algo = need() as LearnAlgorithm;
    else if (k === '--minutes') a.minutes = Number(need());
    else if (k === '--threshold') a.threshold = Number(need());
    else if (k === '--mode') a.mode = need();
    else if (k === '--total-timesteps') a.totalTimesteps = Number(need());
    else if (k === '--set') a.overrides.push(need());
    else if (k === '--poll') a.poll = Number(need());
    else if (k === '--out') a.out = need();
    else throw new Error(`unknown argument ${k}`);
  }
  if (!(a.minutes > 0)) throw new Error('--minutes must be > 0');
  if (!(a.poll > 0)) throw new Error('--poll must be > 0');
  if (a.totalTimesteps !== null && !(Number.isInteger(a.totalTimesteps) && a.totalTimesteps > 0)) throw new Error('--total-timesteps must be a positive integer');
  a.out ||= resolve(ROOT, `bench-learn-${a.game}-${a.algo}`);
  return a;
}

/** Ceilings of the built-in games (roms/README.md); shared ROMs need --threshold. */
const CEILING: Record<string, number> = { catch: 99 };

function writeCsv(path: string, rows: LearnRow[]): void {
  writeFileSync(path, ['wall_s,frames,agent_steps,episodes,mean100_return,eval_return,steps_per_s',
    ...rows.map((r) => [r.wallSec.toFixed(1), r.frames, r.agentSteps, r.episodes, r.mean100 ?? '', r.evalReturn ?? '', r.stepsPerSec.toFixed(1)].join(','))].join('\n') + '\n');
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const builtin = BUILTIN_GAMES.find((g) => g.id === a.game);
  const rom = builtin ? null : sharedRom(a.game);
  if (!builtin && !rom) throw new Error(`game "${a.game}" is neither built in (${BUILTIN_GAMES.map((g) => g.id).join(', ')}) nor ../shared/roms/${a.game}.bin`);
  const threshold = a.threshold ?? (CEILING[a.game] !== undefined ? 0.8 * CEILING[a.game] : null);
  if (threshold === null || !Number.isFinite(threshold)) throw new Error(`--threshold R is needed for ${a.game} (no known ceiling)`);
  const settings = learnSettings(a.algo, a.mode, a.totalTimesteps, a.overrides);

  const served = await buildAndServe('bench-learn', { learn: 'tools/bench-learn/learn.html' });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true,
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  let closing = false; // browser.close() below also fires 'disconnected'
  const rows: LearnRow[] = [];
  let reachedAt: LearnRow | null = null;
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('pageerror:', e.message));
    page.on('crash', () => console.error('the page crashed (renderer process gone)'));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.error(`console.${m.type()}: ${m.text()}`); });
    browser.on('disconnected', () => { if (!closing) console.error('the browser process went away'); });
    await page.goto(`${served.base}tools/bench-learn/learn.html`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    type H = { learnHarness: { start: (...x: unknown[]) => Promise<unknown>; drain: () => Promise<Drained>; stop: () => Promise<void> } };
    type Drained = { state: string; elapsedSec: number; counters: { agentSteps: number; frames: number; episodes: number; gradientUpdates: number };
      stepsPerSec: number; epsilon: number; episodes: { rawReturn: number }[]; evals: { meanReturn: number }[]; errors: string[] };
    const info = await page.evaluate(([g, r, s]) => (globalThis as unknown as H).learnHarness.start(g, r, s), [a.game, rom, settings] as const);
    console.log(`bench:learn ${a.game} ${a.algo}: ${JSON.stringify(info)}; settings ${JSON.stringify(settings)}`);
    console.log(`threshold ${threshold} (mean of the last 100 training episodes), ${a.minutes} min, a row every ${a.poll} s`);
    const returns: number[] = [];
    let lastEval: number | null = null;
    const t0 = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, a.poll * 1000));
      const d = await page.evaluate(() => (globalThis as unknown as H).learnHarness.drain());
      for (const e of d.errors) console.error(`run error: ${e}`);
      for (const e of d.episodes) returns.push(e.rawReturn);
      if (d.evals.length) lastEval = d.evals[d.evals.length - 1].meanReturn;
      const last100 = returns.slice(-100);
      const row: LearnRow = {
        wallSec: (Date.now() - t0) / 1000, frames: d.counters.frames, agentSteps: d.counters.agentSteps, episodes: d.counters.episodes,
        mean100: last100.length ? mean(last100) : null, evalReturn: lastEval, stepsPerSec: d.stepsPerSec,
      };
      rows.push(row);
      writeCsv(`${a.out}.csv`, rows); // every row: a long run killed midway keeps its curve
      console.log(`${row.wallSec.toFixed(0)} s: ${row.agentSteps} steps, ${row.frames} frames, ${row.episodes} episodes, mean-100 ${row.mean100?.toFixed(2) ?? '—'}, eval ${lastEval?.toFixed(2) ?? '—'}, ${d.stepsPerSec.toFixed(0)} steps/s, eps ${d.epsilon.toFixed(3)}`);
      if (!reachedAt && last100.length >= 10 && row.mean100! >= threshold) reachedAt = row;
      // 'done': total_timesteps reached, the run stopped itself; polling on would only add flat rows.
      if (d.state === 'done') console.log(`the run ended itself at ${row.agentSteps} agent steps (total_timesteps)`);
      if (reachedAt || d.state === 'error' || d.state === 'done' || row.wallSec >= a.minutes * 60) break;
    }
    await page.evaluate(() => (globalThis as unknown as H).learnHarness.stop());
    const plot = await browser.newPage({ viewport: { width: 900, height: 500 } });
    await plot.setContent(`<body style="margin:0;background:#fff">${plotSvg(rows, { title: `${a.game} ${a.algo}: return vs wall-clock`, threshold })}</body>`);
    await plot.screenshot({ path: `${a.out}.png` });
    console.log(`wrote ${a.out}.csv and ${a.out}.png`);
  } finally {
    closing = true;
    await browser.close();
    await served.close();
  }
  const best = rows.reduce((b, r) => (r.mean100 !== null && (b === null || r.mean100 > b) ? r.mean100 : b), null as number | null);
  console.log(reachedAt
    ? `learn: ${a.game} ${a.algo} reached ${threshold} after ${(reachedAt.wallSec / 60).toFixed(1)} min (${reachedAt.frames} frames)`
    : `learn: ${a.game} ${a.algo} did not reach ${threshold} in ${a.minutes} min; best mean-100 ${best === null ? 'n/a' : best.toFixed(2)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
