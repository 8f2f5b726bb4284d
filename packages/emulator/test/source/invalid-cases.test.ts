/**
 * Deploy-time rejections as data: each file in test/source/invalid is one workflow that must not
 * deploy. Its leading comment lines say why (first line), cite the documentation where there is
 * some, and list every problem the loader must report, in position order:
 *
 *   # error: LINE:COLUMN MESSAGE
 *
 * JSON has no comments, so a JSON case keeps these lines in a sibling `<file>.expected`.
 * Line, column and the whole message must match, and the list must be complete.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatProblems, loadWorkflow } from '../../src/source/index.js';

const DIR = fileURLToPath(new URL('./invalid', import.meta.url));

interface Expected {
  description: string;
  errors: { line: number; column: number; message: string }[];
}

function parseHeader(text: string, file: string): Expected {
  const comments: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    comments.push(line.replace(/^#\s?/, ''));
  }
  const errors = comments.flatMap((c) => {
    if (!c.startsWith('error:')) return [];
    const m = /^error: (\d+):(\d+) (.+)$/.exec(c);
    if (!m) throw new Error(`${file}: malformed expectation '${c}'`);
    return [{ line: Number(m[1]), column: Number(m[2]), message: m[3] as string }];
  });
  return { description: comments[0] ?? '', errors };
}

const files = readdirSync(DIR)
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort();

describe('invalid workflows in test/source/invalid', () => {
  it('has cases, and a JSON case has its expectations beside it', () => {
    expect(files.length).toBeGreaterThan(50);
    for (const f of files.filter((x) => x.endsWith('.json'))) {
      expect(existsSync(join(DIR, `${f}.expected`)), f).toBe(true);
    }
  });

  for (const file of files) {
    const source = readFileSync(join(DIR, file), 'utf8');
    const sibling = join(DIR, `${file}.expected`);
    const expected = parseHeader(existsSync(sibling) ? readFileSync(sibling, 'utf8') : source, file);

    it(`${file}: ${expected.description}`, () => {
      expect(expected.description, 'the first comment line says what the case is').not.toMatch(/^(error:|$)/);
      expect(expected.errors.length, 'a case lists at least one expected problem').toBeGreaterThan(0);
      const r = loadWorkflow(source);
      if (r.ok) expect.fail(`${file} deployed, but it must be rejected`);
      const got = r.problems.map((p) => ({ line: p.line, column: p.column, message: p.message }));
      expect(got, formatProblems(r.problems)).toEqual(expected.errors);
    });
  }
});
