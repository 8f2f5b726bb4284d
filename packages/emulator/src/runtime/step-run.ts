/**
 * Running one step alone, with given variables: the idea of AWS Step Functions' TestState API
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html), for a
 * Workflows step. The executor runs the step (an execution whose `entry` names it); this module
 * finds the step, watches the execution through tracer events and says what happened: the
 * variables after the step, where it went next, the error it raised if nothing caught it, and for
 * a step with `retry` / `except` which policy or handler acted and how many attempts ran.
 */
import type { ExecutionOutcome } from './api.js';
import type {
  ExceptTakenEvent,
  ExecutionEndedEvent,
  ExecutionTracer,
  RetryAttemptEvent,
  TracedStep,
} from './tracer.js';
import type { Routine, Step, StepAction } from '../source/types.js';
import { stringifyJson } from '../values/json.js';
import type { Value } from '../values/types.js';

/** Where a step is: the step, the list it is in, and the step whose block holds that list. */
interface StepPlace {
  step: Step;
  siblings: readonly Step[];
  index: number;
  /** The named step whose block holds the list; undefined for the routine's own steps. */
  parent: Step | undefined;
}

/** The step named `name` among `steps` or in their blocks (at any depth), in source order. */
export function findStep(steps: readonly Step[], name: string): Step | undefined {
  return findPlace(steps, name, undefined)?.step;
}

function findPlace(steps: readonly Step[], name: string, parent: Step | undefined): StepPlace | undefined {
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]!;
    if (step.name === name) return { step, siblings: steps, index, parent };
    for (const inner of blocks(step.action)) {
      const found = findPlace(inner, name, step);
      if (found) return found;
    }
  }
  return undefined;
}

/** The step lists a step's action holds. */
function blocks(a: StepAction): (readonly Step[])[] {
  switch (a.kind) {
    case 'steps':
      return [a.steps];
    case 'for':
      return [a.for.steps];
    case 'parallel':
      return [
        ...(a.parallel.branches ?? []).map((b) => b.steps),
        ...(a.parallel.for ? [a.parallel.for.steps] : []),
      ];
    case 'try':
      return [...blocks(a.try.action), ...(a.except ? [a.except.steps] : [])];
    case 'switch':
      return a.conditions.flatMap((c) => (c.body ? blocks(c.body.action) : []));
    default:
      return [];
  }
}

/**
 * Where the step went: another step (by `next`, or the step after it), `end` (the routine ends),
 * `return` (with the value), `break` / `continue` (of the enclosing loop), or `endOfBlock` (it was
 * the last step of a block: the block's own step goes on).
 */
export type StepRunNext =
  | { kind: 'step'; step: string }
  | { kind: 'end' }
  | { kind: 'return'; value: unknown }
  | { kind: 'break' }
  | { kind: 'continue' }
  | { kind: 'endOfBlock'; block: string };

/** The attempts of a step with `retry`: one decision per error the body raised. */
export interface StepRunRetry {
  /** The policy as written (`${http.default_retry}`, or the predicate of a policy map). */
  policy: string;
  /** How many times the body ran. */
  attempts: number;
  decisions: {
    /** 1-based number of the retry decided on. */
    attempt: number;
    decision: RetryAttemptEvent['decision'];
    delaySeconds: number;
    /** The error value the body raised (JSON). */
    error: unknown;
  }[];
}

export interface StepRunResult {
  /**
   * `SUCCEEDED`: the step ended without error; `CAUGHT_ERROR`: its `except` handled an error
   * (TestState's name); `FAILED`: it raised an error nothing caught; `CANCELLED`.
   */
  status: 'SUCCEEDED' | 'CAUGHT_ERROR' | 'FAILED' | 'CANCELLED';
  /** The variables in scope when the step ended (JSON): after it, or where it failed. */
  variables: Record<string, unknown>;
  /** Where it went; absent when it failed. */
  next?: StepRunNext;
  /** The uncaught error: its value (JSON), message and tags. */
  error?: { payload: unknown; message: string; tags: string[]; context: string };
  /** For a step with `retry`: the policy and the attempts. */
  retry?: StepRunRetry;
  /** For a step whose `except` ran: the error it caught, and the variable it went to. */
  except?: { error: unknown; as?: string };
}

/** Watches the one step of a step run (the events of the steps it holds or calls are left aside). */
export class StepRunObserver implements ExecutionTracer {
  private top: TracedStep | undefined;
  private variables: Map<string, Value> | undefined;
  private readonly retries: RetryAttemptEvent[] = [];
  private excepted: ExceptTakenEvent | undefined;
  private outcome: ExecutionOutcome | undefined;

  constructor(
    private readonly routine: Routine,
    private readonly stepName: string,
    private readonly given: ReadonlyMap<string, Value>,
  ) {}

  stepEnded(step: TracedStep): void {
    if (step.parentStepId !== null || this.top) return;
    this.top = step;
    this.variables = step.variables();
  }

  retryAttempt(e: RetryAttemptEvent): void {
    if (e.step.parentStepId === null) this.retries.push(e);
  }

  exceptTaken(e: ExceptTakenEvent): void {
    if (e.step.parentStepId === null) this.excepted = e;
  }

  executionEnded(e: ExecutionEndedEvent): void {
    this.outcome = e.outcome;
  }

  /** The result, once the execution has ended. */
  result(): StepRunResult {
    const outcome = this.outcome;
    const place = findPlace(this.routine.steps, this.stepName, undefined);
    const variables = toJson(this.variables ?? this.given) as Record<string, unknown>;
    const out: StepRunResult = { status: 'SUCCEEDED', variables };
    if (outcome?.state === 'CANCELLED') out.status = 'CANCELLED';
    else if (outcome?.state === 'FAILED') {
      out.status = 'FAILED';
      const payload = parsed(outcome.error.payload);
      const map = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
      out.error = {
        payload,
        message:
          typeof map['message'] === 'string'
            ? map['message']
            : typeof payload === 'string'
              ? payload
              : (outcome.error.context.split('\n', 1)[0] ?? ''),
        tags: Array.isArray(map['tags']) ? map['tags'].filter((t): t is string => typeof t === 'string') : [],
        context: outcome.error.context,
      };
    } else if (outcome?.state === 'SUCCEEDED' && this.top) {
      out.next = nextOf(this.top, place, parsed(outcome.result));
      if (this.excepted) out.status = 'CAUGHT_ERROR';
    }
    const action = place?.step.action;
    if (action?.kind === 'try' && action.retry) {
      const r = action.retry;
      out.retry = {
        policy: r.policy ? `\${${r.policy.text}}` : r.predicate ? `\${${r.predicate.text}}` : '',
        attempts: this.retries.filter((e) => e.decision === 'retry').length + (this.top ? 1 : 0),
        decisions: this.retries.map((e) => ({
          attempt: e.attempt,
          decision: e.decision,
          delaySeconds: e.delaySeconds,
          error: toJson(e.error.value),
        })),
      };
    }
    if (this.excepted) {
      const as = action?.kind === 'try' ? action.except?.as : undefined;
      out.except = { error: toJson(this.excepted.error.value), ...(as !== undefined && { as }) };
    }
    return out;
  }
}

function nextOf(top: TracedStep, place: StepPlace | undefined, returned: unknown): StepRunNext {
  if (top.returned) return { kind: 'return', value: returned };
  const next = top.next;
  if (next === 'end') return { kind: 'end' };
  if (next === 'break' || next === 'continue') return { kind: next };
  if (next !== undefined) return { kind: 'step', step: next };
  if (!place) return { kind: 'end' };
  const following = place.siblings[place.index + 1];
  if (following) return { kind: 'step', step: following.name };
  return place.parent ? { kind: 'endOfBlock', block: place.parent.name } : { kind: 'end' };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A workflow value (or a map of them) as JSON; bytes and other unencodable values as a description. */
function toJson(v: Value | ReadonlyMap<string, Value>): unknown {
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, item] of v) out[k] = toJson(item);
    return out;
  }
  try {
    return JSON.parse(stringifyJson(v as Value)) as unknown;
  } catch {
    return `<${typeof v}>`;
  }
}
