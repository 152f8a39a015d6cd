#!/usr/bin/env node
// Generates wasm/src/games_data.c (the data half of the game table) from the reference ROM
// manifest. md5s and properties are facts about the reference, not ROM data, so the output is
// committed; rerun after the manifest or the overlay below changes:
//   node tools/gen-game-table.mjs [path/to/MANIFEST.json]
// The overlay below holds what the manifest does not: how each wrapper selects a mode (mode byte
// address, SELECT hold frames, ...), read from the reference's src/ale/games/supported/*.cpp.
// Which wrapper computes reward/lives/terminal comes from the list in wasm/src/games.h.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifestPath = process.argv[2] ?? resolve(root, '../shared/roms/MANIFEST.json');
const out = resolve(root, 'wasm/src/games_data.c');

// Mode selection per wrapper (setMode in the reference). BYTE: press SELECT (hold frames) while
// RAM[addr] != mode * mul + add (and RAM[addr2] != val2 when given); then a soft reset.
// preSelect: one press of that many frames first; preReset: a soft reset first; preNoops: NOOP
// act() calls first. Games not listed here and with a single mode have no setMode.
const B = (addr, hold, extra = {}) => ({ mode: 'BYTE', modeAddr: addr, selectHold: hold, ...extra });
const modeOverlay = {
  pong: B(0x96, 2),
  breakout: B(0xb2, 1),
  space_invaders: B(0xdc, 2),
  freeway: B(0x80, 1),
  ms_pacman: { mode: 'MS_PACMAN', selectHold: 10 },
  asteroids: B(0x80, 2),
  adventure: { mode: 'ADVENTURE' },
  air_raid: B(0xaa, 10, { preSelect: 20 }),
  alien: B(0x81, 1),
  atlantis: B(0x8d, 2),
  backgammon: B(0xdc, 1, { mul: 0, add: 3 }),
  bank_heist: B(0x80, 1),
  basic_math: B(0xc5, 2),
  battle_zone: B(0xa1, 2),
  berzerk: B(0x80, 2, { preNoops: 20 }),
  bowling: B(0x82, 2),
  casino: B(0xd4, 2),
  centipede: B(0xa7, 2),
  chopper_command: B(0xe0, 2),
  crossbow: B(0x8d, 2, { add: 1 }),
  double_dunk: { mode: 'DOUBLE_DUNK' },
  flag_capture: B(0xd6, 2),
  gopher: B(0xd3, 5, { preReset: 1 }),
  human_cannonball: B(0xb6, 2, { add: 1, addr2: 0xb7, val2: 1 }),
  lost_luggage: B(0x94, 2, { mul: 3, add: 1 }),
  name_this_game: B(0xde, 2),
  othello: B(0xde, 2, { add: 1 }),
  defender: B(0x9b, 2),
  demon_attack: B(0xea, 1),
  et: B(0xea, 25, { add: 1 }),
  frogger: B(0xdd, 2, { mul: 2, add: 1 }),
  frostbite: B(0x80, 1),
  galaxian: B(0xb3, 1),
  gravitar: B(0x80, 10),
  hangman: B(0xee, 2),
  haunted_house: B(0xcc, 2),
  hero: B(0x80, 1),
  ice_hockey: B(0x80, 2),
  jamesbond: B(0x8c, 20, { alt: 0x48 }),
  kangaroo: B(0xba, 2, { alt: 0x80 }),
  king_kong: B(0xec, 2, { mul: 2 }),
  klax: B(0xf0ea, 2),
  mario_bros: B(0x80, 5),
  mr_do: B(0x80, 5),
  pacman: B(0xcc, 2, { add: 1, addr2: 0xe6, val2: 0 }),
  pooyan: B(0xbd, 2, { preSelect: 2 }),
  private_eye: B(0x80, 2),
  space_war: B(0xa7, 2, { bcd: 1 }),
  star_gunner: B(0xf4, 15),
  surround: B(0xf9, 2, { add: 1 }),
  tennis: B(0x80, 2),
  tic_tac_toe_3d: B(0x88, 2),
  turmoil: B(0xea, 2),
  tutankham: B(0xab, 2),
  video_checkers: B(0xf6, 1),
  video_chess: B(0xea, 1),
  video_cube: { mode: 'VIDEO_CUBE' },
  video_pinball: B(0xc1, 2),
  word_zapper: B(0xdb, 2),
  yars_revenge: B(0xe3, 1, { preSelect: 2 }),
  zaxxon: B(0x82, 10),
  crazy_climber: B(0x80, 2),
};

// ROMs whose reference properties swap the joystick ports (Console.SwapPorts = YES): player A's
// joystick is wired to the right port. Not part of the manifest; confirmed by the traces.
const swapPorts = new Set(['surround', 'wizard_of_wor']);

// Wrapper ids come from the list in games.h: rom_id "bank_heist" -> GAME_WRAPPER_BANK_HEIST.
const gamesH = readFileSync(resolve(root, 'wasm/src/games.h'), 'utf8');
const listText = gamesH.slice(gamesH.indexOf('#define GAME_WRAPPER_LIST'), gamesH.indexOf('typedef enum GameWrapperId'));
const wrappers = new Set([...listText.matchAll(/X\((\w+)\)/g)].map((m) => m[1]));

const schemes = { '2K': 'CART_2K', '4K': 'CART_4K', F8: 'CART_F8', F6: 'CART_F6', F6SC: 'CART_F6SC',
  F8SC: 'CART_F8SC', E0: 'CART_E0', FE: 'CART_FE', DPC: 'CART_DPC' };
const ctrl = { JOYSTICK: 'GAME_CTRL_JOYSTICK', PADDLES: 'GAME_CTRL_PADDLES', NONE: 'GAME_CTRL_NONE' };

const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
// Our own built-in games (roms/builtin.json) join the table like any ALE ROM, with the
// wrapper named in their entry, so every env, agent and UI path treats them the same way.
const builtin = JSON.parse(readFileSync(resolve(root, 'roms/builtin.json'), 'utf8')).games.map((g) => ({
  rom_id: g.id, md5: g.md5, size: g.size, bankswitch: g.scheme, controller_left: 'JOYSTICK',
  controller_right: 'JOYSTICK', display_format: g.display, display_format_source: 'properties-ntsc',
  ystart: 34, screen_height: 210, hmove_blanks: true, ale_single_player_support: true,
  wrapper: g.wrapper, lives_after_reset: g.lives.afterReset, minimal_action_set: g.minimalActions,
  modes: g.modes, default_mode: 0, difficulties: g.difficulties, starting_actions_rle: [],
}));
const roms = [...manifest.roms, ...builtin].sort((a, b) => a.rom_id.localeCompare(b.rom_id));
const mask = (list) => '0x' + (list ?? []).reduce((m, a) => (m | (1 << a)) >>> 0, 0).toString(16) + 'u';
const ident = (id) => id.replace(/[^a-zA-Z0-9_]/g, '_');

let arrays = '';
let rows = '';
for (const r of roms) {
  if (!/^[0-9a-f]{32}$/.test(r.md5)) throw new Error(`bad md5 for ${r.rom_id}`);
  if (!(r.bankswitch in schemes)) throw new Error(`unknown scheme ${r.bankswitch} (${r.rom_id})`);
  const o = modeOverlay[r.rom_id] ?? {};
  const wrapperName = r.wrapper ?? r.rom_id.toUpperCase();
  const wrapper = r.ale_single_player_support && wrappers.has(wrapperName) ? wrapperName : 'NONE';
  const id = ident(r.rom_id);
  const modes = r.modes ?? [0];
  arrays += `static const uint16_t modes_${id}[] = {${modes.join(', ')}};\n`;
  const rle = r.starting_actions_rle ?? [];
  if (rle.length) arrays += `static const uint16_t start_${id}[] = {${rle.flat().join(', ')}};\n`;
  const pal = r.display_format === 'PAL';
  const palProperty = r.display_format_source === 'properties' && pal;
  // The manifest height is the final one; PAL auto-detection turned a 210 property into 250.
  let height = r.screen_height;
  if (pal && height === 250) height = 210;
  const modeKind = o.mode ?? (modes.length > 1 ? 'UNKNOWN' : 'NONE');
  const diffMask = (r.difficulties ?? [0]).reduce((m, d) => m | (1 << d), 0);
  rows += `  { "${r.rom_id}", "${r.md5}", ${r.size}u, ${schemes[r.bankswitch]}, ${palProperty ? 1 : 0}, ${pal ? 1 : 0}, ` +
    `${r.hmove_blanks === false ? 0 : 1}, ${r.ystart}, ${height}, ${ctrl[r.controller_left]}, ${ctrl[r.controller_right]}, ` +
    `${r.swap_paddles ? 1 : 0}, ${swapPorts.has(r.rom_id) ? 1 : 0}, ${r.property_difficulty?.left === 'A' ? 1 : 0}, ${r.property_difficulty?.right === 'A' ? 1 : 0}, ` +
    `${r.ale_single_player_support ? 1 : 0}, GAME_WRAPPER_${wrapper}, GAME_MODE_${modeKind}, ` +
    `0x${(o.modeAddr ?? 0).toString(16)}, ${o.selectHold ?? 0}, ${o.mul ?? 1}, ${o.add ?? 0}, ` +
    `0x${(o.addr2 ?? 0).toString(16)}, ${o.val2 ?? 0}, 0x${(o.alt ?? 0).toString(16)}, ${o.bcd ?? 0}, ${o.preSelect ?? 0}, ${o.preReset ?? 0}, ${o.preNoops ?? 0}, ` +
    `${r.lives_after_reset ?? -1}, ` +
    `${mask(r.legal_action_set ?? [...Array(18).keys()])}, ${mask(r.minimal_action_set ?? [...Array(18).keys()])}, ` +
    `modes_${id}, ${modes.length}, ${r.default_mode ?? 0}, 0x${diffMask.toString(16)}, ` +
    `${rle.length ? `start_${id}` : '0'}, ${rle.length}, ${r.paddle_max_override ?? -1} },\n`;
}

const text = `/* GENERATED by tools/gen-game-table.mjs from roms/MANIFEST.json (reference ALE 0.12.1) and the
 * generator's overlay. Do not edit by hand. Fields: see GameProps in games.h. */
#include "games.h"
#include "cart.h"

${arrays}
const GameProps GAME_TABLE[] = {
${rows}};

const uint32_t GAME_TABLE_COUNT = ${roms.length}u;
`;
writeFileSync(out, text);
console.log(`wrote ${out}: ${roms.length} games`);
