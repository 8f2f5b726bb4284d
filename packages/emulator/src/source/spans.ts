/**
 * Where things of a workflow source end. The definition keeps only where each node starts (its
 * key's line and column); coverage reports also need the end of a step, a condition or a key,
 * and the keys the definition keeps no position of (`switch`, `try`, `except`, `next`). This
 * reads the text once more with the yaml package, which knows every node's range, and answers
 * by start position.
 */
import { isMap, isNode, isPair, isScalar, parseDocument, visit, type Pair } from 'yaml';
import type { Pos } from './types.js';

/** A range of the source: 1-based lines and columns, `end` just after the last character. */
export interface Span {
  start: Pos;
  end: Pos;
}

interface KeyRange {
  keyEnd: number;
  valueStart: number | undefined;
  valueEnd: number;
}

export class SourceSpans {
  private readonly lineStarts: number[] = [0];
  /** Start offset of a key → where it ends, and where its value starts and ends. */
  private readonly keys = new Map<number, KeyRange>();
  /** Start offset of a node (a map, a list, a scalar) → its end. */
  private readonly nodes = new Map<number, number>();
  /** Start offset of a map → its keys' start offsets by name. */
  private readonly mapKeys = new Map<number, Map<string, number>>();

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    const doc = parseDocument(text, { uniqueKeys: false });
    visit(doc, (_key, node) => {
      if (isPair(node) || !isNode(node)) return;
      const r = node.range;
      // A node read through an alias has its anchor's range: the first one seen wins.
      if (r && !this.nodes.has(r[0])) this.nodes.set(r[0], r[1]);
      if (isMap(node) && r) this.addKeys(r[0], node.items);
    });
  }

  private addKeys(mapStart: number, pairs: readonly Pair[]): void {
    let names = this.mapKeys.get(mapStart);
    if (!names) this.mapKeys.set(mapStart, (names = new Map()));
    for (const pair of pairs) {
      if (!isNode(pair.key) || !pair.key.range) continue;
      const at = pair.key.range[0];
      const keyEnd = pair.key.range[1];
      const value = isNode(pair.value) ? pair.value.range : undefined;
      this.keys.set(at, {
        keyEnd,
        valueStart: value?.[0],
        valueEnd: value ? Math.max(value[1], keyEnd) : keyEnd,
      });
      if (isScalar(pair.key) && !names.has(String(pair.key.value))) names.set(String(pair.key.value), at);
    }
  }

  /** The key written at `pos`: the key alone, and the key with its value. */
  key(pos: Pos): { key: Span; entry: Span } | undefined {
    const at = this.offset(pos);
    const k = at === undefined ? undefined : this.keys.get(at);
    if (!k || at === undefined) return undefined;
    return { key: this.span(at, k.keyEnd), entry: this.span(at, k.valueEnd) };
  }

  /** Where the value of the key written at `pos` starts. */
  value(keyPos: Pos): Pos | undefined {
    const at = this.offset(keyPos);
    const start = at === undefined ? undefined : this.keys.get(at)?.valueStart;
    return start === undefined ? undefined : this.pos(start);
  }

  /** The key `name` of the map that starts at `mapPos`. */
  keyIn(mapPos: Pos | undefined, name: string): Pos | undefined {
    const at = mapPos && this.offset(mapPos);
    const key = at === undefined ? undefined : this.mapKeys.get(at)?.get(name);
    return key === undefined ? undefined : this.pos(key);
  }

  /** The map, list or scalar that starts at `pos`. */
  node(pos: Pos): Span | undefined {
    const at = this.offset(pos);
    const end = at === undefined ? undefined : this.nodes.get(at);
    return at === undefined || end === undefined ? undefined : this.span(at, end);
  }

  /** From `pos` to the end of its line. */
  restOfLine(pos: Pos): Span {
    const start = Math.min(this.offset(pos) ?? 0, this.text.length);
    const nl = this.text.indexOf('\n', start);
    return this.span(start, nl < 0 ? this.text.length : nl);
  }

  /** The 0-based offset of a 1-based position. */
  offset(pos: Pos): number | undefined {
    const lineStart = this.lineStarts[pos.line - 1];
    if (lineStart === undefined) return undefined;
    return lineStart + pos.column - 1;
  }

  private pos(offset: number): Pos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] as number) + 1 };
  }

  private span(start: number, end: number): Span {
    // A block value ends after its line break: the span ends on its last line instead.
    let e = end;
    while (e > start && /\s/.test(this.text[e - 1] as string)) e--;
    return { start: this.pos(start), end: this.pos(e) };
  }
}
