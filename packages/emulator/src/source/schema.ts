/**
 * The structure of a workflow source as a zod schema (https://cloud.google.com/workflows/docs/reference/syntax, Google's JSON schema),
 * applied to the plain form of the YAML tree. Strict: unknown keys are rejected by name.
 *
 * The typed definition is built from the positioned YAML tree rather than from zod's output,
 * because the tree carries what plain JSON cannot (positions, integer vs double).
 */
import { z } from 'zod';
import type { SourceProblem } from './types.js';
import type { SourceText } from './source-text.js';
import { nodeAt, toPlain, type PathSegment, type PNode } from './yaml-tree.js';

/** A string that is a whole `${...}` expression (surrounding whitespace allowed, e.g. from `|` blocks). */
export const EXPRESSION_RE = /^\s*\$\{[\s\S]*\}\s*$/;
const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Step kinds; a step body has at most one of these (plus `next`, `args`/`result`, `retry`/`except`). */
export const ACTION_KEYS = [
  'assign',
  'call',
  'switch',
  'for',
  'parallel',
  'raise',
  'return',
  'steps',
  'try',
] as const;

export const MAX_ASSIGNMENTS = 50;
export const MAX_CONDITIONS = 50;
export const MIN_BRANCHES = 2;
export const MAX_BRANCHES = 10;
export const MAX_SUBWORKFLOW_PARAMS = 10;
export const MAX_STEPS_PER_LIST = 100_000;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ExpressionSchema = z
  .string({ error: 'must be an expression ${...}' })
  .regex(EXPRESSION_RE, { error: 'must be an expression ${...}' });

const IdentifierSchema = z
  .string({ error: 'must be a variable name' })
  .regex(IDENTIFIER_RE, { error: 'must be a variable name (letters, digits and underscores)' });

/** The target of `call`: a dotted function name or a subworkflow name. */
const CallTargetSchema = z
  .string({ error: 'must be a function or subworkflow name' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, {
    error: 'must be a function or subworkflow name',
  });

/** `result:` names a variable; a dotted or indexed path into one is accepted like an assignment target. */
const ResultSchema = z
  .string({ error: 'must be a variable name' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*([.[].*)?$/s, { error: 'must be a variable name' });

const NextSchema = z.string({ error: 'must be a step name, end, break or continue' }).min(1, {
  error: 'must be a step name, end, break or continue',
});

/** Literal YAML/JSON value (may hold expressions at any depth). */
const AnyValueSchema = z.unknown();

const NumberOrExpression = (what: string) =>
  z.union([z.number(), ExpressionSchema], { error: `${what} must be a number or an expression` });

const IntegerOrExpression = (what: string) =>
  z.union([z.int(), ExpressionSchema], { error: `${what} must be an integer or an expression` });

const singleKey = (what: string) => (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
  const n = Object.keys(v).length;
  if (n !== 1)
    ctx.addIssue({ code: 'custom', message: `${what} must be a map with exactly one key, found ${n}` });
};

const AssignSchema = z
  .array(z.record(z.string(), AnyValueSchema).superRefine(singleKey('each assignment')), {
    error: 'must be a list of assignments',
  })
  .min(1, { error: 'must list at least one assignment' })
  .max(MAX_ASSIGNMENTS, {
    error: `too many assignments: at most ${MAX_ASSIGNMENTS} are allowed in one step`,
  });

/** `args`: a map of named arguments, a list of positional ones (some stdlib calls), or an expression. */
const ArgsSchema = z.custom<unknown>(
  (v) => isRecord(v) || Array.isArray(v) || (typeof v === 'string' && EXPRESSION_RE.test(v)),
  {
    error: 'must be a map of arguments',
  },
);

const BackoffSchema = z.strictObject({
  initial_delay: NumberOrExpression('initial_delay').optional(),
  max_delay: NumberOrExpression('max_delay').optional(),
  multiplier: NumberOrExpression('multiplier').optional(),
});

const RetryMapSchema = z.strictObject({
  predicate: ExpressionSchema.optional(),
  max_retries: IntegerOrExpression('max_retries').optional(),
  backoff: z
    .union([BackoffSchema, ExpressionSchema], {
      error: 'must be a map with initial_delay, max_delay and multiplier, or an expression',
    })
    .optional(),
});

const RetrySchema = z.union([ExpressionSchema, RetryMapSchema], {
  error: 'must be a retry policy expression ${...} or a map with predicate, max_retries and backoff',
});

// Recursive parts are declared through getters (zod 4's way to build cyclic schemas).
const StepArraySchema: z.ZodType = z.lazy(() =>
  z
    .array(z.record(z.string(), StepBodySchema).superRefine(singleKey('each step')), {
      error: 'must be a list of steps',
    })
    .min(1, { error: 'must list at least one step' })
    .max(MAX_STEPS_PER_LIST),
);

const ExceptSchema = z.strictObject({
  as: IdentifierSchema.optional(),
  get steps() {
    return StepArraySchema;
  },
});

const ForSchema = z
  .strictObject({
    value: IdentifierSchema,
    index: IdentifierSchema.optional(),
    in: z
      .union([z.array(AnyValueSchema), ExpressionSchema], { error: "'in' must be a list or an expression" })
      .optional(),
    range: z
      .union([z.array(z.number()).length(2), ExpressionSchema], {
        error: "'range' must be a list of two numbers [start, end] or one expression",
      })
      .optional(),
    get steps() {
      return StepArraySchema;
    },
  })
  .superRefine((v, ctx) => {
    const n = Number(v.in !== undefined) + Number(v.range !== undefined);
    if (n !== 1) {
      ctx.addIssue({ code: 'custom', message: "a for loop needs exactly one of 'in' and 'range'" });
    }
  });

const BranchSchema = z
  .record(
    z.string(),
    z.strictObject({
      get steps() {
        return StepArraySchema;
      },
    }),
  )
  .superRefine(singleKey('each branch'));

const ParallelSchema = z
  .strictObject({
    exception_policy: z
      .literal('continueAll', { error: "must be 'continueAll', the only policy there is" })
      .optional(),
    shared: z
      .array(IdentifierSchema, { error: 'must be a list of variable names' })
      .superRefine((names, ctx) => {
        const dup = names.find((n, i) => names.indexOf(n) !== i);
        if (dup !== undefined) ctx.addIssue({ code: 'custom', message: `variable '${dup}' is listed twice` });
      })
      .optional(),
    concurrency_limit: IntegerOrExpression('concurrency_limit').optional(),
    branches: z
      .array(BranchSchema, { error: 'must be a list of branches' })
      .min(MIN_BRANCHES, { error: `a parallel step needs at least ${MIN_BRANCHES} branches` })
      .max(MAX_BRANCHES, { error: `too many branches: at most ${MAX_BRANCHES} are allowed` })
      .optional(),
    for: ForSchema.optional(),
  })
  .superRefine((v, ctx) => {
    const n = Number(v.branches !== undefined) + Number(v.for !== undefined);
    if (n !== 1) {
      ctx.addIssue({ code: 'custom', message: "a parallel step needs exactly one of 'branches' and 'for'" });
    }
  });

/** The keys a step body and a switch condition share. */
function bodyShape() {
  return {
    assign: AssignSchema.optional(),
    call: CallTargetSchema.optional(),
    args: ArgsSchema.optional(),
    result: ResultSchema.optional(),
    next: NextSchema.optional(),
    get switch(): z.ZodOptional<z.ZodType> {
      return SwitchSchema.optional();
    },
    for: ForSchema.optional(),
    parallel: ParallelSchema.optional(),
    raise: AnyValueSchema.optional(),
    get try() {
      return z
        .union([StepBodySchema, StepArraySchema], { error: "'try' must be a step body or a list of steps" })
        .optional();
    },
    retry: RetrySchema.optional(),
    except: ExceptSchema.optional(),
    return: AnyValueSchema.optional(),
    get steps() {
      return StepArraySchema.optional();
    },
  };
}

const NO_ACTION = 'a step needs an action';

/**
 * One action per body (https://cloud.google.com/workflows/docs/reference/syntax/steps). `next` may accompany any action or stand alone;
 * `args`/`result` need `call`; `retry`/`except` need `try`.
 */
function checkActions(requireAction: boolean) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const has = (k: string) => Object.hasOwn(v, k);
    const actions = ACTION_KEYS.filter(has);
    if (actions.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [actions[1] as string],
        message: `a step can have only one action, found '${actions[0]}' and '${actions[1]}'`,
      });
    }
    if (requireAction && actions.length === 0 && !has('next')) {
      ctx.addIssue({
        code: 'custom',
        message: `${NO_ACTION}: one of ${ACTION_KEYS.join(', ')} (or next)`,
      });
    }
    for (const [dep, needs] of [
      ['args', 'call'],
      ['result', 'call'],
      ['retry', 'try'],
      ['except', 'try'],
    ] as const) {
      if (has(dep) && !has(needs)) {
        ctx.addIssue({
          code: 'custom',
          path: [dep],
          message: `'${dep}' is only allowed together with '${needs}'`,
        });
      }
    }
  };
}

const StepBodySchema: z.ZodType = z.lazy(() => z.strictObject(bodyShape()).superRefine(checkActions(true)));

// Lazy: spreading bodyShape() reads its getters, which refer to schemas defined below.
const ConditionSchema: z.ZodType = z.lazy(() =>
  z
    .strictObject({
      condition: z.union([z.boolean(), ExpressionSchema], {
        error: 'condition must be an expression ${...} or a boolean',
      }),
      ...bodyShape(),
    })
    .superRefine(checkActions(false)),
);

const SwitchSchema: z.ZodType = z
  .array(ConditionSchema, { error: 'must be a list of conditions' })
  .min(1, { error: 'must list at least one condition' })
  .max(MAX_CONDITIONS, { error: `too many conditions: at most ${MAX_CONDITIONS} are allowed in one switch` });

const ParamSchema = z.union(
  [
    IdentifierSchema,
    z.record(IdentifierSchema, AnyValueSchema).superRefine(singleKey('a parameter with a default')),
  ],
  { error: 'a parameter must be a name or a map `name: default`' },
);

const MainRoutineSchema = z.strictObject({
  params: z
    .array(IdentifierSchema, { error: 'must be a list of parameter names' })
    .max(1, { error: 'main accepts at most one parameter (it receives the whole execution argument)' })
    .optional(),
  steps: StepArraySchema,
});

const SubworkflowSchema = z.strictObject({
  params: z
    .array(ParamSchema, { error: 'must be a list of parameters' })
    .max(MAX_SUBWORKFLOW_PARAMS, {
      error: `too many parameters: at most ${MAX_SUBWORKFLOW_PARAMS} are allowed`,
    })
    .superRefine((params, ctx) => {
      const names = params.map((p) => (typeof p === 'string' ? p : Object.keys(p)[0]));
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined) ctx.addIssue({ code: 'custom', message: `parameter '${dup}' is listed twice` });
    })
    .optional(),
  steps: StepArraySchema,
});

const RoutinesSchema = z.object({ main: MainRoutineSchema }).catchall(SubworkflowSchema);

/** The whole source: a map of routines with `main`, or a bare list of steps (implicit `main`). */
export const WorkflowSourceSchema = z.union([StepArraySchema, RoutinesSchema], {
  error: 'a workflow must be a map of routines with main, or a list of steps',
});

// ---------------------------------------------------------------------------------------------
// zod issues → SourceProblems at YAML positions

type Issue = z.core.$ZodIssue;

/** For a union, keeps the branch that got furthest into the input (its issues say the most). */
function flattenIssues(issues: readonly Issue[], base: readonly PathSegment[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathSegment[])];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const scored = issue.errors.map((branch) => ({
        branch,
        score: Math.max(...branch.map((i) => i.path.length + (i.code === 'invalid_type' ? 0 : 0.5))),
      }));
      const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
      // Every branch failed on the value itself: the union's own message is the clearest.
      if (best.branch.every((i) => i.path.length === 0)) out.push({ ...issue, path });
      else out.push(...flattenIssues(best.branch, path));
      continue;
    }
    out.push({ ...issue, path });
  }
  return out;
}

/** The step a path points into: the key right after an index in a `steps` (or `try`) list. */
export function stepNameOf(path: readonly PathSegment[], rootIsList: boolean): string | undefined {
  let name: string | undefined;
  for (let k = 1; k < path.length; k++) {
    const seg = path[k];
    if (typeof seg !== 'string' || typeof path[k - 1] !== 'number') continue;
    const list = k >= 2 ? path[k - 2] : undefined;
    if ((k === 1 && rootIsList) || list === 'steps' || list === 'try') name = seg;
  }
  return name;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `a ${typeof v}`;
}

function valueAtPath(plain: unknown, path: readonly PathSegment[]): unknown {
  let v = plain;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

export function stepPrefix(step: string | undefined): string {
  return step === undefined ? '' : `failed to build: error in step ${step}: `;
}

export function schemaProblems(root: PNode, src: SourceText): SourceProblem[] {
  const plain = toPlain(root);
  const rootIsList = root.kind === 'seq';
  const schema = rootIsList ? StepArraySchema : root.kind === 'map' ? RoutinesSchema : WorkflowSourceSchema;
  const result = schema.safeParse(plain);
  if (result.success) return [];
  const problems: SourceProblem[] = [];
  const issues = flattenIssues(result.error.issues);
  // An unknown key is reported on its own; "needs an action" on the same step would be noise.
  const withUnknownKeys = new Set(
    issues.filter((i) => i.code === 'unrecognized_keys').map((i) => JSON.stringify(i.path)),
  );
  for (const issue of issues) {
    if (
      issue.code === 'custom' &&
      issue.message.startsWith(NO_ACTION) &&
      withUnknownKeys.has(JSON.stringify(issue.path))
    ) {
      continue;
    }
    const path = issue.path as PathSegment[];
    const found = nodeAt(root, path);
    const step = stepNameOf(path, rootIsList);
    const prefix = stepPrefix(step);
    const lastKey = [...path].reverse().find((s): s is string => typeof s === 'string');
    const field = lastKey !== undefined && lastKey !== step ? `'${lastKey}' ` : '';
    const complete = found.depth === path.length;
    // Point at the key for maps and lists (`assign:`), at the value itself for scalars.
    const pos =
      found.entry && complete && (found.node.kind !== 'scalar' || issue.code === 'custom')
        ? found.entry.keyPos
        : found.node.pos;

    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const entry = found.node.kind === 'map' ? found.node.entries.find((e) => e.key === key) : undefined;
        const where = step === undefined && path.length === 0 ? '' : prefix;
        problems.push(src.problem(`${where}unknown field '${key}'`, entry?.keyPos ?? pos));
      }
      continue;
    }
    if (!complete) {
      // The issue is about a child that is not there: a required field is missing.
      const missing = path[found.depth];
      const at = found.entry ? found.entry.keyPos : found.node.pos;
      const message =
        path.length === 1 && missing === 'main'
          ? "missing 'main': a workflow with subworkflows needs a main workflow"
          : `${prefix}missing required field '${String(missing)}'`;
      problems.push(src.problem(message, at));
      continue;
    }
    let message: string;
    switch (issue.code) {
      case 'invalid_type':
        message = `${field}must be ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' || issue.expected === 'record' ? 'a map' : `a ${issue.expected}`}, got ${describeValue(valueAtPath(plain, path))}`;
        break;
      case 'too_big':
      case 'too_small':
      case 'custom':
      case 'invalid_union':
        // These messages are written in this file with their own context.
        message = issue.message;
        break;
      default:
        message = `${field}${issue.message}`;
    }
    problems.push(src.problem(`${prefix}${message}`, pos));
  }
  return problems;
}
