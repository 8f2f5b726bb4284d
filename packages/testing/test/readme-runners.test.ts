/**
 * The testing README shows one test in vitest, Jest and node:test; the packed-install project
 * runs each of them under its runner (scripts/packed-install.ts). This keeps the two in step.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const readme = readFileSync(new URL('packages/testing/README.md', root), 'utf8');
const project = (file: string) =>
  readFileSync(new URL(`scripts/packed-install/project/${file}`, root), 'utf8');

/** The `it(...)` block of a README code block that starts with `// <label>`. */
function readmeTest(label: string): string {
  const block = new RegExp(`\`\`\`(?:ts|js)\\n// ${label}[^\\n]*\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
  if (!block) throw new Error(`no README block for ${label}`);
  const start = block.indexOf("it('");
  return block.slice(start, block.indexOf('\n});', start) + 4);
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => (l === '' ? l : `  ${l}`))
    .join('\n');

describe('the README test in three runners', () => {
  it('runs word for word in the packed project', () => {
    expect(project('test/any-runner.test.ts')).toContain(readmeTest('vitest:'));
    // Inside a describe block there, so one level deeper.
    expect(project('jest/process-order.test.mjs')).toContain(indent(readmeTest('Jest:')));
    expect(project('node-test/process-order.test.mjs')).toContain(indent(readmeTest('node:test:')));
  });
});
