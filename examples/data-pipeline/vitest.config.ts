import { defineConfig } from 'vitest/config';

// `pnpm test` in this directory. Like the root config, workspace packages are imported through
// their `source` export condition, so no build is needed first.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    env: { METADATA_SERVER_DETECTION: 'none' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
