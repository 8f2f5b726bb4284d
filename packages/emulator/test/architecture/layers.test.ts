/**
 * The emulator's layers, bottom to top; an import only ever points down (or within its layer):
 *
 *   values (the value model, the workflow error, the seam interfaces) → expr → stdlib → source →
 *   runtime → stubs → store → server → the in-process API (emulator.ts) → cli and the package index
 *
 * And no package reaches into another's internals: workspace packages import each other by
 * their published entry points only (`@workflows-kit/emulator`, `.../seams`, `@workflows-kit/testing/vitest`...).
 * Tests may import anything; this checks the shipped sources.
 *
 * Tests live under their package's `test/` folder, mirroring the `src/` folder of the code they
 * test (`test/runtime/` for `src/runtime/`); none sits beside the code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const SRC = join(REPO, 'packages/emulator/src');

const LAYERS = [
  'values',
  'expr',
  'stdlib',
  'source',
  'runtime',
  'stubs',
  'store',
  'server',
  'emulator.ts',
  'cli',
] as const;

/** The layer of a file under src/: its top directory, or for top-level files the API or the CLI. */
function layerOf(file: string): number {
  const top = relative(SRC, file).split(sep)[0] as string;
  if (top === 'emulator.ts') return LAYERS.indexOf('emulator.ts');
  if (top.endsWith('.ts')) return LAYERS.indexOf('cli'); // cli.ts, cli-entry.ts, cli-recording.ts, index.ts
  const i = LAYERS.indexOf(top as (typeof LAYERS)[number]);
  if (i < 0) throw new Error(`${relative(REPO, file)}: src/${top} is in no layer; add it to LAYERS`);
  return i;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'dist') out.push(...sourceFiles(p));
    } else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts'))
      out.push(p);
  }
  return out;
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g))
    out.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

/** Every `*.test.ts(x)` under a package or example, outside its `test/` folder. */
function testsOutsideTestFolder(): string[] {
  const out: string[] = [];
  const walk = (dir: string, root: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!['node_modules', 'dist', 'coverage'].includes(e.name) && p !== join(root, 'test')) walk(p, root);
      } else if (/\.test\.tsx?$/.test(e.name)) out.push(relative(REPO, p));
    }
  };
  for (const group of ['packages', 'examples'])
    for (const e of readdirSync(join(REPO, group), { withFileTypes: true }))
      if (e.isDirectory()) walk(join(REPO, group, e.name), join(REPO, group, e.name));
  return out;
}

describe('architecture', () => {
  it("tests live under their package's test/ folder, none beside the code in src/", () => {
    expect(testsOutsideTestFolder()).toEqual([]);
  });

  it('emulator layers import only downwards', () => {
    const problems: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = layerOf(file);
      for (const spec of specifiers(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        if (!target.startsWith(SRC + sep)) {
          problems.push(`${relative(REPO, file)} imports ${spec}, outside src/`);
          continue;
        }
        const to = layerOf(target);
        if (to > from) {
          problems.push(
            `${relative(REPO, file)} (${LAYERS[from]}) imports ${relative(SRC, target)} (${LAYERS[to]}), a higher layer`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('no package imports the internals of another', () => {
    const packages = [
      'packages/emulator',
      'packages/client',
      'packages/testing',
      'examples/process-order',
      'examples/data-pipeline',
    ];
    const exportsOf = new Map<string, Set<string>>();
    for (const p of ['emulator', 'client', 'testing']) {
      const pkg = JSON.parse(readFileSync(join(REPO, 'packages', p, 'package.json'), 'utf8')) as {
        name: string;
        exports: Record<string, unknown>;
      };
      exportsOf.set(
        pkg.name,
        new Set(Object.keys(pkg.exports).map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`))),
      );
    }
    const problems: string[] = [];
    for (const p of packages) {
      const root = join(REPO, p);
      const dirs = ['src', 'test', 'ui/src'].map((d) => join(root, d));
      for (const dir of dirs) {
        let files: string[];
        try {
          files = sourceFiles(dir);
        } catch {
          continue; // no such directory
        }
        for (const file of files) {
          for (const spec of specifiers(file)) {
            if (spec.startsWith('.')) {
              const target = resolve(dirname(file), spec);
              if (!target.startsWith(root + sep))
                problems.push(`${relative(REPO, file)} imports ${spec}, inside another package`);
              continue;
            }
            const m = /^(@workflows-kit\/[^/]+)(\/.*)?$/.exec(spec);
            if (!m) continue;
            const allowed = exportsOf.get(m[1]!);
            if (allowed && !allowed.has(spec))
              problems.push(`${relative(REPO, file)} imports ${spec}, not an entry point of ${m[1]}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
