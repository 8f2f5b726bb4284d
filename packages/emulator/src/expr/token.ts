/** Tokens of the expression language. */
export type TokenKind = 'int' | 'double' | 'string' | 'name' | 'punct' | 'eof';

export const PUNCTUATORS = [
  '//',
  '==',
  '!=',
  '<=',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
] as const;
export type Punctuator = (typeof PUNCTUATORS)[number];

export interface Token {
  kind: TokenKind;
  /** Source text of the token (for `string`, including the quotes). */
  text: string;
  start: number;
  end: number;
  /** The decoded value of a `string` token; the numeric value of a `double`; digits of an `int`. */
  value: string | number;
}

/*
 * Keyword spellings. Logical operators come in lower or upper case, never mixed (https://cloud.google.com/workflows/docs/reference/syntax/datatypes):
 * `And` is an identifier. Booleans also accept the capitalised form (https://cloud.google.com/workflows/docs/reference/syntax/datatypes).
 * `null` variants beyond lower case and the upper-case `IN` are [?]: accepted for leniency,
 * like the YAML spellings `Null`/`NULL` users are used to.
 */
export const AND_WORDS: ReadonlySet<string> = new Set(['and', 'AND']);
export const OR_WORDS: ReadonlySet<string> = new Set(['or', 'OR']);
export const NOT_WORDS: ReadonlySet<string> = new Set(['not', 'NOT']);
export const IN_WORDS: ReadonlySet<string> = new Set(['in', 'IN']);
export const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'True', 'TRUE']);
export const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'False', 'FALSE']);
export const NULL_WORDS: ReadonlySet<string> = new Set(['null', 'Null', 'NULL']);

/** Words that cannot name a variable or a function. */
export function isReservedWord(w: string): boolean {
  return (
    AND_WORDS.has(w) ||
    OR_WORDS.has(w) ||
    NOT_WORDS.has(w) ||
    IN_WORDS.has(w) ||
    TRUE_WORDS.has(w) ||
    FALSE_WORDS.has(w) ||
    NULL_WORDS.has(w)
  );
}
