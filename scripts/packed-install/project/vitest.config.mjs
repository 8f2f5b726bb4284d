// vitest runs test/ only: jest/ and node-test/ hold the same suite for the other runners.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['test/**/*.test.ts'] } });
