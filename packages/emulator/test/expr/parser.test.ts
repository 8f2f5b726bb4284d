import { describe, expect, it } from 'vitest';
import {
  collectCalls,
  collectVariables,
  evaluate,
  evaluateText,
  ExpressionSyntaxError,
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
  parseExpression,
} from '../../src/expr/index.js';
import type { Expr } from '../../src/expr/ast.js';
import type { Value } from '../../src/values/types.js';

function syntaxError(text: string): ExpressionSyntaxError {
  try {
    parseExpression(text);
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) return e;
    throw e;
  }
  throw new Error(`no syntax error for ${JSON.stringify(text)}`);
}

describe('parseExpression: trees', () => {
  it('follows the precedence table of https://cloud.google.com/workflows/docs/reference/syntax/datatypes', () => {
    const e = parseExpression('a or b and not c == d + e * -f');
    const shape = (x: Expr): string => {
      switch (x.kind) {
        case 'binary':
          return `(${shape(x.left)} ${x.op} ${shape(x.right)})`;
        case 'unary':
          return `(${x.op} ${shape(x.operand)})`;
        case 'variable':
          return x.name;
        default:
          return x.kind;
      }
    };
    expect(shape(e)).toBe('(a or (b and ((not c) == (d + (e * (- f))))))');
  });

  it('makes dotted calls and keeps spans', () => {
    const e = parseExpression('  a.b.c(1, x)');
    expect(e).toMatchObject({ kind: 'call', callee: 'a.b.c', span: { start: 2, end: 13 } });
    expect(parseExpression('m.items[i].price')).toMatchObject({
      kind: 'member',
      property: 'price',
      object: {
        kind: 'index',
        object: { kind: 'member', property: 'items' },
        index: { kind: 'variable', name: 'i' },
      },
    });
  });

  it('folds negative number literals', () => {
    expect(parseExpression('-5')).toMatchObject({ kind: 'literal', value: -5, span: { start: 0, end: 2 } });
    expect(parseExpression('-9223372036854775808')).toMatchObject({
      kind: 'literal',
      value: -9223372036854775808n,
    });
  });
});

describe('parseExpression: errors', () => {
  it('reports offset, length and a caret excerpt', () => {
    const e = syntaxError('a + * b');
    expect(e.offset).toBe(4);
    expect(e.length).toBe(1);
    expect(e.excerpt).toBe('a + * b\n    ^');
    expect(e.name).toBe('ExpressionSyntaxError');
    expect(e.message).toContain("unexpected '*'");
  });

  it('shows only the offending line of a multi-line expression', () => {
    const e = syntaxError('a +\n\tb c');
    expect(e.offset).toBe(7);
    expect(e.excerpt).toBe('\tb c\n\t  ^');
  });

  it('underlines a whole token', () => {
    const e = syntaxError('x And y');
    expect(e.offset).toBe(2);
    expect(e.length).toBe(3);
    expect(e.excerpt).toBe('x And y\n  ^^^');
  });

  it('points past the end for a truncated expression', () => {
    const e = syntaxError('f(1');
    expect(e.offset).toBe(3);
    expect(e.excerpt).toBe('f(1\n   ^');
  });

  it(`refuses expressions longer than ${MAX_EXPRESSION_LENGTH} characters`, () => {
    const ok =
      '1' + ' + 1'.repeat((MAX_EXPRESSION_LENGTH - 1) / 4 - 0.5).padEnd(MAX_EXPRESSION_LENGTH - 1, ' ');
    expect(ok.length).toBe(MAX_EXPRESSION_LENGTH);
    expect(() => parseExpression(ok)).not.toThrow();
    const e = syntaxError(ok + ' ');
    expect(e.message).toContain('expression is longer than 400 characters');
    expect(e.offset).toBe(MAX_EXPRESSION_LENGTH);
  });

  it(`refuses nesting deeper than ${MAX_EXPRESSION_DEPTH}`, () => {
    const nest = (n: number) => '('.repeat(n) + '1' + ')'.repeat(n);
    expect(evaluateText(nest(MAX_EXPRESSION_DEPTH))).toBe(1);
    const e = syntaxError(nest(MAX_EXPRESSION_DEPTH + 1));
    expect(e.message).toContain('nested more than 50 levels');
    expect(e.offset).toBe(MAX_EXPRESSION_DEPTH);
    expect(syntaxError('['.repeat(60)).message).toContain('nested');
    expect(syntaxError('not '.repeat(60) + 'true').message).toContain('nested');
    expect(syntaxError('f('.repeat(60)).message).toContain('nested');
  });
});

describe('analysis helpers', () => {
  it('collects calls in order without duplicates', () => {
    const e = parseExpression('sys.now() + len(x) + http.get(u) + len(sys.now())');
    expect(collectCalls(e)).toEqual(['sys.now', 'len', 'http.get']);
  });

  it('collects root variables, skipping module constants', () => {
    const e = parseExpression('a.b[c] + f(d, {"k": e}) + [g] + http.default_retry.x + a');
    expect(collectVariables(e)).toEqual(['a', 'c', 'd', 'e', 'g', 'http']);
    const isConstant = (n: string) => n === 'http.default_retry';
    expect(collectVariables(e, isConstant)).toEqual(['a', 'c', 'd', 'e', 'g']);
    expect(collectVariables(parseExpression('1 + 2'))).toEqual([]);
  });
});

describe('value semantics', () => {
  it('list and map literals do not alias the variables they embed', () => {
    const inner: Value[] = [1, 2];
    const m = new Map<string, Value>([['k', inner]]);
    const vars = { a: inner, m };
    const list = evaluateText('[a, 3]', vars) as Value[];
    (list[0] as Value[]).push(99);
    expect(inner).toEqual([1, 2]);
    const map = evaluateText('{"copy": m}', vars) as Map<string, Value>;
    ((map.get('copy') as Map<string, Value>).get('k') as Value[]).push(7);
    expect(inner).toEqual([1, 2]);
  });

  it('each evaluation of a literal builds a fresh value', () => {
    const e = parseExpression('[1, [2], {"k": 3}]');
    const ctx = { lookup: () => undefined, call: () => null, constant: () => undefined };
    const a = evaluate(e, ctx) as Value[];
    const b = evaluate(e, ctx) as Value[];
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(a[1]).not.toBe(b[1]);
    expect(a[2]).not.toBe(b[2]);
  });
});
