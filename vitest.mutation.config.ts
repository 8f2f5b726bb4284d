import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests Stryker runs against mutated emulator code (`pnpm test:mutation`): the emulator's own
 * tests, which import its sources by relative path. Left out: the browser tests (Chromium) and
 * the CLI tests (they run the emulator in another process, which never sees a mutant), the
 * architecture tests (they read the other packages' manifests, outside Stryker's sandbox), and the
 * other packages (they reach the emulator through the workspace link, outside Stryker's sandbox).
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['packages/emulator/test/**/*.test.ts'],
      exclude: [
        'packages/emulator/test/browser/**',
        'packages/emulator/test/cli/**',
        'packages/emulator/test/architecture/**',
      ],
      reporters: ['default'],
      // Modules stay loaded between the runs of one worker: each mutant then costs only its
      // tests, not a fresh import of everything they use (Stryker switches mutants at run time).
      isolate: false,
    },
  }),
);
