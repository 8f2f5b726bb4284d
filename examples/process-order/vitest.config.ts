import { defineConfig } from 'vitest/config';
import { workflowsCoverage } from '@workflows-kit/testing/vitest';

// `pnpm test` in this directory. Like the root config, workspace packages are imported through
// their `source` export condition. `workflowsCoverage()` reports which steps and branches of the
// workflow the tests ran (coverage/workflows/); this config loads it from the testing package's
// build, so run `pnpm build` once first.
export default defineConfig({
  plugins: [workflowsCoverage()],
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  // vitest runs global setups (the coverage report at the end) in an environment of its own.
  environments: { __vitest__: { resolve: { conditions: ['source'], noExternal: [/^@workflows-kit\//] } } },
  test: {
    include: ['test/**/*.test.ts'],
    env: { METADATA_SERVER_DETECTION: 'none' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
