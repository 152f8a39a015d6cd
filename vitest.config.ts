import { defineConfig } from 'vitest/config';

// Vitest 5 calls Map.groupBy and Object.groupBy (Node 21+) in its main process: the default
// reporter when it prints failures, the snapshot summary when snapshots change. On Node 20 it
// then crashes, hiding the failures and the JSON report. This file is loaded in the main
// process before any reporter runs, so small polyfills here keep Node 20 working.
function groupInto<K, T>(items: Iterable<T>, key: (item: T, index: number) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  let i = 0;
  for (const item of items) {
    const k = key(item, i++);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
const MapCtor = Map as unknown as { groupBy?: unknown };
if (typeof MapCtor.groupBy !== 'function') MapCtor.groupBy = groupInto;
const ObjectCtor = Object as unknown as { groupBy?: unknown };
if (typeof ObjectCtor.groupBy !== 'function') {
  ObjectCtor.groupBy = <T>(items: Iterable<T>, key: (item: T, index: number) => PropertyKey) =>
    Object.assign(Object.create(null) as object, Object.fromEntries(groupInto(items, key)));
}

export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts'],
    exclude: ['e2e/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
  },
});
