/**
 * npm run bench:emu:ab -- <a.wasm> <b.wasm> [--game pong] [--frames N] [--rounds R] [--roms <dir>]
 *
 * A/B comparison of two builds of arcade.wasm in one headless Chromium page, for emulator
 * optimisation work. bench:emu runs each build in its own browser, minutes apart, and on these
 * shared 2-core machines the spread between two runs of the same build (±15%) swamps the effect
 * of most single changes. Here both builds are instantiated side by side, each with its own
 * emulator on the same ROM and action sequence (the bench:emu loop, tools/bench-emu/bench-core.js),
 * warmed up, then run in rounds of N frames in which a and b alternate every 200 frames, so a
 * change in machine speed lands on both; the median over rounds of the ratio b/a is the figure
 * to trust.
 * Prints one line per round and last `ab: a X frames/s, b Y frames/s (best rounds); b/a median of rounds R`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Args, runMain } from './cli';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const usage = 'usage: bench:emu:ab <a.wasm> <b.wasm> [--game pong] [--frames N] [--rounds R] [--roms <dir>]';

/** Frames per slice: a and b alternate this finely so that a change in machine speed (which here
 * drifts over seconds) lands on both. */
const SLICE = 200;

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
  import { instantiate, benchSession } from './bench-core.js';
  const rom = new Uint8Array(await (await fetch('/rom')).arrayBuffer());
  const sessions = {
    a: benchSession(await instantiate(await (await fetch('/a.wasm')).arrayBuffer()), rom, false),
    b: benchSession(await instantiate(await (await fetch('/b.wasm')).arrayBuffer()), rom, false),
  };
  // one round: a and b alternate in slices of \`slice\` frames until each has run \`frames\`
  window.abRound = (frames, slice, bFirst) => {
    const ms = { a: 0, b: 0 };
    for (let done = 0; done < frames; done += slice) {
      const n = Math.min(slice, frames - done);
      for (const w of bFirst ? ['b', 'a'] : ['a', 'b']) ms[w] += sessions[w].step(n);
    }
    return ms;
  };
  window.abReady = true;
</script>`;

function serve(files: Record<string, string>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    if (path === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      res.end(PAGE);
    } else if (files[path]) {
      const type = path.endsWith('.js') ? 'text/javascript' : path.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
      res.writeHead(200, { ...headers, 'Content-Type': type });
      res.end(readFileSync(files[path]));
    } else {
      res.writeHead(404, headers);
      res.end('not found');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    ok({ server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/` });
  }));
}

async function main(): Promise<number> {
  const wasms: string[] = [];
  let game = 'pong', frames = 5000, rounds = 8;
  let romDir = resolve(root, '../shared/roms');
  const args = new Args(process.argv.slice(2), usage);
  for (let a = args.next(); a !== undefined; a = args.next()) {
    if (a === '--game') game = args.value(a);
    else if (a === '--frames') frames = Math.max(100, args.count(a));
    else if (a === '--rounds') rounds = Math.max(1, args.count(a));
    else if (a === '--roms') romDir = resolve(args.value(a));
    else if (a.startsWith('--')) throw args.error(`unknown argument ${a}`);
    else wasms.push(resolve(a));
  }
  if (wasms.length !== 2) throw args.error('two wasm files are needed');
  const rom = join(romDir, `${game}.bin`);
  for (const f of [...wasms, rom]) {
    if (!existsSync(f)) {
      console.error(`bench:emu:ab: ${f} not found`);
      return 2;
    }
  }
  const { chromium } = await import('@playwright/test');
  const { server, url } = await serve({
    '/a.wasm': wasms[0],
    '/b.wasm': wasms[1],
    '/rom': rom,
    '/bench-core.js': join(root, 'tools/bench-emu/bench-core.js'),
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { abReady?: boolean }).abReady === true, null, { timeout: 60_000 });
    type AbRound = (frames: number, slice: number, bFirst: boolean) => { a: number; b: number };
    const round = (n: number, bFirst: boolean) =>
      page.evaluate(([f, sl, bf]) => (window as unknown as { abRound: AbRound }).abRound(f, sl, bf), [n, SLICE, bFirst] as [number, number, boolean]);
    await round(2000, false); // warm-up: tier both builds up to the optimising compiler
    const best = { a: 0, b: 0 };
    const ratios: number[] = [];
    console.log(`bench:emu:ab: ${game}, ${rounds} rounds of ${frames} frames; a = ${wasms[0]}, b = ${wasms[1]}`);
    for (let r = 0; r < rounds; r++) {
      const ms = await round(frames, r % 2 === 1);
      const fps = { a: frames / (ms.a / 1000), b: frames / (ms.b / 1000) };
      best.a = Math.max(best.a, fps.a);
      best.b = Math.max(best.b, fps.b);
      ratios.push(fps.b / fps.a);
      console.log(`round ${r + 1}: a ${Math.round(fps.a)} frames/s, b ${Math.round(fps.b)} frames/s, b/a ${(fps.b / fps.a).toFixed(3)}`);
    }
    ratios.sort((p, q) => p - q);
    const median = ratios[Math.floor(ratios.length / 2)];
    console.log(`ab: a ${Math.round(best.a)} frames/s, b ${Math.round(best.b)} frames/s (best rounds); b/a median of rounds ${median.toFixed(3)}`);
  } finally {
    await browser.close();
    server.close();
  }
  return 0;
}

runMain(main);
