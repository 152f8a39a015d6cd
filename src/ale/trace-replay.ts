/**
 * Replays a reference trace (a shared/traces/<game>/ folder: meta.json + trace.jsonl.gz + screens/)
 * through the wasm core and compares every frame: RAM, screen hash, reward, lives, game over,
 * the reset lines, the sticky-action decision (`eff`), and the stored full screens.
 * Node only (reads files, gunzips). Same report as wasm/tools/trace_native.c.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Ale, ArcadeModule } from './arcade';

export interface TraceReport {
  game: string;
  exact: boolean;
  frames: number;
  ramOk: number;
  scrOk: number;
  rewardOk: number;
  livesOk: number;
  overOk: number;
  effOk: number;
  effTotal: number;
  resets: number;
  resetsOk: number;
  screensChecked: number;
  screensOk: number;
  firstRam?: { frame: number; addr: number; expected: number; actual: number };
  firstScreenFrame?: number;
  notes: string[];
  error?: string;
}

export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h >>> 0;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

interface Line {
  f: number;
  ev?: string;
  a?: number;
  eff?: number;
  r?: number;
  lives: number;
  over: boolean;
  ram: string;
  scr: string;
  frame_number?: number;
  episode_frame_number?: number;
}

function compareScreenFile(dir: string, name: string, ale: Ale): { ok: boolean; note?: string } | null {
  const p = join(dir, 'screens', `${name}.bin.gz`);
  if (!existsSync(p)) return null;
  const exp = gunzipSync(readFileSync(p));
  const got = ale.screen();
  if (exp.length !== got.length) return { ok: false, note: `screen ${name}: size ${exp.length} expected, ours ${got.length}` };
  for (let i = 0; i < exp.length; i++) {
    if (exp[i] !== got[i]) {
      const row = Math.floor(i / 160), col = i % 160;
      let n = 0;
      for (let j = row * 160; j < row * 160 + 160; j++) n += exp[j] !== got[j] ? 1 : 0;
      return { ok: false, note: `screen ${name}: first differing row ${row}, col ${col}: expected ${hex2(exp[i])} got ${hex2(got[i])} (${n} px differ in row)` };
    }
  }
  return { ok: true };
}

/** Replays one trace directory. `maxFrames` > 0 stops early (debugging). */
export function replayTrace(mod: ArcadeModule, dir: string, romsDir: string, maxFrames = 0): TraceReport {
  const game = basename(dir.replace(/\/+$/, ''));
  const rep: TraceReport = {
    game, exact: false, frames: 0, ramOk: 0, scrOk: 0, rewardOk: 0, livesOk: 0, overOk: 0, effOk: 0, effTotal: 0,
    resets: 0, resetsOk: 0, screensChecked: 0, screensOk: 0, notes: [],
  };
  let meta: any;
  try {
    meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  } catch (e) {
    rep.error = `cannot read ${join(dir, 'meta.json')}`;
    return rep;
  }
  const romPath = join(romsDir, meta.rom?.file ?? `${game}.bin`);
  if (!existsSync(romPath)) {
    rep.error = `ROM not found: ${romPath}`;
    return rep;
  }
  const ale = mod.create({
    randomSeed: meta.settings?.random_seed ?? 0,
    repeatActionProbability: meta.settings?.repeat_action_probability ?? 0,
    frameSkip: meta.settings?.frame_skip ?? 1,
  });
  try {
    ale.loadRom(new Uint8Array(readFileSync(romPath)));
    ale.reset(); // the recording called reset_game() once more after loadROM()
    const text = gunzipSync(readFileSync(join(dir, 'trace.jsonl.gz'))).toString('utf8');
    let screenNote: string | undefined;
    let firstReset: string | undefined, firstReward: string | undefined, firstLives: string | undefined, firstOver: string | undefined;
    let firstEff: number | undefined;
    const checkScreen = (name: string) => {
      const r = compareScreenFile(dir, name, ale);
      if (!r) return;
      rep.screensChecked++;
      if (r.ok) rep.screensOk++;
      else if (!screenNote) screenNote = r.note;
    };
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      const L = JSON.parse(raw) as Line;
      if (!L.ev && maxFrames > 0 && L.f > maxFrames) break;
      let reward = 0;
      if (!L.ev) reward = ale.act(L.a ?? 0, 1.0);
      else if (L.ev === 'reset') ale.reset();
      const ram = ale.ram();
      let ramOk = true, firstDiff = -1;
      for (let i = 0; i < 128; i++) {
        if (parseInt(L.ram.substr(2 * i, 2), 16) !== ram[i]) {
          ramOk = false;
          if (firstDiff < 0) firstDiff = i;
        }
      }
      const scrHex = fnv1a(ale.screen()).toString(16).padStart(8, '0');
      const scrOk = scrHex === L.scr;
      const livesOk = L.lives === ale.lives();
      const overOk = L.over === ale.gameOver();
      if (L.ev) {
        const fnOk = L.frame_number === undefined ||
          (L.frame_number === ale.frameNumber() && L.episode_frame_number === ale.episodeFrameNumber());
        const ok = ramOk && scrOk && livesOk && overOk && fnOk;
        if (L.ev === 'reset') { rep.resets++; if (ok) rep.resetsOk++; }
        if (!ok && !firstReset)
          firstReset = `${L.ev} line after frame ${L.f}: ram ${ramOk ? 'ok' : `DIFF at $${(0x80 + firstDiff).toString(16).toUpperCase()}`}, screen ${scrOk ? 'ok' : 'DIFF'}, lives ${livesOk ? 'ok' : 'DIFF'}, over ${overOk ? 'ok' : 'DIFF'}, frame numbers ${fnOk ? 'ok' : 'DIFF'} (ours ${ale.frameNumber()}/${ale.episodeFrameNumber()})`;
        checkScreen(L.ev === 'init' ? String(L.f).padStart(6, '0') : `reset_after_${String(L.f).padStart(6, '0')}`);
        continue;
      }
      rep.frames++;
      if (ramOk) rep.ramOk++;
      else if (!rep.firstRam)
        rep.firstRam = { frame: L.f, addr: 0x80 + firstDiff, expected: parseInt(L.ram.substr(2 * firstDiff, 2), 16), actual: ram[firstDiff] };
      if (scrOk) rep.scrOk++;
      else if (rep.firstScreenFrame === undefined) rep.firstScreenFrame = L.f;
      if (reward === L.r) rep.rewardOk++;
      else if (!firstReward) firstReward = `frame ${L.f}: expected ${L.r} got ${reward}`;
      if (livesOk) rep.livesOk++;
      else if (!firstLives) firstLives = `frame ${L.f}: expected ${L.lives} got ${ale.lives()}`;
      if (overOk) rep.overOk++;
      else if (!firstOver) firstOver = `frame ${L.f}: expected ${L.over} got ${ale.gameOver()}`;
      if (L.eff !== undefined) {
        rep.effTotal++;
        // The applied action is the remembered (sticky) one after the coin throw.
        if (L.eff === ale.stickyAction()) rep.effOk++;
        else if (firstEff === undefined) firstEff = L.f;
      }
      if (L.f % 500 === 0) checkScreen(String(L.f).padStart(6, '0'));
    }
    if (firstReset) rep.notes.push(`reset: ${firstReset}`);
    if (firstReward) rep.notes.push(`reward: first diff ${firstReward}`);
    if (firstLives) rep.notes.push(`lives: first diff ${firstLives}`);
    if (firstOver) rep.notes.push(`over: first diff ${firstOver}`);
    if (firstEff !== undefined) rep.notes.push(`sticky: first eff diff frame ${firstEff}`);
    if (screenNote) rep.notes.push(screenNote);
    rep.exact = rep.frames > 0 && rep.ramOk === rep.frames && rep.scrOk === rep.frames && rep.rewardOk === rep.frames &&
      rep.livesOk === rep.frames && rep.overOk === rep.frames && rep.effOk === rep.effTotal && !firstReset &&
      rep.screensOk === rep.screensChecked;
  } catch (e) {
    rep.error = e instanceof Error ? e.message : String(e);
  } finally {
    ale.dispose();
  }
  return rep;
}

export function formatReport(r: TraceReport): string {
  if (r.error) return `${r.game}: ERROR ${r.error}`;
  let s = `${r.game}: ${r.exact ? 'EXACT' : 'DIVERGED'} ram ${r.ramOk}/${r.frames}, screen ${r.scrOk}/${r.frames}, ` +
    `reward ${r.rewardOk}/${r.frames}, lives ${r.livesOk}/${r.frames}, over ${r.overOk}/${r.frames}, resets ${r.resetsOk}/${r.resets}`;
  if (r.effTotal) s += `, sticky eff ${r.effOk}/${r.effTotal}`;
  s += `, stored screens ${r.screensOk}/${r.screensChecked}`;
  if (r.firstRam)
    s += `; first RAM diff frame ${r.firstRam.frame} at $${r.firstRam.addr.toString(16).toUpperCase()} (expected ${hex2(r.firstRam.expected)}, got ${hex2(r.firstRam.actual)})`;
  if (r.firstScreenFrame !== undefined) s += `; first screen diff frame ${r.firstScreenFrame}`;
  if (!r.exact) for (const n of r.notes) s += `\n  ${n}`;
  return s;
}
