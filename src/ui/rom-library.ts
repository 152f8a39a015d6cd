/*
 * The games a person can pick: the built-in ROMs shipped in public/roms, plus ROMs they load
 * from disk. A loaded ROM is identified by loading it into the emulator core here on the page
 * (the binding computes its md5 and looks it up in the game table); its bytes and what the core
 * said about it are remembered in IndexedDB so it is still in the picker after a reload.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { ArcadeModule, RomError, type GameInfo } from '../ale/arcade';
import { BUILTIN_GAMES, builtinGame } from '../run/types';

export interface GameEntry {
  /** Stable key: "builtin:catch" or "rom:<md5>". */
  key: string;
  name: string;
  builtin: boolean;
  md5: string;
  romId: string;
  hasReward: boolean;
  scheme: string;
  size: number;
  /** Where the bytes come from: a URL (built-in) or stored bytes (loaded). */
  url?: string;
  bytes?: Uint8Array;
  addedAt?: number;
}

const DB_NAME = 'arcade-lab-roms';
const STORE = 'roms';

let modPromise: Promise<ArcadeModule> | null = null;

/** The page's one emulator core instance (ROM identification, preview, Play). */
export function core(): Promise<ArcadeModule> {
  modPromise ??= ArcadeModule.load(new URL(`${import.meta.env.BASE_URL}arcade.wasm`, location.href).href).catch((e: unknown) => {
    modPromise = null;
    throw e;
  });
  return modPromise;
}

/** A ROM the core could not load, with a message meant for people. */
export class RomRejected extends Error {
  override name = 'RomRejected';
}

/** Loads the bytes into a scratch emulator and returns what the core knows about them. */
export async function identifyRom(bytes: Uint8Array, fileName = 'ROM'): Promise<GameInfo> {
  if (bytes.length === 0) throw new RomRejected(`${fileName} is empty: not an Atari 2600 ROM.`);
  if (bytes.length > 65536) {
    throw new RomRejected(`${fileName} is ${bytes.length.toLocaleString()} bytes; Atari 2600 ROMs are at most 64 KiB. Is this the right file (not a .zip)?`);
  }
  const mod = await core();
  const ale = mod.create();
  try {
    return ale.loadRom(bytes);
  } catch (e) {
    if (e instanceof RomError) {
      throw new RomRejected(`${fileName} is not a ROM this emulator can run: ${e.message.replace(/^cannot load ROM: /, '')}.`);
    }
    throw e;
  } finally {
    ale.dispose();
  }
}

export class RomLibrary {
  private db: Promise<IDBPDatabase> | null = null;

  private open(): Promise<IDBPDatabase> {
    this.db ??= openDB(DB_NAME, 1, {
      upgrade(db) {
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'key' });
      },
    });
    return this.db;
  }

  /** Built-in games first (identified from their bytes), then remembered ROMs, newest first. */
  async list(): Promise<GameEntry[]> {
    const builtins = await Promise.all(BUILTIN_GAMES.map((g) => this.builtin(g.id).catch(() => null)));
    let stored: GameEntry[] = [];
    try {
      stored = ((await (await this.open()).getAll(STORE)) as GameEntry[]).sort((a, b) => (b.addedAt ?? 0) - (a.addedAt ?? 0));
    } catch {
      // IndexedDB off (private mode, policy): the picker still offers the built-in games.
    }
    return [...builtins.filter((g): g is GameEntry => g !== null), ...stored];
  }

  async builtin(id: string): Promise<GameEntry> {
    const g = builtinGame(id);
    if (!g) throw new Error(`no built-in game "${id}"`);
    const url = `${import.meta.env.BASE_URL}${g.path}`;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const info = await identifyRom(bytes, g.path);
    return { key: `builtin:${g.id}`, name: `${g.name} (built-in)`, builtin: true, md5: info.md5, romId: info.romId || g.id, // Built-in games are in the project's game table by design (roms/builtin.json); an older
    // core build that predates their entry would say otherwise, the run layer knows them by id.
    hasReward: true, scheme: info.scheme, size: bytes.length, url, bytes };
  }

  /** Identifies a file and remembers it. Throws RomRejected with a readable message. */
  async add(file: File): Promise<GameEntry> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const info = await identifyRom(bytes, file.name);
    const entry: GameEntry = {
      key: `rom:${info.md5}`,
      name: info.romId ? `${info.romId} (${file.name})` : file.name,
      builtin: false,
      md5: info.md5,
      romId: info.romId,
      hasReward: info.hasReward,
      scheme: info.scheme,
      size: bytes.length,
      bytes,
      addedAt: Date.now(),
    };
    try {
      await (await this.open()).put(STORE, entry);
    } catch (e) {
      // Still usable for this visit; say why it will not be remembered.
      entry.name += ' (not saved: storage unavailable)';
      console.warn('ROM library: could not store ROM', e);
    }
    return entry;
  }

  async remove(key: string): Promise<void> {
    await (await this.open()).delete(STORE, key);
  }
}
