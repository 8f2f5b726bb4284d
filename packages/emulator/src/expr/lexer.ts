import { ExpressionSyntaxError } from './errors.js';
import type { Token } from './token.js';
import { SIMPLE_ESCAPES } from '../values/json.js';

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isNameChar = (c: number): boolean => isNameStart(c) || isDigit(c);

/** Splits expression text into tokens, ending with an `eof` token. Throws ExpressionSyntaxError only. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  const fail = (reason: string, at: number, length = 1): never => {
    throw new ExpressionSyntaxError(reason, text, at, length);
  };
  const push = (kind: Token['kind'], start: number, end: number, value: string | number) => {
    tokens.push({ kind, text: text.slice(start, end), start, end, value });
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    const start = i;
    if (isNameStart(c)) {
      while (i < n && isNameChar(text.charCodeAt(i))) i++;
      push('name', start, i, text.slice(start, i));
      continue;
    }
    // `.5` is a number only where an operand may start; after an operand `.` is member access.
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)) && !endsOperand(tokens))) {
      i = lexNumber(text, i, tokens, fail);
      continue;
    }
    if (c === 34) {
      i = lexString(text, i, tokens, fail);
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '//' || two === '==' || two === '!=' || two === '<=' || two === '>=') {
      push('punct', i, i + 2, two);
      i += 2;
      continue;
    }
    const one = text[i] as string;
    if ('+-*/%<>()[]{},:.'.includes(one)) {
      push('punct', i, i + 1, one);
      i++;
      continue;
    }
    if (one === '=') fail("unexpected '='; use '==' to compare", i);
    if (one === '!') fail("unexpected '!'; use 'not' for negation", i);
    if (one === "'") fail('string literals use double quotes', i);
    const cp = text.codePointAt(i) ?? c;
    fail(`unexpected character ${JSON.stringify(String.fromCodePoint(cp))}`, i, cp > 0xffff ? 2 : 1);
  }
  tokens.push({ kind: 'eof', text: '', start: n, end: n, value: '' });
  return tokens;
}

function endsOperand(tokens: Token[]): boolean {
  const t = tokens[tokens.length - 1];
  if (t === undefined) return false;
  if (t.kind === 'punct') return t.text === ')' || t.text === ']' || t.text === '}';
  return true;
}

type Fail = (reason: string, at: number, length?: number) => never;

function lexNumber(text: string, i: number, tokens: Token[], fail: Fail): number {
  const start = i;
  const n = text.length;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  let isDouble = false;
  if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    isDouble = true;
  }
  const e = text.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const s = text.charCodeAt(j);
    if (s === 43 || s === 45) j++;
    if (!isDigit(text.charCodeAt(j))) fail('invalid number: missing exponent digits', start, j - start);
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    i = j;
    isDouble = true;
  }
  if (i < n && isNameChar(text.charCodeAt(i))) {
    let j = i;
    while (j < n && isNameChar(text.charCodeAt(j))) j++;
    fail(`invalid number ${JSON.stringify(text.slice(start, j))}`, start, j - start);
  }
  const lit = text.slice(start, i);
  if (isDouble) {
    const v = Number(lit);
    if (!Number.isFinite(v)) fail('number out of range for a double', start, i - start);
    tokens.push({ kind: 'double', text: lit, start, end: i, value: v });
  } else {
    tokens.push({ kind: 'int', text: lit, start, end: i, value: lit });
  }
  return i;
}

function lexString(text: string, i: number, tokens: Token[], fail: Fail): number {
  const start = i;
  const n = text.length;
  i++;
  let out = '';
  let chunk = i;
  for (;;) {
    if (i >= n) fail('unterminated string literal', start, n - start);
    const c = text.charCodeAt(i);
    if (c === 34) break;
    if (c !== 92) {
      i++;
      continue;
    }
    out += text.slice(chunk, i);
    const e = text[i + 1];
    const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
    if (simple !== undefined) out += simple;
    else if (e === 'u') {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape: expected four hex digits', i, 2);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 6;
      chunk = i;
      continue;
    } else if (e === undefined) fail('unterminated string literal', start, n - start);
    else fail(`invalid escape sequence \\${e}`, i, 2);
    i += 2;
    chunk = i;
  }
  out += text.slice(chunk, i);
  i++;
  tokens.push({ kind: 'string', text: text.slice(start, i), start, end: i, value: out });
  return i;
}
