/**
 * The stub definition accepted by `POST /emulator/v1/stubs` and by `--stubs FILE`.
 */
import jsonata from 'jsonata';
import { z } from 'zod';
import { MAX_JSON_DEPTH } from '../values/json.js';
import { compileJsonataRegex, Re2RegexEngine, regexLiterals } from './jsonata-regex.js';

export const FAULT_KINDS = ['ConnectionFailedError', 'ConnectionError', 'TimeoutError'] as const;
export const FaultSchema = z.enum(FAULT_KINDS);
export type Fault = z.infer<typeof FaultSchema>;

/**
 * Limits on stub-supplied JSONata so a typo cannot hang the emulator: a time and depth limit
 * on evaluation, and regular expressions on RE2 (the time limit is checked between steps, so
 * it cannot cut a backtracking regex short).
 */
export const JSONATA_OPTIONS = {
  timeout: 1000,
  stack: 500,
  RegexEngine: Re2RegexEngine as unknown as RegExpConstructor,
};

/**
 * Deepest bracket nesting (`(`, `[`, `{`) of a stub JSONata expression: the stack depth JSONata's
 * evaluation allows (`stack` above). Checked before parsing, so the answer does not depend on how
 * much stack the process has.
 */
export const MAX_JSONATA_NESTING = JSONATA_OPTIONS.stack;

/** The deepest bracket nesting of a JSONata expression, outside string literals. */
export function jsonataNesting(expr: string): number {
  let depth = 0;
  let deepest = 0;
  let quote = '';
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  return deepest;
}

/** Parses a stub JSONata expression with the limits above; regex literals RE2 refuses throw here. */
export function compileJsonata(expr: string): jsonata.Expression {
  if (jsonataNesting(expr) > MAX_JSONATA_NESTING)
    throw new Error(`the expression nests too deeply (more than ${MAX_JSONATA_NESTING} levels of brackets)`);
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(expr, JSONATA_OPTIONS);
  } catch (err) {
    // JSONata's parser recurses once per nesting level: a deep enough expression overflows the
    // stack, whose RangeError text says nothing about the expression.
    if (err instanceof RangeError) throw new Error('the expression nests too deeply', { cause: err });
    throw err;
  }
  for (const re of regexLiterals(compiled.ast())) compileJsonataRegex(re);
  return compiled;
}

/** Deepest nesting of a stub body: the depth a workflow value may have (Go's JSON allows 10,000). */
export const MAX_STUB_BODY_DEPTH = MAX_JSON_DEPTH;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Why `v` is not a JSON value no deeper than MAX_STUB_BODY_DEPTH, or undefined when it is.
 * Iterative, so a body nested thousands of levels deep gets this answer instead of
 * overflowing the stack (zod's recursive `z.json()` did), and the value itself is kept as
 * given: a `__proto__` key stays an ordinary key.
 */
function jsonProblem(root: unknown): { message: string; path: (string | number)[] } | undefined {
  const stack: { v: unknown; depth: number; path: (string | number)[] }[] = [{ v: root, depth: 0, path: [] }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { message: 'numbers must be finite', path };
      continue;
    }
    const isArray = Array.isArray(v);
    if (!isArray && !isPlainObject(v)) return { message: 'expected a JSON value', path };
    if (depth >= MAX_STUB_BODY_DEPTH)
      return { message: `the value nests deeper than ${MAX_STUB_BODY_DEPTH} levels`, path: path.slice(0, 3) };
    if (isArray)
      (v as unknown[]).forEach((item, i) => stack.push({ v: item, depth: depth + 1, path: [...path, i] }));
    else
      for (const [k, item] of Object.entries(v))
        stack.push({ v: item, depth: depth + 1, path: [...path, k] });
  }
  return undefined;
}

const JsonValueSchema = z.unknown().superRefine((v, ctx) => {
  const problem = jsonProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
});

// YAML stub files often write `Retry-After: 5`; header values are strings on the wire anyway.
const HeaderValueSchema = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));
/**
 * Header maps are checked entry by entry and rebuilt with `Object.fromEntries`, which keeps a
 * `__proto__` name as an ordinary key (zod's record assigns keys, which drops it).
 */
const HeadersSchema = z.unknown().transform((v, ctx): Record<string, string> => {
  if (!isPlainObject(v)) {
    ctx.addIssue({ code: 'custom', message: 'expected a map of header names to values' });
    return z.NEVER;
  }
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(v)) {
    if (name === '')
      ctx.addIssue({ code: 'custom', message: 'header names must not be empty', path: [name] });
    const parsed = HeaderValueSchema.safeParse(value);
    if (parsed.success) out.push([name, parsed.data]);
    else
      ctx.addIssue({
        code: 'custom',
        message: 'header values must be strings, numbers or booleans',
        path: [name],
      });
  }
  return Object.fromEntries(out);
});

const StatusSchema = z.number().int().min(100).max(599);
// One day: long enough for any scripted slowness, short enough to catch a seconds/ms mix-up.
const DelaySchema = z.number().int().min(0).max(86_400_000);

const JsonataSchema = z.string().superRefine((expr, ctx) => {
  try {
    compileJsonata(expr);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid JSONata expression: ${(err as Error).message}` });
  }
});

const MethodSchema = z
  .string()
  .regex(/^(\*|[A-Za-z]+)$/, 'method must be an HTTP method name or "*"')
  .transform((m) => m.toUpperCase());

/** Standard base64 (RFC 4648 §4, padding required), as `base64.encode` writes it. */
const Base64Schema = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'expected standard base64 text');

/**
 * The ways to give a response body: a JSON value (`body`), one computed by JSONata
 * (`bodyExpression`), text sent byte for byte (`bodyText`: JSON whose numbers a JSON value cannot
 * carry, such as `1.0` or integers past 2^53), or bytes (`bodyBase64`). The raw forms stand alone.
 */
const BODY_FIELDS = ['body', 'bodyExpression', 'bodyText', 'bodyBase64'] as const;

function checkOneBody(d: Partial<Record<(typeof BODY_FIELDS)[number], unknown>>, ctx: z.RefinementCtx): void {
  const given = BODY_FIELDS.filter((f) => d[f] !== undefined);
  // `body` with `bodyExpression` was always allowed (the expression wins); the raw forms stand alone.
  const raw = given.includes('bodyText') || given.includes('bodyBase64');
  if (raw && given.length > 1)
    ctx.addIssue({
      code: 'custom',
      message: `give at most one of ${BODY_FIELDS.join(', ')} (got ${given.join(', ')})`,
      path: [given[1]!],
    });
}

/** One entry of `responses`; fields left out fall back to the stub's top-level fields. */
export const StubResponseDefinitionSchema = z
  .strictObject({
    status: StatusSchema.optional(),
    headers: HeadersSchema.optional(),
    body: JsonValueSchema.optional(),
    bodyExpression: JsonataSchema.optional(),
    bodyText: z.string().optional(),
    bodyBase64: Base64Schema.optional(),
    fault: FaultSchema.optional(),
    delayMs: DelaySchema.optional(),
  })
  .superRefine(checkOneBody);
export type StubResponseDefinition = z.infer<typeof StubResponseDefinitionSchema>;

export const StubDefinitionSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{1,128}$/, 'id may use letters, digits and . _ ~ - (at most 128)')
      .optional(),
    method: MethodSchema.optional(),
    url: z.string().min(1).optional(),
    connector: z.string().min(1).optional(),
    status: StatusSchema.default(200),
    headers: HeadersSchema.optional(),
    body: JsonValueSchema.optional(),
    bodyText: z.string().optional(),
    bodyBase64: Base64Schema.optional(),
    /**
     * Only calls whose decoded body (connector calls: args) equals this value match; map key
     * order is ignored, and a string `<redacted>` or `<ignored>` matches any value there.
     */
    requestBody: JsonValueSchema.optional(),
    times: z.number().int().positive().optional(),
    responses: z.array(StubResponseDefinitionSchema).min(1).optional(),
    fault: FaultSchema.optional(),
    delayMs: DelaySchema.optional(),
    match: JsonataSchema.optional(),
    bodyExpression: JsonataSchema.optional(),
  })
  .superRefine((d, ctx) => {
    checkOneBody(d, ctx);
    if ((d.url === undefined) === (d.connector === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a stub needs exactly one of "url" or "connector"',
        path: ['url'],
      });
    }
    if (d.connector !== undefined && d.method !== undefined && d.method !== '*') {
      ctx.addIssue({
        code: 'custom',
        message: 'a connector stub matches by name; leave out "method"',
        path: ['method'],
      });
    }
    if (d.url !== undefined && !d.url.includes('*') && !/^https?:\/\//i.test(d.url)) {
      ctx.addIssue({
        code: 'custom',
        message: 'url must be an http(s) URL or a pattern with * wildcards',
        path: ['url'],
      });
    }
  });

/** A validated stub definition (defaults applied, method upper-cased). */
export type StubDefinition = z.infer<typeof StubDefinitionSchema>;

/** A stub definition that failed validation; the server answers 400 INVALID_ARGUMENT. */
export class StubValidationError extends Error {
  override readonly name = 'StubValidationError';
  readonly code = 'INVALID_STUB';
  constructor(
    message: string,
    readonly issues: readonly z.core.$ZodIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Validates one definition; `label` prefixes the message (e.g. `stubs[2]`). */
export function parseStubDefinition(input: unknown, label = 'stub'): StubDefinition {
  const r = StubDefinitionSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const at = i.path.length ? ` (at ${i.path.map(String).join('.')})` : '';
    return `${i.message}${at}`;
  });
  // zod skips the cross-field check once a field has the wrong type; the most common
  // mistake still deserves a mention.
  const missingTarget =
    typeof input === 'object' && input !== null && !('url' in input) && !('connector' in input);
  if (missingTarget && !lines.some((l) => l.includes('"connector"'))) {
    lines.push('a stub needs exactly one of "url" or "connector"');
  }
  throw new StubValidationError(`invalid ${label}: ${lines.join('; ')}`, r.error.issues, { cause: r.error });
}
