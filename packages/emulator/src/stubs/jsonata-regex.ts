/**
 * Regular expressions inside stub JSONata (`$match(path, /^\/(a+)+$/)`, `$replace`, `$split`,
 * `$contains`) run on RE2 (re2js) instead of the JavaScript engine. JSONata's evaluation time
 * limit is only checked between evaluation steps, so a backtracking regex inside one step
 * could hold the event loop for seconds; RE2 matches in time linear in the input.
 *
 * JSONata hands its `RegexEngine` option the literal as a `RegExp` (flags `g` plus `i`/`m`)
 * and then uses only `lastIndex` and `exec()`, which this class provides.
 */
import { RE2JS } from 're2js';

function flagsOf(re: RegExp): number {
  let flags = 0;
  if (re.flags.includes('i')) flags |= RE2JS.CASE_INSENSITIVE;
  if (re.flags.includes('m')) flags |= RE2JS.MULTILINE;
  return flags;
}

/** Compiles a JSONata regex literal with RE2; throws a SyntaxError naming the pattern if RE2 refuses it. */
export function compileJsonataRegex(re: RegExp): RE2JS {
  try {
    return RE2JS.compile(re.source, flagsOf(re));
  } catch (err) {
    throw new SyntaxError(
      `regular expression /${re.source}/ is not supported: stub expressions use RE2 syntax (no look-around or back-references): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The subset of `RegExp` that JSONata uses, over RE2. */
export class Re2RegexEngine {
  lastIndex = 0;
  private readonly re: RE2JS;

  constructor(pattern: RegExp | string, flags?: string) {
    this.re = compileJsonataRegex(typeof pattern === 'string' ? new RegExp(pattern, flags) : pattern);
  }

  exec(input: string): RegExpExecArray | null {
    const from = this.lastIndex;
    const m = this.re.matcher(input);
    if (from > input.length || !m.find(from)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g) ?? undefined);
    const result = Object.assign(groups, { index: m.start(), input }) as unknown as RegExpExecArray;
    // As a global JS regex does: the next search starts where this match ended.
    this.lastIndex = m.end();
    return result;
  }
}

/** Every regex literal in a parsed JSONata expression (to check them at registration). */
export function regexLiterals(ast: unknown): RegExp[] {
  const out: RegExp[] = [];
  const seen = new Set<unknown>();
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (node instanceof RegExp) {
      out.push(node);
      continue;
    }
    for (const v of Object.values(node)) stack.push(v);
  }
  return out;
}
