/**
 * Builds the developer UI into `../dist/ui` (shipped in the package's `files`), served by the
 * emulator under `/ui/`. `pnpm build` runs it; the browser tests build their own copy with
 * `buildUi()` so they never test a stale bundle.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export const UI_ROOT = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: UI_ROOT,
  base: '/ui/',
  // No public dir and no CDN: everything the page loads is in the bundle.
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small script and one stylesheet; no inlined assets that the CSP would have to allow.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
