/**
 * Offsets, line/column positions and excerpts over one workflow source text.
 */
import type { Pos, SourceProblem } from './types.js';

/** Characters of a source line shown in an error excerpt. */
const EXCERPT_WIDTH = 120;

export class SourceText {
  /** Offsets at which each line starts (line 1 at index 0). */
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** 1-based line and column of a 0-based offset (columns count UTF-16 code units, like the yaml package). */
  pos(offset: number): Pos {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - (this.lineStarts[lo] as number) + 1 };
  }

  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return '';
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  /**
   * The source line and a caret under the column; tabs are kept so the caret lines up. A long
   * line (minified JSON, a huge literal) is cut to a window around the column, marked with `…`,
   * so an error message stays readable whatever the input.
   */
  excerpt(pos: Pos): string {
    const line = this.lineText(pos.line);
    const col = Math.max(0, Math.min(pos.column - 1, line.length));
    let start = 0;
    let end = line.length;
    if (line.length > EXCERPT_WIDTH) {
      start = Math.max(0, Math.min(col - EXCERPT_WIDTH / 2, line.length - EXCERPT_WIDTH));
      end = start + EXCERPT_WIDTH;
    }
    const lead = start > 0 ? '…' : '';
    const text = `${lead}${line.slice(start, end)}${end < line.length ? '…' : ''}`;
    const before = (lead + line.slice(start, col)).replace(/[^\t]/g, ' ');
    return `${text}\n${before}^`;
  }

  problem(message: string, pos: Pos): SourceProblem {
    return { message, line: pos.line, column: pos.column, excerpt: this.excerpt(pos) };
  }
}

/** Sorted by position; exact duplicates (same place, same message) dropped. */
export function sortProblems(problems: readonly SourceProblem[]): SourceProblem[] {
  const seen = new Set<string>();
  const out: SourceProblem[] = [];
  for (const p of problems) {
    const key = `${p.line}:${p.column}:${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** `line 3, column 7: <message>` followed by the indented excerpt, one block per problem. */
export function formatProblems(problems: readonly SourceProblem[]): string {
  return problems
    .map((p) => {
      const excerpt = p.excerpt
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n');
      return `line ${p.line}, column ${p.column}: ${p.message}${excerpt.trim() ? `\n${excerpt}` : ''}`;
    })
    .join('\n');
}
