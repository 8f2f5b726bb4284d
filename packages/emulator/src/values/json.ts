import { Bytes, Double, INT64_MAX, INT64_MIN, type Value, type WfMap } from './types.js';
import { intFromNumber, normalizeBigInt } from './integer.js';
import { compareStrings } from './compare.js';
import { valueError } from './raised-error.js';

/**
 * Nesting beyond this depth is refused rather than risking a stack overflow (a raw
 * RangeError would escape the Workflows error model). Go's encoding/json uses 10000;
 * ours is lower because every level costs a recursive frame in parse and stringify.
 */
export const MAX_JSON_DEPTH = 1000;

/** The one-character escapes of JSON strings, shared with the expression lexer (same syntax). */
export const SIMPLE_ESCAPES: Readonly<Record<string, string>> = Object.assign(Object.create(null) as object, {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
});

export interface StringifyJsonOptions {
  /** Sort map keys by code point (= UTF-8 byte order), as execution results are. */
  sortKeys?: boolean;
  /** Indentation per level; with `indent` or `prefix` the output is multi-line, like Go's MarshalIndent. */
  indent?: string;
  /** Written at the start of every line after the first. */
  prefix?: string;
}

/** Parses strict JSON into a Workflows value. Invalid text throws a ValueError naming the position. */
export function parseJson(text: string): Value {
  const p = new JsonParser(text);
  p.skipWs();
  const v = p.parseValue(0);
  p.skipWs();
  if (p.pos < text.length) p.fail('unexpected character after the JSON value');
  return v;
}

class JsonParser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(what: string, at = this.pos): never {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    const found = at >= this.text.length ? 'end of input' : JSON.stringify(this.text[at]);
    throw valueError(`invalid JSON: ${what} at line ${line}, column ${col} (offset ${at}), found ${found}`);
  }

  skipWs(): void {
    const t = this.text;
    let i = this.pos;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.pos = i;
  }

  parseValue(depth: number): Value {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    switch (c) {
      case 123 /* { */:
        return this.parseObject(depth);
      case 91 /* [ */:
        return this.parseArray(depth);
      case 34 /* " */:
        return this.parseString();
      case 116 /* t */:
        return this.keyword('true', true);
      case 102 /* f */:
        return this.keyword('false', false);
      case 110 /* n */:
        return this.keyword('null', null);
      default:
        if (c === 45 || (c >= 48 && c <= 57)) return this.parseNumber();
        return this.fail(Number.isNaN(c) ? 'unexpected end of input' : 'unexpected character');
    }
  }

  keyword<T extends Value>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail(`invalid literal (expected ${word})`);
  }

  parseObject(depth: number): WfMap {
    const m: WfMap = new Map();
    this.pos++;
    this.skipWs();
    if (this.text.charCodeAt(this.pos) === 125) {
      this.pos++;
      return m;
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 34) this.fail('expected a string key');
      const key = this.parseString();
      this.skipWs();
      if (this.text.charCodeAt(this.pos) !== 58) this.fail("expected ':' after an object key");
      this.pos++;
      this.skipWs();
      const v = this.parseValue(depth + 1);
      // Map.set keeps the first insertion position; "last wins" is about the value.
      m.set(key, v);
      this.skipWs();
      const c = this.text.charCodeAt(this.pos);
      if (c === 44) {
        this.pos++;
        this.skipWs();
      } else if (c === 125) {
        this.pos++;
        return m;
      } else this.fail("expected ',' or '}' in an object");
    }
  }

  parseArray(depth: number): Value[] {
    const out: Value[] = [];
    this.pos++;
    this.skipWs();
    if (this.text.charCodeAt(this.pos) === 93) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.parseValue(depth + 1));
      this.skipWs();
      const c = this.text.charCodeAt(this.pos);
      if (c === 44) {
        this.pos++;
        this.skipWs();
      } else if (c === 93) {
        this.pos++;
        return out;
      } else this.fail("expected ',' or ']' in an array");
    }
  }

  parseString(): string {
    const t = this.text;
    const start = ++this.pos;
    let i = start;
    // Fast path: no escapes.
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 34) {
        this.pos = i + 1;
        return t.slice(start, i);
      }
      if (c === 92) break;
      if (c < 32 || Number.isNaN(c)) {
        if (Number.isNaN(c)) this.fail('unterminated string', i);
        this.fail('control character in a string', i);
      }
      i++;
    }
    let out = t.slice(start, i);
    for (;;) {
      const c = t.charCodeAt(i);
      if (Number.isNaN(c)) this.fail('unterminated string', i);
      if (c === 34) {
        this.pos = i + 1;
        return out;
      }
      if (c < 32) this.fail('control character in a string', i);
      if (c !== 92) {
        out += t[i];
        i++;
        continue;
      }
      const e = t[i + 1];
      const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
      if (simple !== undefined) out += simple;
      else if (e === 'u') {
        const hex = t.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape', i);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      } else this.fail('invalid escape sequence', i);
      i += 2;
    }
  }

  parseNumber(): Value {
    const t = this.text;
    const start = this.pos;
    let i = start;
    if (t.charCodeAt(i) === 45) i++;
    const intStart = i;
    const d0 = t.charCodeAt(i);
    if (d0 === 48) i++;
    else if (d0 >= 49 && d0 <= 57) {
      while (isDigit(t.charCodeAt(i))) i++;
    } else this.fail('expected a digit', i);
    let isDouble = false;
    if (t.charCodeAt(i) === 46) {
      i++;
      if (!isDigit(t.charCodeAt(i))) this.fail('expected a digit after the decimal point', i);
      while (isDigit(t.charCodeAt(i))) i++;
      isDouble = true;
    }
    const e = t.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const s = t.charCodeAt(i);
      if (s === 43 || s === 45) i++;
      if (!isDigit(t.charCodeAt(i))) this.fail('expected a digit in the exponent', i);
      while (isDigit(t.charCodeAt(i))) i++;
      isDouble = true;
    }
    this.pos = i;
    const lit = t.slice(start, i);
    if (isDouble) {
      const n = Number(lit);
      if (!Number.isFinite(n)) this.fail('number out of range for a double', start);
      return new Double(n);
    }
    if (i - intStart <= 15) return Number(lit) || 0; // `|| 0` turns -0 into 0
    const b = BigInt(lit);
    if (b > INT64_MAX || b < INT64_MIN) this.fail('integer out of range for 64 bits', start);
    return normalizeBigInt(b);
  }
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Serialises a value as JSON. Compact by default. Bytes, NaN and infinities cannot be
 * encoded and raise a ValueError.
 */
export function stringifyJson(v: Value, options?: StringifyJsonOptions): string {
  const sortKeys = options?.sortKeys ?? false;
  if (options?.indent === undefined && options?.prefix === undefined) return compact(v, sortKeys, 0);
  const parts: string[] = [];
  pretty(v, sortKeys, '\n' + (options.prefix ?? ''), options.indent ?? '', 0, parts);
  return parts.join('');
}

function checkDepth(depth: number): void {
  if (depth > MAX_JSON_DEPTH)
    throw valueError(`cannot JSON-encode a value nested deeper than ${MAX_JSON_DEPTH} levels`);
}

function scalarJson(v: Value): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v);
    default:
      if (v instanceof Double) return doubleJson(v.value);
      if (v instanceof Bytes)
        throw valueError('bytes cannot be JSON-encoded; encode them first, e.g. with base64.encode');
      return undefined;
  }
}

function doubleJson(n: number): string {
  if (!Number.isFinite(n)) throw valueError(`cannot JSON-encode the double ${n}`);
  // Between 2^63 and 1e21 `String(n)` writes plain digits, which would read back as an
  // integer beyond int64 (a ValueError); the exponent form keeps it a readable double.
  if ((n >= 9223372036854775808 || n <= -9223372036854775808) && Math.abs(n) < 1e21) return n.toExponential();
  return String(n);
}

function mapKeys(m: WfMap, sortKeys: boolean): string[] {
  const keys = [...m.keys()];
  return sortKeys ? keys.sort(compareStrings) : keys;
}

function compact(v: Value, sortKeys: boolean, depth: number): string {
  const s = scalarJson(v);
  if (s !== undefined) return s;
  checkDepth(depth);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      out += compact(v[i] as Value, sortKeys, depth + 1);
    }
    return out + ']';
  }
  const m = v as WfMap;
  let out = '{';
  let first = true;
  for (const k of mapKeys(m, sortKeys)) {
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + compact(m.get(k) as Value, sortKeys, depth + 1);
  }
  return out + '}';
}

function pretty(
  v: Value,
  sortKeys: boolean,
  nl: string,
  indent: string,
  depth: number,
  parts: string[],
): void {
  const s = scalarJson(v);
  if (s !== undefined) {
    parts.push(s);
    return;
  }
  checkDepth(depth);
  const inner = nl + indent.repeat(depth + 1);
  const outer = nl + indent.repeat(depth);
  if (Array.isArray(v)) {
    if (v.length === 0) {
      parts.push('[]');
      return;
    }
    parts.push('[');
    for (let i = 0; i < v.length; i++) {
      parts.push(i > 0 ? ',' + inner : inner);
      pretty(v[i] as Value, sortKeys, nl, indent, depth + 1, parts);
    }
    parts.push(outer, ']');
    return;
  }
  const m = v as WfMap;
  if (m.size === 0) {
    parts.push('{}');
    return;
  }
  parts.push('{');
  let first = true;
  for (const k of mapKeys(m, sortKeys)) {
    parts.push(first ? inner : ',' + inner, JSON.stringify(k), ': ');
    first = false;
    pretty(m.get(k) as Value, sortKeys, nl, indent, depth + 1, parts);
  }
  parts.push(outer, '}');
}

/**
 * Converts an already-parsed JS value (e.g. from `JSON.parse` or a test fixture) into a
 * Workflows value. Integral JS numbers become integers, others doubles.
 */
export function jsonToValue(x: unknown, depth = 0): Value {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'boolean':
    case 'string':
      return x;
    case 'number':
      if (!Number.isFinite(x)) throw valueError(`cannot convert ${x} to a Workflows value`);
      return Number.isInteger(x) ? intFromNumber(x) : new Double(x);
    case 'bigint':
      return normalizeBigInt(x);
    case 'object':
      break;
    default:
      throw valueError(`cannot convert a JavaScript ${typeof x} to a Workflows value`);
  }
  checkDepth(depth);
  if (x instanceof Double || x instanceof Bytes) return x;
  if (x instanceof Uint8Array) return new Bytes(x);
  if (Array.isArray(x)) return x.map((e) => jsonToValue(e, depth + 1));
  const m: WfMap = new Map();
  if (x instanceof Map) {
    for (const [k, e] of x) {
      if (typeof k !== 'string') throw valueError('map keys must be strings');
      m.set(k, jsonToValue(e, depth + 1));
    }
    return m;
  }
  // Object.keys includes an own "__proto__" key (JSON.parse creates one) and never walks the prototype.
  for (const k of Object.keys(x)) m.set(k, jsonToValue((x as Record<string, unknown>)[k], depth + 1));
  return m;
}

/**
 * Converts a Workflows value into plain JS: doubles become numbers, maps plain objects
 * (with `__proto__` as an own property), bytes a Uint8Array; big integers stay bigint.
 */
export function valueToJs(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Double) return v.value;
  if (v instanceof Bytes) return v.data;
  if (Array.isArray(v)) return v.map(valueToJs);
  const o: Record<string, unknown> = {};
  for (const [k, x] of v) {
    if (k === '__proto__')
      Object.defineProperty(o, k, {
        value: valueToJs(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else o[k] = valueToJs(x);
  }
  return o;
}
