/** `text.*` (https://cloud.google.com/workflows/docs/reference/stdlib/overview). Indexes and lengths count code points, not UTF-16 units. */
import { Bytes, type Value, type WfMap } from '../values/types.js';
import { valueError } from '../values/raised-error.js';
import { optional, param, pure, type StdlibMember } from './registry.js';
import { decodeText, encodeText } from './charsets.js';
import { allMatches, compileRegex } from './regex.js';
import { CodePointCursor, codePointBoundaries, codePointLength, isWellFormedUnicode } from './text-util.js';

/**
 * Workflows strings are UTF-8; a JS string can still hold a lone surrogate (from a `\ud800`
 * escape), which the functions documented with "ValueError if not UTF-8" reject.
 */
function requireUtf8(fn: string, ...values: string[]): void {
  for (const v of values) {
    if (!isWellFormedUnicode(v)) throw valueError(`${fn}: the text is not valid UTF-8 (lone surrogate)`);
  }
}

function findAll(source: string, substr: string): Value {
  requireUtf8('text.find_all', source, substr);
  const cursor = new CodePointCursor(source);
  if (substr === '') {
    // [?] Like replace_all: an empty needle matches before and after every code point.
    return Array.from({ length: codePointLength(source) + 1 }, (_, i) => i);
  }
  const out: Value[] = [];
  for (let i = source.indexOf(substr); i !== -1; i = source.indexOf(substr, i + substr.length)) {
    out.push(cursor.indexOf(i));
  }
  return out;
}

function replaceAll(source: string, substr: string, repl: string): string {
  requireUtf8('text.replace_all', source, substr, repl);
  if (substr !== '') return source.split(substr).join(repl);
  // An empty substr matches at the start and after each code point (official).
  const b = codePointBoundaries(source);
  let out = repl;
  for (let i = 1; i < b.length; i++) out += source.slice(b[i - 1], b[i]) + repl;
  return out;
}

function replaceAllRegex(source: string, pattern: string, repl: string): string {
  requireUtf8('text.replace_all_regex', source, pattern, repl);
  const re = compileRegex('text.replace_all_regex', pattern);
  let out = '';
  let last = 0;
  // `repl` is inserted verbatim: no `$1`/`\1` group references (official).
  for (const { start, end } of allMatches(re, source)) {
    out += source.slice(last, start) + repl;
    last = end;
  }
  return out + source.slice(last);
}

function findAllRegex(source: string, pattern: string): Value {
  requireUtf8('text.find_all_regex', source, pattern);
  const re = compileRegex('text.find_all_regex', pattern);
  const cursor = new CodePointCursor(source);
  return allMatches(re, source).map(
    ({ start, end }): WfMap =>
      new Map<string, Value>([
        ['index', cursor.indexOf(start)],
        ['match', source.slice(start, end)],
      ]),
  );
}

function split(source: string, separator: string): Value {
  if (separator === '') throw valueError('text.split: the separator must not be empty');
  // JS split is leftmost and non-overlapping and keeps empty pieces, as documented.
  return source.split(separator);
}

/** Clamps an int64 index into [0, len], counting negatives from the end. */
function clampIndex(i: number | bigint, len: number): number {
  let n = typeof i === 'bigint' ? (i < 0n ? -Infinity : Infinity) : i;
  if (n < 0) n += len;
  return Math.min(Math.max(n, 0), len);
}

function substring(source: string, start: number | bigint, end: number | bigint): string {
  const b = codePointBoundaries(source);
  const len = b.length - 1;
  const s = clampIndex(start, len);
  const e = clampIndex(end, len);
  // Google is silent on start >= end: "" (a choice, in the README's list).
  return s >= e ? '' : source.slice(b[s], b[e]);
}

// Unreserved: ASCII letters, digits and `.` `-` `_` (the documented safe set; `~` is escaped).
const URL_SAFE = /[A-Za-z0-9._-]/;
const utf8 = new TextEncoder();
const HEX = '0123456789ABCDEF';

function urlEncode(source: string, plus: boolean): string {
  let out = '';
  for (const ch of source) {
    if (URL_SAFE.test(ch)) out += ch;
    else if (plus && ch === ' ') out += '+';
    else for (const byte of utf8.encode(ch)) out += '%' + HEX[byte >> 4] + HEX[byte & 15];
  }
  return out;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const isHexDigit = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

function urlDecode(source: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < source.length;) {
    const ch = source[i] as string;
    if (ch === '%') {
      if (!isHexDigit(source[i + 1]) || !isHexDigit(source[i + 2])) {
        throw valueError(
          `text.url_decode: invalid escape "${source.slice(i, i + 3)}" at index ${codePointLength(source.slice(0, i))}`,
        );
      }
      bytes.push(parseInt(source.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (ch === '+') {
      bytes.push(0x20);
      i++;
    } else {
      const cp = source.codePointAt(i) as number;
      for (const b of utf8.encode(String.fromCodePoint(cp))) bytes.push(b);
      i += cp > 0xffff ? 2 : 1;
    }
  }
  try {
    return utf8Strict.decode(new Uint8Array(bytes));
  } catch {
    throw valueError('text.url_decode: the decoded bytes are not valid UTF-8');
  }
}

export function textFunctions(): StdlibMember[] {
  const s = (name: string) => param(name, 'string');
  return [
    pure('text.decode', [param('data', 'bytes'), optional('charset', 'UTF-8', 'string')], ([d, c]) =>
      decodeText((d as Bytes).data, c as string),
    ),
    pure(
      'text.encode',
      [s('text'), optional('charset', 'UTF-8', 'string')],
      ([t, c]) => new Bytes(encodeText(t as string, c as string)),
    ),
    pure('text.find_all', [s('source'), s('substr')], ([src, sub]) => findAll(src as string, sub as string)),
    pure('text.find_all_regex', [s('source'), s('regexp')], ([src, re]) =>
      findAllRegex(src as string, re as string),
    ),
    pure('text.match_regex', [s('source'), s('regexp')], ([src, re]) => {
      requireUtf8('text.match_regex', src as string, re as string);
      return compileRegex('text.match_regex', re as string).test(src as string);
    }),
    pure('text.replace_all', [s('source'), s('substr'), s('repl')], ([src, sub, r]) =>
      replaceAll(src as string, sub as string, r as string),
    ),
    pure('text.replace_all_regex', [s('source'), s('regexp'), s('repl')], ([src, re, r]) =>
      replaceAllRegex(src as string, re as string, r as string),
    ),
    pure('text.split', [s('source'), s('separator')], ([src, sep]) => split(src as string, sep as string)),
    pure('text.substring', [s('source'), param('start', 'integer'), param('end', 'integer')], ([src, a, b]) =>
      substring(src as string, a as number | bigint, b as number | bigint),
    ),
    pure('text.to_lower', [s('source')], ([src]) => (src as string).toLowerCase()),
    pure('text.to_upper', [s('source')], ([src]) => (src as string).toUpperCase()),
    pure('text.url_encode', [s('source')], ([src]) => urlEncode(src as string, false)),
    pure('text.url_encode_plus', [s('source')], ([src]) => urlEncode(src as string, true)),
    pure('text.url_decode', [s('source')], ([src]) => urlDecode(src as string)),
  ];
}
