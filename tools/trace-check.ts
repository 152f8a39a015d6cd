/**
 * npm run trace-check -- <trace-dir>... [--roms <dir>] [--frames N] [--wasm <path>]
 *
 * Replays reference traces through public/arcade.wasm and prints one line per trace (plus
 * indented notes for diverged ones), then `traces: N exact, M diverged`. A directory holding
 * trace folders (e.g. ../shared/traces) is expanded to its game folders. Exit status 0 only
 * when every trace is exact. The native equivalent is wasm/build/trace_native.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArcadeModule } from '../src/ale/arcade';
import { formatReport, replayTrace } from '../src/ale/trace-replay';
import { Args, runMain } from './cli';

const usage = 'usage: trace-check <trace-dir>... [--roms <dir>] [--frames N] [--wasm <file>]';

function expand(dir: string): string[] {
  if (existsSync(join(dir, 'trace.jsonl.gz'))) return [dir];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir)
    .map((d) => join(dir, d))
    .filter((d) => existsSync(join(d, 'trace.jsonl.gz')))
    .sort();
}

async function main(): Promise<number> {
  let roms = resolve('../shared/roms');
  let frames = 0;
  let wasm: string | undefined;
  const dirs: string[] = [];
  const args = new Args(process.argv.slice(2), usage);
  for (let a = args.next(); a !== undefined; a = args.next()) {
    if (a === '--roms') roms = resolve(args.value(a));
    else if (a === '--frames') frames = args.count(a);
    else if (a === '--wasm') wasm = resolve(args.value(a));
    else if (a.startsWith('-')) throw args.error(`unknown option ${a}`);
    else dirs.push(...expand(a));
  }
  if (dirs.length === 0) throw args.error('no trace directory given');
  const mod = await ArcadeModule.load(wasm);
  let exact = 0;
  for (const d of dirs) {
    const r = replayTrace(mod, d, roms, frames);
    console.log(formatReport(r));
    if (r.exact) exact++;
  }
  console.log(`traces: ${exact} exact, ${dirs.length - exact} diverged`);
  return exact === dirs.length ? 0 : 1;
}

runMain(main);
