/*
 * Access to the training-run layer (src/run). The page only knows the RunService interface
 * (src/run/types.ts); the implementation (RunClient, src/run/client.ts) is loaded on demand so
 * the page draws before tfjs and the workers are fetched. If a build lacks the run layer the
 * page says so instead of failing to load.
 */
import type { RunService } from '../run/types';

// import.meta.glob resolves at build time and yields {} when the file does not exist.
const clientModules = import.meta.glob('../run/client.ts');

let service: Promise<RunService> | null = null;

export function runService(): Promise<RunService> {
  service ??= (async () => {
    const load = clientModules['../run/client.ts'];
    if (!load) throw new Error('This build has no training layer (src/run/client.ts is missing), so runs cannot start.');
    const mod = (await load()) as Record<string, unknown>;
    const Ctor = mod['RunClient'] as (new () => RunService) | undefined;
    const factory = mod['createRunService'] as (() => RunService | Promise<RunService>) | undefined;
    if (factory) return factory();
    if (Ctor) return new Ctor();
    throw new Error('src/run/client.ts exports neither RunClient nor createRunService.');
  })();
  service.catch(() => { service = null; });
  return service;
}
