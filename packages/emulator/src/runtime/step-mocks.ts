/**
 * Step mocks: a call step named by workflow, routine and step does not make its call; it ends as
 * if the call had returned a given value or raised a given error. The executor consults them in
 * one place, where a call step is about to call (executor.ts `callFunction`).
 *
 * One definition format everywhere: the testing package's `env.mockStep(...)`, the `steps:`
 * section of a `--stubs` file and `POST /emulator/v1/stepMocks` all hand the same object to
 * {@link StepMocks.add}:
 *
 *   { workflow, location?, routine? (default main), step, id?, description?,
 *     return: VALUE | raise: VALUE | httpError: {code, headers?, body?, message?} |
 *     fault: ConnectionError | ConnectionFailedError | TimeoutError (message?),
 *     delayMs?,
 *     answers?: { "0": ANSWER, "1-2": ANSWER, default: ANSWER } }
 *
 * A sequence (`answers`) is keyed by attempt, as AWS Step Functions' mock files key mocked
 * responses (https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html):
 * attempt 0 is the step's first call in an execution, attempt 1 its first retry, and so on.
 *
 * The errors are the ones the real call raises: an HttpError map `{message, tags: [HttpError],
 * code, headers, body}` as `http.*` and connectors raise it
 * (https://cloud.google.com/workflows/docs/reference/stdlib/http/request), and the transport
 * failures `ConnectionError`, `ConnectionFailedError` and `TimeoutError`
 * (https://cloud.google.com/workflows/docs/reference/syntax/catching-errors#error-tags).
 */
import { claimId } from './fresh-id.js';
import { z } from 'zod';
import { jsonToValue } from '../values/json.js';
import { cloneValue, type Value } from '../values/types.js';
import { errorMap, platformError, RaisedError } from '../values/raised-error.js';
import type { Routine, Step, StepAction, WorkflowDefinition } from '../source/types.js';

/** The errors a call's transport can fail with (the stubs' `fault` names, the same tags). */
export const STEP_MOCK_FAULTS = ['ConnectionError', 'ConnectionFailedError', 'TimeoutError'] as const;

// One day of virtual time: long enough for any scripted slowness, short enough to catch ms/s mix-ups.
const DelaySchema = z.number().int().min(0).max(86_400_000);

/** A JSON value, converted to a workflow value once, at registration (too deep or not JSON: an issue). */
const ValueSchema = z.unknown().transform((v, ctx): Value => {
  try {
    return jsonToValue(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const HttpErrorSchema = z.strictObject({
  code: z.number().int().min(400).max(599),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  body: ValueSchema.optional(),
  message: z.string().optional(),
});

const ANSWER_KINDS = ['return', 'raise', 'httpError', 'fault'] as const;

const AnswerFields = {
  return: ValueSchema.optional(),
  raise: ValueSchema.optional(),
  httpError: HttpErrorSchema.optional(),
  fault: z.enum(STEP_MOCK_FAULTS).optional(),
  /** The fault's message (default: one naming the step and the mock). */
  message: z.string().optional(),
  /** Virtual milliseconds the call takes before it answers. */
  delayMs: DelaySchema.optional(),
};

const AnswerSchema = z.strictObject(AnswerFields).superRefine((a, ctx) => checkOneAnswer(a, ctx, true));

/** Attempt keys: `"0"`, `"1-2"` (inclusive), or `default`. */
const ATTEMPT_KEY = /^(\d+)(?:-(\d+))?$/;

const DefinitionSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{1,128}$/, 'id may use letters, digits and . _ ~ - (at most 128)')
      .optional(),
    workflow: z.string().min(1),
    location: z.string().min(1).optional(),
    routine: z.string().min(1).default('main'),
    step: z.string().min(1),
    description: z.string().optional(),
    ...AnswerFields,
    answers: z.record(z.string(), AnswerSchema).optional(),
  })
  .superRefine((d, ctx) => {
    if (d.answers === undefined) {
      checkOneAnswer(d, ctx, true);
      return;
    }
    if (ANSWER_KINDS.some((k) => k in d) || d.delayMs !== undefined || d.message !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'give either one answer (return, raise, httpError or fault) or "answers" keyed by attempt',
        path: ['answers'],
      });
    const problem = attemptKeysProblem(Object.keys(d.answers));
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['answers'] });
  });

function checkOneAnswer(a: Record<string, unknown>, ctx: z.RefinementCtx, required: boolean): void {
  const given = ANSWER_KINDS.filter((k) => k in a);
  if (given.length > 1)
    ctx.addIssue({
      code: 'custom',
      message: `give one of return, raise, httpError or fault (got ${given.join(', ')})`,
      path: [given[1]!],
    });
  else if (given.length === 0 && required)
    ctx.addIssue({ code: 'custom', message: 'an answer needs one of return, raise, httpError or fault' });
  if (a['message'] !== undefined && a['fault'] === undefined)
    ctx.addIssue({
      code: 'custom',
      message: '"message" goes with "fault" (an httpError has its own message)',
      path: ['message'],
    });
}

/** Why a set of attempt keys is unusable: gaps, overlaps, bad syntax; undefined when fine. */
function attemptKeysProblem(keys: readonly string[]): string | undefined {
  const ranges: [number, number][] = [];
  for (const key of keys) {
    if (key === 'default') continue;
    const m = ATTEMPT_KEY.exec(key);
    if (!m) return `attempt key "${key}" must be a number ("0"), a range ("1-2") or "default"`;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return `attempt range "${key}" ends before it starts`;
    ranges.push([from, to]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [from, to] of ranges) {
    if (from < expected) return `attempt ${from} has two answers`;
    if (from > expected) return `no answer for attempt ${expected}: keys must cover 0, 1, ... without gaps`;
    expected = to + 1;
  }
  if (ranges.length === 0 && !keys.includes('default')) return 'answers is empty';
  return undefined;
}

type ParsedAnswer = z.infer<typeof AnswerSchema>;
/** A validated definition. */
export type ParsedDefinition = z.infer<typeof DefinitionSchema>;

/** A step mock definition as given (see the module comment). */
export type StepMockDefinition = z.input<typeof DefinitionSchema>;
/** One answer of a step mock. */
export type StepMockAnswer = z.input<typeof AnswerSchema>;

/** A definition that failed validation, or that names a step the deployed workflow lacks. */
export class StepMockError extends Error {
  override readonly name = 'StepMockError';
  readonly code = 'INVALID_STEP_MOCK';
}

/** How a registered mock is shown (`GET /emulator/v1/stepMocks`). */
export interface StepMockInfo {
  id: string;
  workflow: string;
  location?: string;
  routine: string;
  step: string;
  description?: string;
  /** Times the mock has answered, all executions together. */
  calls: number;
  /** The definition's answer fields: one answer, or `answers` by attempt key. */
  [field: string]: unknown;
}

/** What a mocked call ends with, and after how long (virtual milliseconds). */
export type StepMockOutcome = { value: Value; delayMs: number } | { error: RaisedError; delayMs: number };

/** A mocked call, as observers see it (the request log, step entries). */
export interface MockedCall {
  mockId: string;
  /** 0-based: the call's attempt in its execution (0 the first call, 1 the first retry...). */
  attempt: number;
  /** Where the call was: the execution, workflow, location, routine and step. */
  executionId: string;
  workflowId: string;
  location: string;
  routine: string;
  step: string;
  /** The function the step calls, with its evaluated arguments. */
  functionName: string;
  args: Value;
  /** The answer given. */
  outcome: StepMockOutcome;
}

/** One registered mock, as the executor uses it. */
export class StepMock {
  calls = 0;
  /** Sorted ranges, then the default. */
  private readonly ranges: { from: number; to: number; answer: ParsedAnswer }[] = [];
  private readonly fallback: ParsedAnswer | undefined;

  /** @internal */
  constructor(
    readonly id: string,
    readonly definition: ParsedDefinition,
    /** The definition as given (JSON), for listings. */
    readonly input: Record<string, unknown>,
  ) {
    if (definition.answers === undefined) {
      this.fallback = definition;
      return;
    }
    for (const [key, answer] of Object.entries(definition.answers)) {
      const m = ATTEMPT_KEY.exec(key);
      if (!m) continue;
      this.ranges.push({ from: Number(m[1]), to: Number(m[2] ?? m[1]), answer });
    }
    this.ranges.sort((a, b) => a.from - b.from);
    // Attempts past the last key with no `default`: the last answer again (a stated choice).
    this.fallback = definition.answers['default'] ?? this.ranges[this.ranges.length - 1]?.answer;
  }

  get workflow(): string {
    return this.definition.workflow;
  }
  get routine(): string {
    return this.definition.routine;
  }
  get step(): string {
    return this.definition.step;
  }

  /** The answer for a 0-based attempt, as a value or a Workflows error. */
  answer(attempt: number): StepMockOutcome {
    this.calls++;
    const answer = this.ranges.find((r) => attempt >= r.from && attempt <= r.to)?.answer ?? this.fallback!;
    const delayMs = answer.delayMs ?? 0;
    if ('raise' in answer) return { error: new RaisedError(cloneValue(answer.raise ?? null)), delayMs };
    if (answer.httpError !== undefined) {
      const { code, headers, body, message } = answer.httpError;
      const headerMap = new Map<string, Value>(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
      const error = platformError('HttpError', message ?? `HTTP server responded with error code ${code}`, [
        ['code', code],
        ['headers', headerMap],
        ['body', cloneValue(body ?? null)],
      ]);
      return { error, delayMs };
    }
    if (answer.fault !== undefined) {
      const message =
        answer.message ??
        `${answer.fault} in step "${this.step}", routine "${this.routine}" (simulated by step mock ${this.id})`;
      return { error: new RaisedError(errorMap([answer.fault], message)), delayMs };
    }
    // Each answer is a copy: the workflow may change the value it got.
    return { value: cloneValue(answer.return ?? null), delayMs };
  }
}

/** Where the mocks look up deployed workflows: the current definition per location. */
export type DeployedDefinitions = (
  workflowId: string,
  location: string | undefined,
) => { location: string; definition: WorkflowDefinition }[];

export interface StepMocksOptions {
  /** Deployed workflows, to check that a mock names a step they have. */
  deployed: DeployedDefinitions;
  /** Told of every mocked call (the request log listens). */
  onMocked?: (call: MockedCall) => void;
}

/**
 * The registered step mocks. Newest first, as stubs: a later mock of the same step overrides an
 * earlier one, and a mock with the id of a registered one replaces it.
 */
export class StepMocks {
  private entries: StepMock[] = [];
  private nextId = 1;

  constructor(private readonly options: StepMocksOptions) {}

  /** Validates a definition against the deployed workflow and registers it (throws StepMockError). */
  add(input: unknown, label = 'step mock'): StepMockInfo {
    const def = this.check(input, label);
    const id = this.claimId(def.id);
    const mock = new StepMock(id, def, structuredClone(input) as Record<string, unknown>);
    this.entries.push(mock);
    return describe(mock);
  }

  /** Checks several definitions and registers all of them, or none. */
  addAll(inputs: readonly unknown[], label = 'step mock'): StepMockInfo[] {
    inputs.forEach((d, i) => this.check(d, `${label} at index ${i}`));
    return inputs.map((d, i) => this.add(d, `${label} at index ${i}`));
  }

  list(): StepMockInfo[] {
    return this.entries.map(describe);
  }

  remove(id: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    return this.entries.length !== before;
  }

  clear(): void {
    this.entries = [];
    this.nextId = 1;
  }

  /** The mock of a step, newest first; undefined when none is registered (the common case: cheap). */
  find(workflowId: string, location: string, routine: string, step: string): StepMock | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      const d = e.definition;
      if (d.step === step && d.routine === routine && d.workflow === workflowId) {
        if (d.location === undefined || d.location === location) return e;
      }
    }
    return undefined;
  }

  /** @internal the executor reports each mocked call */
  mocked(call: MockedCall): void {
    this.options.onMocked?.(call);
  }

  /** Validates a definition against the deployed workflows without registering it (throws StepMockError). */
  check(input: unknown, label = 'step mock'): ParsedDefinition {
    const r = DefinitionSchema.safeParse(input);
    if (!r.success) {
      const lines = r.error.issues.map((i) => {
        const at = i.path.length ? ` (at ${i.path.map(String).join('.')})` : '';
        return `${i.message}${at}`;
      });
      throw new StepMockError(`invalid ${label}: ${lines.join('; ')}`, { cause: r.error });
    }
    const def = r.data;
    const deployed = this.options.deployed(def.workflow, def.location);
    const where = def.location === undefined ? '' : ` in ${def.location}`;
    if (deployed.length === 0)
      throw new StepMockError(`invalid ${label}: workflow "${def.workflow}" is not deployed${where}`);
    for (const { location, definition } of deployed) {
      const routine = definition.routines.get(def.routine);
      if (!routine) {
        const names = [...definition.routines.keys()].join(', ');
        throw new StepMockError(
          `invalid ${label}: workflow "${def.workflow}" (${location}) has no routine "${def.routine}"; its routines: ${names}`,
        );
      }
      const steps = stepsOf(routine);
      const found = steps.find((s) => s.name === def.step);
      if (!found) {
        throw new StepMockError(
          `invalid ${label}: routine "${def.routine}" of workflow "${def.workflow}" (${location}) has no step "${def.step}"; its steps: ${steps.map((s) => s.name).join(', ')}`,
        );
      }
      if (!found.calls) {
        const callSteps = steps.filter((s) => s.calls).map((s) => s.name);
        throw new StepMockError(
          `invalid ${label}: step "${def.step}" of routine "${def.routine}" (workflow "${def.workflow}") makes no call; its call steps: ${callSteps.join(', ') || 'none'}`,
        );
      }
    }
    return def;
  }

  private claimId(wanted: string | undefined): string {
    return claimId(
      wanted,
      () => `mock-${this.nextId++}`,
      (id) => this.entries.some((e) => e.id === id),
      (id) => this.remove(id),
    );
  }
}

function describe(m: StepMock): StepMockInfo {
  const info: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m.input)) if (v !== undefined) info[k] = v;
  return { ...info, id: m.id, workflow: m.workflow, routine: m.routine, step: m.step, calls: m.calls };
}

/**
 * Every named step of a routine at any depth (nested `steps`, `for` and `parallel` bodies, `try`
 * and `except` blocks, switch conditions), in source order, and whether it makes a call: a `call`
 * step, a `try` whose body is a call, or a switch with a call in a condition.
 */
export function stepsOf(routine: Routine): { name: string; calls: boolean }[] {
  const out: { name: string; calls: boolean }[] = [];
  const walk = (steps: readonly Step[]) => {
    for (const s of steps) {
      out.push({ name: s.name, calls: makesCall(s.action) });
      nested(s.action);
    }
  };
  const nested = (a: StepAction) => {
    switch (a.kind) {
      case 'steps':
        walk(a.steps);
        break;
      case 'for':
        walk(a.for.steps);
        break;
      case 'parallel':
        for (const b of a.parallel.branches ?? []) walk(b.steps);
        if (a.parallel.for) walk(a.parallel.for.steps);
        break;
      case 'try':
        nested(a.try.action);
        if (a.except) walk(a.except.steps);
        break;
      case 'switch':
        for (const c of a.conditions) if (c.body) nested(c.body.action);
        break;
      default:
        break;
    }
  };
  walk(routine.steps);
  return out;
}

function makesCall(a: StepAction): boolean {
  if (a.kind === 'call') return true;
  if (a.kind === 'try') return makesCall(a.try.action);
  if (a.kind === 'switch')
    return a.conditions.some((c) => c.body !== undefined && c.body.action.kind === 'call');
  return false;
}
