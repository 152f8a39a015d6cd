import { sha256Hex } from './hash';
import type { ArrayEntry, Counters } from './types';

/**
 * What makes two checkpoints the same: their counters and the SHA-256 of every blob, array by
 * array. Not the save time, run id, name or export time, so a file exported twice, or exported
 * and imported back, has the content id of the checkpoint it came from. Import refuses a file
 * whose content id is already in the store (store.ts writeExternal), so importing the same file
 * twice never makes two identical rows.
 */
export async function contentIdOf(m: { counters: Counters; arrays: readonly ArrayEntry[] }): Promise<string> {
  const c = m.counters;
  const key = JSON.stringify({
    counters: [c.agentSteps, c.vectorSteps, c.frames, c.episodes, c.gradientUpdates],
    arrays: m.arrays.map((a) => [a.name, a.dtype, a.byteLength, a.parts.map((p) => p.sha256)]),
  });
  return sha256Hex(new TextEncoder().encode(key));
}
