/**
 * YAML (and JSON, which YAML 1.2 reads as flow collections) into a small positioned tree.
 *
 * The tree keeps what the typed definition needs and a plain JS object cannot carry:
 * the position of every key and value, whether a number was written as an integer or a
 * double (`2` vs `2.0`), and the scalar's source range so offsets inside an expression
 * can be mapped back to a line and column.
 */
import type { Scalar } from 'yaml';
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { Pos, SourceProblem } from './types.js';
import type { SourceText } from './source-text.js';

export interface PScalar {
  kind: 'scalar';
  /** Integers come from the parser as bigint, doubles as number. */
  value: string | boolean | null | number | bigint;
  style: Scalar.Type | undefined;
  /** [start, end) of the scalar in the source, quotes and block headers included. */
  range: [number, number];
  pos: Pos;
}

export interface PMapEntry {
  key: string;
  /** The key was written as a string scalar (quoted or plain), so `${...}` keys count as expressions. */
  keyScalar?: PScalar;
  keyPos: Pos;
  value: PNode;
}

export interface PMap {
  kind: 'map';
  entries: PMapEntry[];
  pos: Pos;
}

export interface PSeq {
  kind: 'seq';
  items: PNode[];
  pos: Pos;
}

export type PNode = PScalar | PMap | PSeq;

export type PathSegment = string | number;

export interface ParsedYaml {
  root: PNode | undefined;
  problems: SourceProblem[];
}

const MAX_SYNTAX_PROBLEMS = 5;

/** Deeper maps and lists are refused: no real workflow comes close, and each level costs stack. */
const MAX_NESTING = 200;

export function parseYamlTree(src: SourceText): ParsedYaml {
  const looksLikeJson = /^\s*[[{]/.test(src.text);
  const doc = parseDocument(src.text, {
    intAsBigInt: true,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const problems: SourceProblem[] = [];
  const seenLines = new Set<number>();
  for (const err of doc.errors) {
    const offset = err.pos[0];
    // One mistake makes the parser report a cascade of errors; the first on each line says it best.
    const line = src.pos(offset).line;
    if (seenLines.has(line) || seenLines.size >= MAX_SYNTAX_PROBLEMS) continue;
    seenLines.add(line);
    const kind = looksLikeJson ? 'JSON' : 'YAML';
    const at = src.pos(offset);
    // `[${a}, ${b}]`: in flow collections `{` and `}` are YAML syntax, so expressions need quotes.
    const hint =
      !looksLikeJson && /[[{,]\s*\$\{/.test(src.lineText(at.line))
        ? ' (an expression inside [...] or {...} must be quoted, e.g. "${x}")'
        : '';
    // The yaml parser recurses per nesting level and reports its own stack overflow as a
    // syntax error; say what the author can act on instead of the engine's RangeError text.
    if (/call stack/i.test(err.message)) {
      problems.push(src.problem(`the source is nested too deeply (the limit is ${MAX_NESTING} levels)`, at));
      continue;
    }
    problems.push(src.problem(`${kind} syntax error: ${err.message}${hint}`, at));
  }
  if (problems.length > 0) return { root: undefined, problems };
  const contents = doc.contents;
  if (contents === null) return { root: undefined, problems };
  const converter = new TreeBuilder(src, doc, problems);
  return { root: converter.build(contents, 0), problems };
}

/** Aliases are expanded into copies; this caps the expanded size so a "billion laughs" source fails fast. */
const MAX_TREE_NODES = 200_000;

class TreeBuilder {
  private nodes = 0;

  constructor(
    private readonly src: SourceText,
    private readonly doc: Document,
    private readonly problems: SourceProblem[],
  ) {}

  build(node: Node, depth: number): PNode {
    const at = this.src.pos(node.range?.[0] ?? 0);
    if (depth > MAX_NESTING || ++this.nodes > MAX_TREE_NODES) {
      if (this.problems.length === 0) {
        this.problems.push(
          this.src.problem('the source is nested too deeply or expands to too many nodes', at),
        );
      }
      return { kind: 'scalar', value: null, style: undefined, range: [0, 0], pos: at };
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) {
        this.problems.push(this.src.problem(`unknown YAML alias '*${node.source}'`, at));
        return { kind: 'scalar', value: null, style: undefined, range: [0, 0], pos: at };
      }
      return this.build(target, depth + 1);
    }
    if (isMap(node)) {
      const entries: PMapEntry[] = [];
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const value = pair.value as Node | null;
        const keyAt = keyNode?.range ? this.src.pos(keyNode.range[0]) : at;
        let key: string;
        let keyScalar: PScalar | undefined;
        if (keyNode === null || keyNode === undefined) {
          key = '';
        } else if (isScalar(keyNode)) {
          const built = this.build(keyNode, depth + 1) as PScalar;
          key = scalarKeyText(built, this.src.text);
          if (typeof built.value === 'string') keyScalar = built;
        } else {
          this.problems.push(this.src.problem('map keys must be strings', keyAt));
          key = '';
        }
        // `key:` with nothing after it: the yaml package gives a null value without a range.
        const valueNode: PNode =
          value === null || value === undefined
            ? { kind: 'scalar', value: null, style: undefined, range: [0, 0], pos: keyAt }
            : this.build(value, depth + 1);
        entries.push({ key, keyScalar, keyPos: keyAt, value: valueNode });
      }
      return { kind: 'map', entries, pos: at };
    }
    if (isSeq(node)) {
      const items = node.items.map((item): PNode =>
        item === null || item === undefined
          ? { kind: 'scalar', value: null, style: undefined, range: [0, 0], pos: at }
          : this.build(item as Node, depth + 1),
      );
      return { kind: 'seq', items, pos: at };
    }
    if (isScalar(node)) {
      const v = node.value;
      let value: PScalar['value'];
      if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') value = v;
      else if (typeof v === 'number') value = v;
      else value = null; // the core schema produces no other scalar types
      const range: [number, number] = node.range ? [node.range[0], node.range[1]] : [0, 0];
      return { kind: 'scalar', value, style: node.type, range, pos: at };
    }
    this.problems.push(this.src.problem('unsupported YAML node', at));
    return { kind: 'scalar', value: null, style: undefined, range: [0, 0], pos: at };
  }
}

/** Map keys are strings in Workflows; a non-string key keeps the text it was written with. */
function scalarKeyText(s: PScalar, text: string): string {
  if (typeof s.value === 'string') return s.value;
  if (s.value === null) return s.range[1] > s.range[0] ? text.slice(s.range[0], s.range[1]) : '';
  if (s.style === 'PLAIN' && s.range[1] > s.range[0]) return text.slice(s.range[0], s.range[1]);
  return String(s.value);
}

/** The node at `path`, or the deepest existing ancestor when the path leads to a missing child. */
export function nodeAt(
  root: PNode,
  path: readonly PathSegment[],
): { node: PNode; depth: number; entry?: PMapEntry } {
  let node = root;
  let entry: PMapEntry | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    let next: PNode | undefined;
    let nextEntry: PMapEntry | undefined;
    if (node.kind === 'map' && typeof seg === 'string') {
      const key = seg === PROTO_KEY_ALIAS ? '__proto__' : seg;
      nextEntry = node.entries.find((e) => e.key === key);
      next = nextEntry?.value;
    } else if (node.kind === 'seq' && typeof seg === 'number') {
      next = node.items[seg];
    }
    if (!next) return { node, depth: i, entry };
    node = next;
    entry = nextEntry;
  }
  return { node, depth: path.length, entry };
}

/** Plain JS for zod: maps become null-prototype objects so `__proto__` stays an ordinary key. */
/**
 * zod rebuilds records as ordinary objects, where a `__proto__` key would set the prototype
 * instead of a key; the plain tree given to the schema carries it under this alias instead.
 */
export const PROTO_KEY_ALIAS = '__proto__\u0000';
const plainKey = (key: string): string => (key === '__proto__' ? PROTO_KEY_ALIAS : key);

export function toPlain(node: PNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return typeof node.value === 'bigint' ? Number(node.value) : node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map': {
      const out = Object.create(null) as Record<string, unknown>;
      for (const e of node.entries) out[plainKey(e.key)] = toPlain(e.value);
      return out;
    }
  }
}

/**
 * The source position of `index` in a string scalar's value. Exact for single-line plain and
 * quoted scalars; for escapes, block scalars and folded lines it walks the source and the value
 * side by side, matching characters and skipping what the YAML reader removed (quotes, indentation,
 * escape backslashes).
 */
export function valueOffsetToSource(src: SourceText, scalar: PScalar, index: number): number {
  const value = typeof scalar.value === 'string' ? scalar.value : '';
  const text = src.text;
  let p = scalar.range[0];
  const end = Math.max(scalar.range[1], p);
  if (scalar.style === 'QUOTE_DOUBLE' || scalar.style === 'QUOTE_SINGLE') p += 1;
  else if (scalar.style === 'BLOCK_LITERAL' || scalar.style === 'BLOCK_FOLDED') {
    const nl = text.indexOf('\n', p);
    p = nl < 0 || nl >= end ? p : nl + 1;
  }
  const matches = (q: number, c: string): boolean => {
    const s = text[q];
    return s === c || ((c === ' ' || c === '\n') && (s === '\n' || s === ' '));
  };
  const limit = Math.min(index, value.length);
  for (let k = 0; k <= limit; k++) {
    const c = value[k];
    if (c === undefined) return p;
    let q = p;
    while (q < end && !matches(q, c)) q++;
    if (q >= end) return p;
    if (k === limit) return q;
    p = q + 1;
  }
  return p;
}
