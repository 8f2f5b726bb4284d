import { defineConfig } from 'vitest/config';

// Tests import workspace packages through the `source` export condition, so `pnpm test`
// runs against the TypeScript sources and never against a stale `dist/`.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    // Tests live under each package's test/ folder (test/architecture/layers.test.ts checks it).
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    env: { METADATA_SERVER_DETECTION: 'none' },
    // Safety nets, not figures under test: many tests start real processes from source (tsx),
    // which takes seconds on a loaded two-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
