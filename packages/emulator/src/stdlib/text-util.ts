/**
 * Code-point arithmetic over JS (UTF-16) strings: Workflows counts lengths and indexes in
 * Unicode code points (https://cloud.google.com/workflows/docs/reference/stdlib/overview), while JS string offsets count UTF-16 units.
 */

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** Number of code points in `s` (a surrogate pair counts once; a lone surrogate counts once). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if (isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

/** Width in UTF-16 units of the code point starting at offset `i` (1 or 2). */
export function codePointWidthAt(s: string, i: number): number {
  return i + 1 < s.length && isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1)) ? 2 : 1;
}

/**
 * Converts increasing UTF-16 offsets to code-point indexes in one left-to-right pass, so
 * listing every match of a long string stays linear.
 */
export class CodePointCursor {
  private unit = 0;
  private cp = 0;
  constructor(private readonly s: string) {}

  indexOf(utf16Offset: number): number {
    if (utf16Offset < this.unit) {
      this.unit = 0;
      this.cp = 0;
    }
    while (this.unit < utf16Offset) {
      this.unit += codePointWidthAt(this.s, this.unit);
      this.cp++;
    }
    return this.cp;
  }
}

/** UTF-16 offset of every code-point boundary: `[0, ..., s.length]`. */
export function codePointBoundaries(s: string): number[] {
  const out: number[] = [0];
  for (let i = 0; i < s.length;) {
    i += codePointWidthAt(s, i);
    out.push(i);
  }
  return out;
}

/** True when `s` has no lone surrogate, i.e. it can be written as UTF-8. */
export function isWellFormedUnicode(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isHigh(c)) {
      if (i + 1 < s.length && isLow(s.charCodeAt(i + 1))) i++;
      else return false;
    } else if (isLow(c)) return false;
  }
  return true;
}
