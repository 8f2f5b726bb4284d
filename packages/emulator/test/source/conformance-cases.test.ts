import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblems, loadWorkflow } from '../../src/source/index.js';
import { SHARED_CASES_DIR as CASES_DIR, SHARED_CASES_MISSING } from '../shared-conformance.js';

const cases = (SHARED_CASES_MISSING === undefined ? readdirSync(CASES_DIR) : [])
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => {
    const expect = JSON.parse(readFileSync(join(CASES_DIR, f.replace(/\.yaml$/, '.json')), 'utf8')) as {
      expect: { deployError?: boolean };
    };
    return {
      file: f,
      source: readFileSync(join(CASES_DIR, f), 'utf8'),
      deployError: expect.expect.deployError === true,
    };
  });

describe('shared conformance cases', () => {
  if (SHARED_CASES_MISSING !== undefined) {
    it('deploy or are rejected as expected', (ctx) => ctx.skip(SHARED_CASES_MISSING));
    return;
  }

  it('has cases of both kinds', () => {
    expect(cases.filter((c) => c.deployError).length).toBeGreaterThan(0);
    expect(cases.filter((c) => !c.deployError).length).toBeGreaterThan(25);
  });

  for (const c of cases.filter((x) => !x.deployError)) {
    it(`${c.file} deploys`, () => {
      const r = loadWorkflow(c.source);
      if (!r.ok) expect.fail(formatProblems(r.problems));
      expect(r.definition.routines.has('main')).toBe(true);
    });
  }

  for (const c of cases.filter((x) => x.deployError)) {
    it(`${c.file} is rejected at deploy time`, () => {
      const r = loadWorkflow(c.source);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems.length).toBeGreaterThan(0);
    });
  }
});
