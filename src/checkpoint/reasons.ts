import type { SaveReason } from './types';

/**
 * Saves the app made on its own (interval, timed, evaluation, mode switch, page hide): only
 * these rotate (store.ts keptByPolicy). A manual save or an import is the user's and stays until
 * the user deletes it. No imports beyond types, so the page can use the rule too.
 */
const AUTOMATIC: ReadonlySet<string> = new Set<SaveReason>(['auto', 'timed', 'eval', 'mode-switch', 'pagehide']);

export function isAutomaticSave(reason: SaveReason | string): boolean {
  return AUTOMATIC.has(reason);
}
