/**
 * Valid workflows load; the typed definition has the right shapes, values and positions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  formatProblems,
  loadWorkflow,
  loadWorkflowOrThrow,
  WorkflowSourceError,
  type Step,
  type StepAction,
  type StepBody,
  type ValueTemplate,
  type WorkflowDefinition,
} from '../../src/source/index.js';
import { Double } from '../../src/values/types.js';
import { SHARED_CASES_DIR as CASES_DIR, SHARED_CASES_MISSING } from '../shared-conformance.js';

const VALID_DIR = fileURLToPath(new URL('./valid', import.meta.url));

function load(source: string): WorkflowDefinition {
  const r = loadWorkflow(source);
  if (!r.ok) expect.fail(formatProblems(r.problems));
  return r.definition;
}

/** Every step in a definition, nested ones included, with the routine it belongs to. */
function allSteps(def: WorkflowDefinition): Step[] {
  const out: Step[] = [];
  const visitBody = (b: StepBody): void => visitAction(b.action);
  const visitSteps = (steps: Step[]): void => {
    for (const s of steps) {
      out.push(s);
      visitBody(s);
    }
  };
  const visitAction = (a: StepAction): void => {
    switch (a.kind) {
      case 'steps':
        visitSteps(a.steps);
        return;
      case 'for':
        visitSteps(a.for.steps);
        return;
      case 'parallel':
        for (const b of a.parallel.branches ?? []) visitSteps(b.steps);
        if (a.parallel.for) visitSteps(a.parallel.for.steps);
        return;
      case 'switch':
        for (const c of a.conditions) if (c.body) visitBody(c.body);
        return;
      case 'try':
        visitBody(a.try);
        if (a.except) visitSteps(a.except.steps);
        return;
      default:
        return;
    }
  };
  for (const r of def.routines.values()) visitSteps(r.steps);
  return out;
}

/** The source text found at a position. */
function textAt(source: string, line: number, column: number, length: number): string {
  const l = source.split('\n')[line - 1] ?? '';
  return l.slice(column - 1, column - 1 + length);
}

const validFiles = readdirSync(VALID_DIR)
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort();

describe('valid workflows in test/source/valid', () => {
  it('has at least 25 of them', () => {
    expect(validFiles.length).toBeGreaterThanOrEqual(25);
  });

  for (const f of validFiles) {
    it(`${f} loads, and every step's position points at its name`, () => {
      const source = readFileSync(join(VALID_DIR, f), 'utf8');
      const def = load(source);
      expect(def.routines.keys().next().value).toBe('main');
      const steps = allSteps(def);
      expect(steps.length).toBeGreaterThan(0);
      for (const s of steps) {
        const quoted = source.trimStart().startsWith('{') || source.trimStart().startsWith('[');
        const expected = quoted ? `"${s.name}"` : s.name;
        expect(textAt(source, s.pos.line, s.pos.column, expected.length), `${f}: step ${s.name}`).toBe(
          expected,
        );
      }
    });
  }
});

describe('step positions in the shared conformance cases', () => {
  it('point at the step names', (ctx) => {
    if (SHARED_CASES_MISSING !== undefined) ctx.skip(SHARED_CASES_MISSING);
    const files = readdirSync(CASES_DIR).filter((f) => f.endsWith('.yaml'));
    let checked = 0;
    for (const f of files) {
      const source = readFileSync(join(CASES_DIR, f), 'utf8');
      const r = loadWorkflow(source);
      if (!r.ok) continue;
      for (const s of allSteps(r.definition)) {
        expect(textAt(source, s.pos.line, s.pos.column, s.name.length), `${f}: ${s.name}`).toBe(s.name);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('definition shape', () => {
  it('builds main from a bare list of steps, without params', () => {
    const def = load('- a:\n    return: 1\n');
    expect([...def.routines.keys()]).toEqual(['main']);
    expect(def.routines.get('main')!.params).toEqual([]);
  });

  it('puts main first, then subworkflows in source order', () => {
    const def = load(
      [
        'sub1:',
        '  steps:',
        '    - s:',
        '        return: 1',
        'main:',
        '  steps:',
        '    - m:',
        '        return: ${sub1()}',
        'sub2:',
        '  params: [a]',
        '  steps:',
        '    - t:',
        '        return: ${a}',
      ].join('\n'),
    );
    expect([...def.routines.keys()]).toEqual(['main', 'sub1', 'sub2']);
  });

  it('keeps exact positions for steps, params, next targets and expressions', () => {
    const source = [
      'main:', // 1
      '  params: [input]', // 2
      '  steps:', // 3
      '    - first:', // 4
      '        assign:', // 5
      '          - x: ${input.a + 1}', // 6
      '        next: last', // 7
      '    - last:', // 8
      '        return: ${x}', // 9
      'helper:', // 10
      '  params: [a, b: 2]', // 11
      '  steps:', // 12
      '    - h:', // 13
      '        return: ${a * b}', // 14
    ].join('\n');
    const def = load(source);
    const main = def.routines.get('main')!;
    expect(main.pos).toEqual({ line: 1, column: 1 });
    expect(main.params).toEqual([{ name: 'input', pos: { line: 2, column: 12 } }]);
    const [first, last] = main.steps;
    expect(first!.pos).toEqual({ line: 4, column: 7 });
    expect(first!.next).toEqual({ kind: 'step', name: 'last', pos: { line: 7, column: 15 } });
    const action = first!.action as Extract<StepAction, { kind: 'assign' }>;
    expect(action.assign[0]!.target).toMatchObject({
      variable: 'x',
      path: [],
      text: 'x',
      pos: { line: 6, column: 13 },
    });
    expect(action.assign[0]!.value).toMatchObject({
      kind: 'expr',
      text: 'input.a + 1',
      pos: { line: 6, column: 16 },
    });
    expect(last!.pos).toEqual({ line: 8, column: 7 });
    const helper = def.routines.get('helper')!;
    expect(helper.params.map((p) => [p.name, p.pos, p.default])).toEqual([
      ['a', { line: 11, column: 12 }, undefined],
      ['b', { line: 11, column: 15 }, { kind: 'literal', value: 2, pos: { line: 11, column: 18 } }],
    ]);
    expect(def.source).toBe(source);
  });

  it('tells integers from doubles and keeps big integers exact', () => {
    const def = load(readFileSync(join(VALID_DIR, '23-numbers-and-literals.yaml'), 'utf8'));
    const a = def.routines.get('main')!.steps[0]!.action as Extract<StepAction, { kind: 'assign' }>;
    const values = new Map(a.assign.map((x) => [x.target.variable, (x.value as { value: unknown }).value]));
    expect(values.get('an_int')).toBe(2);
    expect(values.get('a_double')).toEqual(new Double(2));
    expect(values.get('a_double')).toBeInstanceOf(Double);
    expect(values.get('another_double')).toEqual(new Double(2.5));
    expect(values.get('exponent')).toEqual(new Double(1000));
    expect(values.get('negative')).toBe(-7);
    expect(values.get('big')).toBe(9007199254740993n);
    expect(values.get('flags')).toEqual([true, true, true, false, null, null]);
    expect(values.get('quoted')).toBe('42');
    expect(values.get('empty')).toBeNull();
  });

  it('collapses lists and maps without expressions into one literal with Map values', () => {
    const def = load(['- a:', '    return:', '      k: [1, {"n": 2.5}]', '      __proto__: x'].join('\n'));
    const r = (def.routines.get('main')!.steps[0]!.action as Extract<StepAction, { kind: 'return' }>).return;
    expect(r.kind).toBe('literal');
    const value = (r as { value: Map<string, unknown> }).value;
    expect(value).toBeInstanceOf(Map);
    expect([...value.keys()]).toEqual(['k', '__proto__']);
    expect(value.get('k')).toEqual([1, new Map([['n', new Double(2.5)]])]);
  });

  it('builds list and map templates around expressions, with expression keys', () => {
    const def = load(readFileSync(join(VALID_DIR, '22-expression-map-keys.yaml'), 'utf8'));
    const a = def.routines.get('main')!.steps[0]!.action as Extract<StepAction, { kind: 'assign' }>;
    const doc = a.assign[1]!.value as Extract<ValueTemplate, { kind: 'map' }>;
    expect(doc.kind).toBe('map');
    expect(doc.entries[0]!.key).toMatchObject({ kind: 'expr', text: 'key' });
    expect(doc.entries[1]).toMatchObject({ key: 'static', value: { kind: 'literal', value: 1 } });
    const nested = doc.entries[2]!.value as Extract<ValueTemplate, { kind: 'map' }>;
    expect(nested.entries[0]!.key).toMatchObject({ kind: 'expr', text: 'key + "_copy"' });
    const list = nested.entries[0]!.value as Extract<ValueTemplate, { kind: 'list' }>;
    expect(list.items.map((i) => i.kind)).toEqual(['literal', 'expr', 'literal']);
    // A string that is not exactly `${...}` is a literal, even when it contains `${`.
    expect(list.items[2]).toMatchObject({ kind: 'literal', value: 'plain ${not} expression' });
  });

  it('parses multi-line expressions from plain, literal and folded scalars', () => {
    const def = load(readFileSync(join(VALID_DIR, '21-multiline-expressions.yaml'), 'utf8'));
    const a = def.routines.get('main')!.steps[0]!.action as Extract<StepAction, { kind: 'assign' }>;
    expect(a.assign.map((x) => x.value.kind)).toEqual(['expr', 'expr', 'expr']);
    expect(a.assign[0]!.value).toMatchObject({ pos: { line: 6, column: 20 } });
    expect(a.assign[1]!.value).toMatchObject({ pos: { line: 11, column: 15 } });
    expect(a.assign[2]!.value).toMatchObject({ pos: { line: 13, column: 15 } });
  });

  it('parses assignment targets into variable + path', () => {
    const def = load(readFileSync(join(VALID_DIR, '03-assign-nested-targets.yaml'), 'utf8'));
    const a = def.routines.get('main')!.steps[1]!.action as Extract<StepAction, { kind: 'assign' }>;
    const shapes = a.assign.map((x) => [
      x.target.variable,
      x.target.path.map((p) => (p.kind === 'property' ? p.name : `[${p.expr.kind}]`)),
    ]);
    expect(shapes).toEqual([
      ['order', ['totals', 'gross']],
      ['order', ['totals', '[variable]']],
      ['order', ['[literal]']],
      ['order', ['lines', '[literal]', 'qty']],
      ['order', ['lines', '[binary]', '[literal]']],
    ]);
  });

  it('converts every step kind', () => {
    const def = load(readFileSync(join(VALID_DIR, '06-switch-with-inline-actions.yaml'), 'utf8'));
    const sw = def.routines.get('main')!.steps[0]!;
    expect(sw.next).toMatchObject({ kind: 'step', name: 'large' });
    const conds = (sw.action as Extract<StepAction, { kind: 'switch' }>).conditions;
    expect(conds.map((c) => c.body?.action.kind ?? 'none')).toEqual([
      'raise',
      'return',
      'assign',
      'steps',
      'call',
    ]);
    expect(conds.map((c) => c.next?.kind ?? '-')).toEqual(['-', '-', 'step', 'step', '-']);
    expect(conds[4]!.condition).toMatchObject({ kind: 'literal', value: true });

    const par = load(readFileSync(join(VALID_DIR, '10-parallel-branches-shared.yaml'), 'utf8'));
    const p = (par.routines.get('main')!.steps[1]!.action as Extract<StepAction, { kind: 'parallel' }>)
      .parallel;
    expect(p.shared).toEqual(['profile', 'orders']);
    expect(p.exceptionPolicy).toBe('continueAll');
    expect(p.concurrencyLimit).toMatchObject({ kind: 'literal', value: 2 });
    expect(p.branches!.map((b) => [b.name, b.steps.length])).toEqual([
      ['profileBranch', 1],
      ['ordersBranch', 2],
    ]);

    const retry = load(readFileSync(join(VALID_DIR, '05-custom-retry-predicate.yaml'), 'utf8'));
    const t = retry.routines.get('main')!.steps[1]!.action as Extract<StepAction, { kind: 'try' }>;
    expect(t.try.action.kind).toBe('steps');
    expect(t.retry).toMatchObject({
      predicate: { kind: 'expr', text: 'retry_on_503' },
      maxRetries: { kind: 'literal', value: 3 },
      backoff: {
        initialDelay: { kind: 'literal', value: new Double(0.5) },
        maxDelay: { kind: 'literal', value: 10 },
        multiplier: { kind: 'literal', value: 2 },
      },
    });
    expect(t.except?.as).toBe('e');

    const policy = load(readFileSync(join(VALID_DIR, '04-http-with-retry-policy.yaml'), 'utf8'));
    const t2 = policy.routines.get('main')!.steps[0]!.action as Extract<StepAction, { kind: 'try' }>;
    expect(t2.try.action).toMatchObject({ kind: 'call', call: 'http.get', result: 'response' });
    expect(t2.retry?.policy).toMatchObject({ kind: 'expr', text: 'http.default_retry' });

    const loop = load(readFileSync(join(VALID_DIR, '07-for-in-list-with-index.yaml'), 'utf8'));
    const f = (loop.routines.get('main')!.steps[1]!.action as Extract<StepAction, { kind: 'for' }>).for;
    expect([f.value, f.index, f.in?.kind, f.range]).toEqual(['fruit', 'i', 'expr', undefined]);

    const jumps = load(readFileSync(join(VALID_DIR, '27-sys-log-positional-and-sleep.yaml'), 'utf8'));
    const endStep = jumps.routines.get('main')!.steps[3]!;
    expect(endStep.action).toEqual({ kind: 'next' });
    expect(endStep.next).toMatchObject({ kind: 'end' });
  });
});

describe('loadWorkflowOrThrow', () => {
  it('throws a WorkflowSourceError carrying the problems', () => {
    expect(() => loadWorkflowOrThrow('main:\n  steps: 3\n')).toThrow(WorkflowSourceError);
    try {
      loadWorkflowOrThrow('main:\n  steps: 3\n');
    } catch (e) {
      expect((e as WorkflowSourceError).problems[0]).toMatchObject({ line: 2, column: 10 });
      expect((e as Error).message).toMatch(/^line 2, column 10: /);
    }
  });
});
