import type { BinaryOp, Expr, Span } from './ast.js';
import { dottedName } from './analyze.js';
import { ExpressionSyntaxError } from './errors.js';
import { tokenize } from './lexer.js';
import {
  AND_WORDS,
  FALSE_WORDS,
  IN_WORDS,
  NOT_WORDS,
  NULL_WORDS,
  OR_WORDS,
  TRUE_WORDS,
  isReservedWord,
  type Token,
} from './token.js';
import { Double, INT64_MAX, type Value } from '../values/types.js';

/** Longest accepted expression text (https://cloud.google.com/workflows/quotas does not give it: 400 characters is a
 * choice, from third-party notes). */
export const MAX_EXPRESSION_LENGTH = 400;
/** Deepest nesting of brackets, calls and unary operators; bounds the parser's recursion. */
export const MAX_EXPRESSION_DEPTH = 50;

const INT64_MIN_MAGNITUDE = INT64_MAX + 1n;

/**
 * Parses the text between `${` and `}`. Throws ExpressionSyntaxError, and nothing else,
 * for any input; recursion is bounded by MAX_EXPRESSION_DEPTH and the text by
 * MAX_EXPRESSION_LENGTH, so it cannot hang or overflow the stack.
 */
export function parseExpression(text: string): Expr {
  if (text.length > MAX_EXPRESSION_LENGTH)
    throw new ExpressionSyntaxError(
      `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`,
      text,
      MAX_EXPRESSION_LENGTH,
      text.length - MAX_EXPRESSION_LENGTH,
    );
  const p = new Parser(text, tokenize(text));
  if (p.peek().kind === 'eof') p.fail('empty expression', p.peek());
  const e = p.parseOr();
  const t = p.peek();
  if (t.kind !== 'eof') p.fail(`unexpected ${describe(t)}`, t);
  return e;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of expression';
    case 'name':
      return isReservedWord(t.text) ? `keyword '${t.text}'` : `identifier '${t.text}'`;
    case 'punct':
      return `'${t.text}'`;
    case 'string':
      return 'string literal';
    case 'int':
    case 'double':
      return `number ${t.text}`;
  }
}

const span = (start: number, end: number): Span => ({ start, end });

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  fail(reason: string, t: Token): never {
    throw new ExpressionSyntaxError(reason, this.text, t.start, Math.max(1, t.end - t.start));
  }

  peek(ahead = 0): Token {
    // The last token is always `eof`, so clamping keeps every read defined.
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private isPunct(text: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.text === text;
  }

  private isWord(words: ReadonlySet<string>): boolean {
    const t = this.peek();
    return t.kind === 'name' && words.has(t.text);
  }

  private expect(text: string, context: string): Token {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== text)
      this.fail(`expected '${text}' ${context}, found ${describe(t)}`, t);
    return this.next();
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_EXPRESSION_DEPTH)
      this.fail(`expression is nested more than ${MAX_EXPRESSION_DEPTH} levels deep`, t);
  }

  private leave(): void {
    this.depth--;
  }

  private binary(op: BinaryOp, left: Expr, right: Expr): Expr {
    return { kind: 'binary', op, left, right, span: span(left.span.start, right.span.end) };
  }

  // Level 10: or
  parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isWord(OR_WORDS)) {
      this.next();
      left = this.binary('or', left, this.parseAnd());
    }
    return left;
  }

  // Level 9: and
  private parseAnd(): Expr {
    let left = this.parseComparison();
    while (this.isWord(AND_WORDS)) {
      this.next();
      left = this.binary('and', left, this.parseComparison());
    }
    return left;
  }

  // Level 8: < <= >= > == != in (left-associative; `a < b < c` compares a boolean and fails at run time)
  private parseComparison(): Expr {
    let left = this.parseAdditive();
    for (;;) {
      const t = this.peek();
      let op: BinaryOp;
      if (
        t.kind === 'punct' &&
        (t.text === '==' ||
          t.text === '!=' ||
          t.text === '<' ||
          t.text === '<=' ||
          t.text === '>' ||
          t.text === '>=')
      )
        op = t.text;
      else if (t.kind === 'name' && IN_WORDS.has(t.text)) op = 'in';
      else return left;
      this.next();
      left = this.binary(op, left, this.parseAdditive());
    }
  }

  // Level 7: + -
  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || (t.text !== '+' && t.text !== '-')) return left;
      this.next();
      left = this.binary(t.text, left, this.parseMultiplicative());
    }
  }

  // Level 6: * / // %
  private parseMultiplicative(): Expr {
    let left = this.parseNegation();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || (t.text !== '*' && t.text !== '/' && t.text !== '//' && t.text !== '%'))
        return left;
      this.next();
      left = this.binary(t.text, left, this.parseNegation());
    }
  }

  /*
   * Levels 5 (unary -) and 4 (not). Both bind tighter than every binary operator, so their
   * relative order only decides nesting: `-not x` and `not -x` both parse (and fail at run time
   * with a TypeError), the way the operators read from left to right.
   */
  private parseNegation(): Expr {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== '-') return this.parseNot();
    this.next();
    this.enter(t);
    // Fold `-<number>` into a literal so that -9223372036854775808 is representable.
    const n = this.peek();
    if ((n.kind === 'int' || n.kind === 'double') && !this.startsPostfix(this.peek(1))) {
      this.next();
      this.leave();
      return { kind: 'literal', value: this.numberValue(n, true), span: span(t.start, n.end) };
    }
    const operand = this.parseNegation();
    this.leave();
    return { kind: 'unary', op: '-', operand, span: span(t.start, operand.span.end) };
  }

  private parseNot(): Expr {
    const t = this.peek();
    if (!this.isWord(NOT_WORDS)) return this.parsePostfix();
    this.next();
    this.enter(t);
    const operand = this.parseNegation();
    this.leave();
    return { kind: 'unary', op: 'not', operand, span: span(t.start, operand.span.end) };
  }

  private startsPostfix(t: Token): boolean {
    return t.kind === 'punct' && (t.text === '.' || t.text === '[' || t.text === '(');
  }

  // Levels 3 and 2: [] index, . property access, and calls of dotted names.
  private parsePostfix(): Expr {
    let e = this.parsePrimary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') return e;
      if (t.text === '.') {
        this.next();
        const name = this.peek();
        if (name.kind !== 'name')
          this.fail(`expected a property name after '.', found ${describe(name)}`, name);
        this.next();
        e = { kind: 'member', object: e, property: name.text, span: span(e.span.start, name.end) };
      } else if (t.text === '[') {
        this.next();
        this.enter(t);
        const index = this.parseOr();
        const close = this.expect(']', 'to close the index');
        this.leave();
        e = { kind: 'index', object: e, index, span: span(e.span.start, close.end) };
      } else if (t.text === '(') {
        const callee = dottedName(e);
        if (callee === undefined)
          this.fail('only a function name or a dotted module function name can be called', t);
        this.next();
        this.enter(t);
        const args: Expr[] = [];
        if (!this.isPunct(')')) {
          for (;;) {
            args.push(this.parseOr());
            if (!this.isPunct(',')) break;
            this.next();
          }
        }
        const close = this.expect(')', 'to close the argument list');
        this.leave();
        e = { kind: 'call', callee, args, span: span(e.span.start, close.end) };
      } else return e;
    }
  }

  // Level 1 and atoms: ( ), literals, names, lists and maps.
  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'int':
      case 'double':
        this.next();
        return { kind: 'literal', value: this.numberValue(t, false), span: span(t.start, t.end) };
      case 'string':
        this.next();
        return { kind: 'literal', value: t.value, span: span(t.start, t.end) };
      case 'name': {
        let value: Value | undefined;
        if (TRUE_WORDS.has(t.text)) value = true;
        else if (FALSE_WORDS.has(t.text)) value = false;
        else if (NULL_WORDS.has(t.text)) value = null;
        else if (isReservedWord(t.text)) this.fail(`unexpected ${describe(t)}`, t);
        this.next();
        if (value !== undefined) return { kind: 'literal', value, span: span(t.start, t.end) };
        return { kind: 'variable', name: t.text, span: span(t.start, t.end) };
      }
      case 'punct':
        if (t.text === '(') {
          this.next();
          this.enter(t);
          const inner = this.parseOr();
          const close = this.expect(')', 'to close the parenthesis');
          this.leave();
          // The span covers the parentheses so error positions point at what the user wrote.
          return { ...inner, span: span(t.start, close.end) };
        }
        if (t.text === '[') return this.parseList(t);
        if (t.text === '{') return this.parseMap(t);
        return this.fail(`unexpected ${describe(t)}`, t);
      case 'eof':
        return this.fail('unexpected end of expression', t);
    }
  }

  private parseList(open: Token): Expr {
    this.next();
    this.enter(open);
    const items: Expr[] = [];
    if (!this.isPunct(']')) {
      for (;;) {
        items.push(this.parseOr());
        if (!this.isPunct(',')) break;
        this.next();
      }
    }
    const close = this.expect(']', 'to close the list');
    this.leave();
    return { kind: 'list', items, span: span(open.start, close.end) };
  }

  private parseMap(open: Token): Expr {
    this.next();
    this.enter(open);
    const entries: { key: Expr; value: Expr }[] = [];
    if (!this.isPunct('}')) {
      for (;;) {
        const key = this.parseOr();
        this.expect(':', 'after a map key');
        const value = this.parseOr();
        entries.push({ key, value });
        if (!this.isPunct(',')) break;
        this.next();
      }
    }
    const close = this.expect('}', 'to close the map');
    this.leave();
    return { kind: 'map', entries, span: span(open.start, close.end) };
  }

  private numberValue(t: Token, negative: boolean): Value {
    if (t.kind === 'double') {
      const v = t.value as number;
      return new Double(negative ? -v : v);
    }
    const digits = t.value as string;
    if (digits.length <= 15) {
      const v = Number(digits);
      return negative && v !== 0 ? -v : v;
    }
    const b = BigInt(digits);
    if (b > (negative ? INT64_MIN_MAGNITUDE : INT64_MAX))
      this.fail('integer literal out of range for 64 bits', t);
    const s = negative ? -b : b;
    return s >= -9007199254740991n && s <= 9007199254740991n ? Number(s) : s;
  }
}
