/**
 * Old stored shapes -> today's, applied once where the store (and the importer) reads them, so
 * nothing else ever sees an old shape. Before RunConfig version 2, meta.run was {gameMd5,
 * gameName, env, mode: {numEnvs, numWorkers}, agent} and run records kept {numEnvs, numWorkers}
 * as their mode; src/run/config.ts's migrateRunConfig / migrateMode say how each field maps.
 */
import { migrateMode, migrateRunConfig } from '../run/config';
import type { Manifest, RunRecord } from './types';

/** A manifest as stored (any version) -> the current shape (the same object when already current). */
export function migrateManifest<M extends Pick<Manifest, 'meta'>>(m: M): M {
  const run = m.meta.run as Partial<Manifest['meta']['run']>;
  if (run && run.version === 2 && run.algorithm !== undefined) return m;
  return { ...m, meta: { ...m.meta, run: migrateRunConfig(run) } };
}

/** A run record as stored -> the current shape (its mode as a RunMode). */
export function migrateRunRecord(r: RunRecord): RunRecord {
  const mode = r.mode as unknown as { kind?: unknown };
  if (mode && (mode.kind === 'single' || mode.kind === 'vectorized')) return r;
  return { ...r, mode: migrateMode(r.mode) };
}
