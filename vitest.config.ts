import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // The package's own entries resolve to the sources in tests (the README example imports them by name).
    alias: [
      { find: /^e4c2\/client\/mqtt$/, replacement: source('./shared/e4/mqtt/index.ts') },
      { find: /^e4c2\/client$/, replacement: source('./shared/e4/node/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/cliBundle.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker less than the cores: one worker on CI's two cores, idle half the time while a
    // test waits on its servers and subprocesses. Two at least (VITEST_MAX_WORKERS overrides).
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
