import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { evaluate, ExpressionSyntaxError, parseExpression, type EvalContext } from '../../src/expr/index.js';
import { parseJson } from '../../src/values/json.js';
import { RaisedError } from '../../src/values/raised-error.js';
import type { Value } from '../../src/values/types.js';
import { CONSTANTS, DEFAULT_VARS, fakeCall, typedRepr } from './helpers.js';

/*
 * Data-driven expression cases. Each *.yaml file holds either `cases:` — a list of
 *   { expr, vars?: JSON text, result: JSON text } | { expr, error: Tag, message?: substring }
 *   | { expr, syntax: message substring, offset?: number }
 * — or `matrix:` — operand texts per type and, per operator, the expected result (JSON text)
 * or error tag for every pair of types. Results are JSON text read with our parseJson, so
 * `2` (integer) and `2.0` (double) are different expectations.
 */

interface Case {
  expr: string;
  vars?: string;
  result?: string;
  error?: string;
  message?: string;
  syntax?: string;
  offset?: number;
}

interface Matrix {
  operands: Record<string, string>;
  binary?: Record<string, Record<string, Record<string, string>>>;
  unary?: Record<string, Record<string, string>>;
}

interface CaseFile {
  cases?: Case[];
  matrix?: Matrix;
}

const dir = import.meta.dirname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const isTag = (s: string): boolean => /^[A-Z][A-Za-z]*Error$/.test(s);

function context(extra?: string): EvalContext {
  const vars = new Map(DEFAULT_VARS);
  if (extra !== undefined) for (const [k, v] of parseJson(extra) as Map<string, Value>) vars.set(k, v);
  return {
    lookup: (name) => vars.get(name),
    call: fakeCall,
    constant: (name) => CONSTANTS.get(name),
  };
}

function run(c: Case): void {
  if (c.syntax !== undefined) {
    let err: unknown;
    try {
      parseExpression(c.expr);
    } catch (e) {
      err = e;
    }
    expect(err, `expected a syntax error for ${c.expr}`).toBeInstanceOf(ExpressionSyntaxError);
    const se = err as ExpressionSyntaxError;
    expect(se.message).toContain(c.syntax);
    if (c.offset !== undefined) expect(se.offset).toBe(c.offset);
    return;
  }
  const expr = parseExpression(c.expr);
  const ctx = context(c.vars);
  if (c.error !== undefined) {
    let err: unknown;
    let value: Value | undefined;
    try {
      value = evaluate(expr, ctx);
    } catch (e) {
      err = e;
    }
    expect(err, `expected ${c.error} but got ${value === undefined ? '?' : typedRepr(value)}`).toBeInstanceOf(
      RaisedError,
    );
    const we = err as RaisedError;
    expect(we.tags).toEqual([c.error]);
    if (c.message !== undefined) expect(we.message).toContain(c.message);
    return;
  }
  if (c.result === undefined) throw new Error(`case ${c.expr} has no expectation`);
  expect(typedRepr(evaluate(expr, ctx))).toBe(typedRepr(parseJson(c.result)));
}

function matrixCases(m: Matrix): { name: string; c: Case }[] {
  const out: { name: string; c: Case }[] = [];
  const types = Object.keys(m.operands);
  const expectation = (want: string): Pick<Case, 'error' | 'result'> =>
    isTag(want) ? { error: want } : { result: want };
  for (const [op, rows] of Object.entries(m.binary ?? {})) {
    for (const lt of types) {
      const row = rows[lt];
      if (row === undefined) throw new Error(`matrix ${op}: no row for ${lt}`);
      for (const rt of types) {
        const want = row[rt];
        if (typeof want !== 'string')
          throw new Error(`matrix ${op}: cell ${lt} ${op} ${rt} must be a string`);
        const expr = `${m.operands[lt]} ${op} ${m.operands[rt]}`;
        out.push({ name: `${lt} ${op} ${rt}: ${expr} -> ${want}`, c: { expr, ...expectation(want) } });
      }
    }
  }
  for (const [op, row] of Object.entries(m.unary ?? {})) {
    for (const t of types) {
      const want = row[t];
      if (typeof want !== 'string') throw new Error(`matrix unary ${op}: cell ${t} must be a string`);
      const expr = `${op} ${m.operands[t]}`;
      out.push({ name: `${op} ${t}: ${expr} -> ${want}`, c: { expr, ...expectation(want) } });
    }
  }
  return out;
}

for (const file of files) {
  const data = parseYaml(readFileSync(join(dir, file), 'utf8')) as CaseFile;
  describe(file, () => {
    for (const c of data.cases ?? []) {
      if (typeof c.expr !== 'string' || (c.result !== undefined && typeof c.result !== 'string'))
        throw new Error(`${file}: expr and result must be strings (JSON text): ${JSON.stringify(c)}`);
      const want = c.syntax !== undefined ? `syntax error` : (c.error ?? c.result);
      it(`${c.expr} -> ${want}`, () => run(c));
    }
    if (data.matrix) for (const { name, c } of matrixCases(data.matrix)) it(name, () => run(c));
  });
}

it('loads at least one case file', () => {
  expect(files.length).toBeGreaterThan(0);
});
