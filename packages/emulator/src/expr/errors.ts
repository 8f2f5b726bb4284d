/** An expression that cannot be parsed. Offsets are 0-based in the text between `${` and `}`. */
export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
  readonly code = 'EXPRESSION_SYNTAX';
  /** The line of the expression holding the error, and a caret line under it. */
  readonly excerpt: string;

  constructor(
    /** What is wrong, without position (callers add line and column in the source file). */
    readonly reason: string,
    readonly text: string,
    readonly offset: number,
    readonly length: number,
  ) {
    super(`${reason} (at offset ${offset})`);
    this.excerpt = caretExcerpt(text, offset, length);
  }
}

/** The line of `text` holding `offset`, then a caret line marking `length` characters (at least one). */
export function caretExcerpt(text: string, offset: number, length: number): string {
  const at = Math.max(0, Math.min(offset, text.length));
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  let lineEnd = text.indexOf('\n', at);
  if (lineEnd < 0) lineEnd = text.length;
  const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
  // Keep tabs in the pad so the caret lines up under tab-indented text.
  const pad = text.slice(lineStart, at).replace(/[^\t]/g, ' ');
  const carets = Math.max(1, Math.min(length, lineEnd - at));
  return `${line}\n${pad}${'^'.repeat(carets)}`;
}
