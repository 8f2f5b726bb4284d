/**
 * A subset of AIP-160 filters and AIP-132 `orderBy` over typed fields.
 *
 * Supported: comparisons `field OP value` with `= != < <= > >= :`, `AND`, `OR`, `NOT`/`-`,
 * parentheses, implicit AND between adjacent terms, quoted or bare values, `*` wildcards in
 * string equality, `field:*` (presence) and map fields (`labels.env = "prod"`). As in AIP-160,
 * `OR` binds tighter than `AND`.
 */
// `*` wildcards match in linear time: a backtracking regex here froze the server for seconds
// on `executionId="*********z"`.
import { globMatch } from '../stubs/pattern.js';
import { excerpt, invalidArgument } from './api-error.js';
import { parseDuration, parseTimestamp } from './wire.js';

export type FieldType = 'string' | 'enum' | 'timestamp' | 'duration' | 'number' | 'bool' | 'map';

export interface FieldSpec<T> {
  type: FieldType;
  /** Reads the field; undefined when the resource does not have it. For `map`, a record. */
  get(item: T): unknown;
  /** For `enum`: names by number, so `state=2` works too. */
  enumNames?: readonly string[];
  /** For `enum`: maps a value as written to a name (e.g. adds a prefix callers may leave out). */
  normalize?: (value: string) => string;
}

export type FieldSpecs<T> = Readonly<Record<string, FieldSpec<T>>>;

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | ':';

type Node =
  | { kind: 'and'; items: Node[] }
  | { kind: 'or'; items: Node[] }
  | { kind: 'not'; item: Node }
  | { kind: 'cmp'; field: string; key?: string; op: Op; value: string };

/** Deepest parenthesis nesting a filter may use; real filters need two or three. */
export const MAX_FILTER_NESTING = 100;

class FilterParser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  private fail(what: string): never {
    throw invalidArgument(`Invalid filter "${excerpt(this.text)}": ${what} at position ${this.pos + 1}`);
  }

  private ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  private peekWord(word: string): boolean {
    this.ws();
    if (!this.text.startsWith(word, this.pos)) return false;
    const after = this.text[this.pos + word.length];
    return after === undefined || /[\s()]/.test(after);
  }

  parse(): Node {
    const n = this.expression();
    this.ws();
    if (this.pos < this.text.length) this.fail('unexpected text');
    return n;
  }

  private expression(): Node {
    const items = [this.sequence()];
    while (this.peekWord('AND')) {
      this.pos += 3;
      items.push(this.sequence());
    }
    return items.length === 1 ? (items[0] as Node) : { kind: 'and', items };
  }

  private sequence(): Node {
    const items = [this.factor()];
    for (;;) {
      this.ws();
      const c = this.text[this.pos];
      if (c === undefined || c === ')' || this.peekWord('AND')) break;
      items.push(this.factor());
    }
    return items.length === 1 ? (items[0] as Node) : { kind: 'and', items };
  }

  private factor(): Node {
    const items = [this.term()];
    while (this.peekWord('OR')) {
      this.pos += 2;
      items.push(this.term());
    }
    return items.length === 1 ? (items[0] as Node) : { kind: 'or', items };
  }

  private term(): Node {
    this.ws();
    if (this.peekWord('NOT')) {
      this.pos += 3;
      return { kind: 'not', item: this.simple() };
    }
    if (this.text[this.pos] === '-') {
      this.pos++;
      return { kind: 'not', item: this.simple() };
    }
    return this.simple();
  }

  private simple(): Node {
    this.ws();
    if (this.text[this.pos] === '(') {
      // The parser recurses per parenthesis: without a bound, ~2,000 of them overflowed the stack (a 500).
      if (++this.depth > MAX_FILTER_NESTING)
        this.fail(`parentheses nest deeper than ${MAX_FILTER_NESTING} levels`);
      this.pos++;
      const n = this.expression();
      this.depth--;
      this.ws();
      if (this.text[this.pos] !== ')') this.fail("expected ')'");
      this.pos++;
      return n;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z0-9_-]+|"[^"]*"))*/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a field name');
    this.pos += m[0].length;
    this.ws();
    const opMatch = /^(<=|>=|!=|=|<|>|:)/.exec(this.text.slice(this.pos));
    if (!opMatch) this.fail('expected a comparison operator');
    this.pos += (opMatch[1] as string).length;
    this.ws();
    const value = this.value();
    const dot = m[0].indexOf('.');
    const field = dot < 0 ? m[0] : m[0].slice(0, dot);
    const key = dot < 0 ? undefined : m[0].slice(dot + 1).replace(/^"(.*)"$/, '$1');
    return key === undefined
      ? { kind: 'cmp', field, op: opMatch[1] as Op, value }
      : { kind: 'cmp', field, key, op: opMatch[1] as Op, value };
  }

  private value(): string {
    const q = this.text[this.pos];
    if (q === '"' || q === "'") {
      let out = '';
      let i = this.pos + 1;
      for (;;) {
        const c = this.text[i];
        if (c === undefined) this.fail('unterminated string');
        if (c === '\\' && i + 1 < this.text.length) {
          out += this.text[i + 1];
          i += 2;
          continue;
        }
        if (c === q) break;
        out += c;
        i++;
      }
      this.pos = i + 1;
      return out;
    }
    const m = /^[^\s()]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a value');
    this.pos += m[0].length;
    return m[0];
  }
}

function compareNumbers(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '=':
    case ':':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function compareStrings(a: string, op: Op, b: string): boolean {
  switch (op) {
    case '=':
    case ':':
      return globMatch(b, a);
    case '!=':
      return !globMatch(b, a);
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** Compiles a filter into a predicate; unknown fields and unparsable values are INVALID_ARGUMENT. */
export function compileFilter<T>(text: string | undefined, specs: FieldSpecs<T>): (item: T) => boolean {
  if (text === undefined || text.trim() === '') return () => true;
  const tree = new FilterParser(text).parse();
  return compileNode(tree, specs);
}

function compileNode<T>(n: Node, specs: FieldSpecs<T>): (item: T) => boolean {
  switch (n.kind) {
    // Plain loops: a predicate may run on every entry of a 100,000-entry history per request.
    case 'and': {
      const parts = n.items.map((i) => compileNode(i, specs));
      return (x) => {
        for (const p of parts) if (!p(x)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = n.items.map((i) => compileNode(i, specs));
      return (x) => {
        for (const p of parts) if (p(x)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compileNode(n.item, specs);
      return (x) => !inner(x);
    }
    case 'cmp':
      return compileComparison(n, specs);
  }
}

function compileComparison<T>(n: Extract<Node, { kind: 'cmp' }>, specs: FieldSpecs<T>): (item: T) => boolean {
  const spec = Object.hasOwn(specs, n.field) ? specs[n.field] : undefined;
  if (!spec) {
    throw invalidArgument(
      `Invalid filter: unsupported field "${excerpt(n.field)}"; supported fields: ${Object.keys(specs).join(', ')}`,
    );
  }
  const { op, value } = n;
  if (spec.type === 'map') {
    const key = n.key;
    if (key === undefined) {
      // `labels:env` — the map has the key.
      if (op !== ':')
        throw invalidArgument(
          `Invalid filter: "${excerpt(n.field)}" must be compared through a key, e.g. ${n.field}.KEY="value"`,
        );
      return (x) => Object.hasOwn((spec.get(x) as Record<string, string> | undefined) ?? {}, value);
    }
    return (x) => {
      const m = (spec.get(x) as Record<string, string> | undefined) ?? {};
      const present = Object.hasOwn(m, key);
      if (op === ':' && value === '*') return present;
      if (!present) return op === '!=';
      return compareStrings(m[key] as string, op, value);
    };
  }
  if (n.key !== undefined)
    throw invalidArgument(`Invalid filter: field "${excerpt(n.field)}" has no subfields`);
  if (op === ':' && value === '*') return (x) => spec.get(x) !== undefined;
  switch (spec.type) {
    case 'string':
      return (x) => {
        const v = spec.get(x);
        // A repeated field matches when any element does (`!=` when none equals).
        if (Array.isArray(v)) {
          const any = (v as string[]).some((s) => compareStrings(s, op === '!=' ? '=' : op, value));
          return op === '!=' ? !any : any;
        }
        return typeof v === 'string' ? compareStrings(v, op, value) : op === '!=';
      };
    case 'enum': {
      let name = spec.normalize ? spec.normalize(value) : value;
      if (/^\d+$/.test(value) && spec.enumNames) name = spec.enumNames[Number(value)] ?? value;
      if (spec.enumNames && !spec.enumNames.includes(name)) {
        throw invalidArgument(`Invalid filter: "${excerpt(value)}" is not a valid value for ${n.field}`);
      }
      if (op !== '=' && op !== '!=' && op !== ':')
        throw invalidArgument(`Invalid filter: ${n.field} supports only = and !=`);
      return (x) => (spec.get(x) === name) === (op !== '!=');
    }
    case 'timestamp': {
      const t = parseTimestamp(value);
      if (t === undefined)
        throw invalidArgument(`Invalid filter: "${excerpt(value)}" is not an RFC 3339 timestamp`);
      return (x) => {
        const v = spec.get(x);
        return typeof v === 'number' ? compareNumbers(v, op, t) : op === '!=';
      };
    }
    case 'duration': {
      const d = parseDuration(value);
      if (d === undefined)
        throw invalidArgument(`Invalid filter: "${excerpt(value)}" is not a duration such as "1.5s"`);
      return (x) => {
        const v = spec.get(x);
        return typeof v === 'number' ? compareNumbers(v, op, d) : op === '!=';
      };
    }
    case 'number': {
      const num = Number(value);
      if (value === '' || !Number.isFinite(num))
        throw invalidArgument(`Invalid filter: "${excerpt(value)}" is not a number`);
      return (x) => {
        const v = spec.get(x);
        return typeof v === 'number' ? compareNumbers(v, op, num) : op === '!=';
      };
    }
    case 'bool': {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false')
        throw invalidArgument(`Invalid filter: "${excerpt(value)}" is not a boolean`);
      const b = lower === 'true';
      if (op !== '=' && op !== '!=' && op !== ':')
        throw invalidArgument(`Invalid filter: ${n.field} supports only = and !=`);
      return (x) => (spec.get(x) === b) === (op !== '!=');
    }
  }
}

/** Parses `orderBy` (`"createTime desc, executionId"`) into a comparator. */
export function compileOrderBy<T>(
  text: string | undefined,
  specs: FieldSpecs<T>,
  fallback: (a: T, b: T) => number,
): (a: T, b: T) => number {
  if (text === undefined || text.trim() === '') return fallback;
  const keys = text.split(',').map((part) => {
    const words = part.trim().split(/\s+/);
    const [field, dir, ...rest] = words;
    if (!field || rest.length > 0 || (dir !== undefined && dir !== 'desc' && dir !== 'asc')) {
      throw invalidArgument(
        `Invalid orderBy "${excerpt(text)}": expected a comma-separated list of "field" or "field desc"`,
      );
    }
    const spec = Object.hasOwn(specs, field) ? specs[field] : undefined;
    if (!spec || spec.type === 'map') {
      throw invalidArgument(
        `Invalid orderBy: unsupported field "${excerpt(field)}"; supported fields: ${Object.keys(specs)
          .filter((k) => specs[k]?.type !== 'map')
          .join(', ')}`,
      );
    }
    return { spec, desc: dir === 'desc' };
  });
  return (a, b) => {
    for (const { spec, desc } of keys) {
      const c = compareAny(sortValue(spec, a), sortValue(spec, b));
      if (c !== 0) return desc ? -c : c;
    }
    return fallback(a, b);
  };
}

/** Enums sort by their number, as the service orders by the proto value. */
function sortValue<T>(spec: FieldSpec<T>, item: T): unknown {
  const v = spec.get(item);
  if (spec.type === 'enum' && spec.enumNames && typeof v === 'string') return spec.enumNames.indexOf(v);
  return v;
}

function compareAny(a: unknown, b: unknown): number {
  if (a === b) return 0;
  // Missing values sort first, as unset proto fields compare as their zero value.
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
