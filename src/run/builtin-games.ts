/*
 * The built-in games (our own ROMs, shipped in public/roms): read from roms/builtin.json, the one
 * list of them. Ids, display names, md5s and ROM paths all come from there; nothing else in
 * src/ spells them out. (Vite, Vitest and tsx all import JSON; tsconfig has resolveJsonModule.)
 */
import table from '../../roms/builtin.json';

/** An id from roms/builtin.json ("catch", "dodge", ...). */
export type BuiltinGameId = string;

export interface BuiltinGame {
  id: BuiltinGameId;
  /** Display name ("Catch"). */
  name: string;
  /** md5 of the ROM bytes, lower-case hex. */
  md5: string;
  /** Where the app serves the ROM, relative to its base URL ("roms/catch.bin"). */
  path: string;
}

export const BUILTIN_GAMES: readonly BuiltinGame[] = table.games.map((g) => {
  // builtin.json names the file in the repository; the app serves public/ at its base URL.
  if (!g.rom.startsWith('public/')) throw new Error(`roms/builtin.json: ${g.id}'s rom ${g.rom} is not under public/`);
  return { id: g.id, name: g.name, md5: g.md5, path: g.rom.slice('public/'.length) };
});

/** The game the playground starts with: the first one in roms/builtin.json. */
export const DEFAULT_GAME: BuiltinGameId = BUILTIN_GAMES[0]!.id;

export function builtinGame(id: BuiltinGameId): BuiltinGame | undefined {
  return BUILTIN_GAMES.find((g) => g.id === id);
}
