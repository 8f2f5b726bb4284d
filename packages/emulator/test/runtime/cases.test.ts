/**
 * Data-driven workflow cases: each test/workflows/*.yaml holds a workflow, its argument,
 * optional fake HTTP routes and the expected result or error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { errorOf, resultOf, run, type FakeHttpRoute } from './harness.js';

interface CaseFile {
  description?: string;
  argument?: unknown;
  routes?: FakeHttpRoute[];
  expect: {
    result?: unknown;
    resultJson?: string;
    error?: { tags?: string[]; payload?: unknown; contextIncludes?: string[]; line?: number; step?: string };
    cancelled?: boolean;
    requests?: number;
    sleptMs?: number[];
  };
  workflow: string;
}

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../workflows');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('workflow cases', () => {
  it('has cases', () => {
    expect(files.length).toBeGreaterThan(20);
  });
  for (const file of files) {
    const c = parse(readFileSync(path.join(dir, file), 'utf8')) as CaseFile;
    it(`${file}${c.description ? `: ${c.description}` : ''}`, async () => {
      const r = await run(c.workflow, { argument: c.argument, routes: c.routes });
      const e = c.expect;
      if (e.error) {
        const err = errorOf(r);
        if (e.error.tags) expect(err.tags).toEqual(e.error.tags);
        if (e.error.payload !== undefined) expect(err.payload).toEqual(e.error.payload);
        for (const s of e.error.contextIncludes ?? []) expect(err.context).toContain(s);
        if (r.outcome.state === 'FAILED') {
          const top = r.outcome.error.stackTrace.elements[0];
          if (e.error.line !== undefined) expect(top?.position.line).toBe(e.error.line);
          if (e.error.step !== undefined) expect(top?.step).toBe(e.error.step);
        }
      } else {
        const result = resultOf(r);
        if ('result' in e) expect(result).toEqual(e.result);
        if (e.resultJson !== undefined && r.outcome.state === 'SUCCEEDED')
          expect(r.outcome.result).toBe(e.resultJson);
      }
      if (e.requests !== undefined) expect(r.requests.length).toBe(e.requests);
      if (e.sleptMs !== undefined)
        expect((r.clock as unknown as { sleeps: number[] }).sleeps).toEqual(e.sleptMs);
    });
  }
});
