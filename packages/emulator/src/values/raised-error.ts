import type { Value, WfMap } from './types.js';

/** The documented error tags (https://cloud.google.com/workflows/docs/reference/syntax/error-types#error-tags). */
export const ERROR_TAGS = [
  'AuthError',
  'ConnectionError',
  'ConnectionFailedError',
  'HttpError',
  'IndexError',
  'KeyError',
  'OperationError',
  'ParallelNestingError',
  'RecursionError',
  'ResourceLimitError',
  'ResponseTypeError',
  'SystemError',
  'TimeoutError',
  'TypeError',
  'UnhandledBranchError',
  'ValueError',
  'ZeroDivisionError',
  'MemoryLimitExceededError',
  'ResultSizeLimitExceededError',
] as const;
export type ErrorTag = (typeof ERROR_TAGS)[number];

/**
 * A Workflows error raised in an execution and travelling through the interpreter: by a
 * `raise` step, or by the platform (https://cloud.google.com/workflows/docs/reference/syntax/error-types).
 * `value` is exactly what an `except` block sees: an error map `{message, tags, ...}` for
 * platform errors, or whatever a `raise` step raised (a string, a map, any value). (Named apart
 * from the client package's `WorkflowError`, the base of the errors the client's calls throw.)
 *
 * `uncatchable` marks errors that fail the execution immediately (an internally raised
 * ResourceLimitError, cancellation): `try` blocks do not see them.
 */
export class RaisedError extends Error {
  override readonly name = 'RaisedError';
  /** Filled in by the executor as the error unwinds: innermost frame first. */
  readonly frames: StackFrame[] = [];

  constructor(
    readonly value: Value,
    readonly uncatchable = false,
  ) {
    super(describeErrorValue(value));
  }

  get tags(): string[] {
    const v = this.value;
    if (v instanceof Map) {
      const tags = v.get('tags');
      if (Array.isArray(tags)) return tags.filter((t): t is string => typeof t === 'string');
    }
    return [];
  }
}

export interface StackFrame {
  routine: string;
  step: string;
  line: number;
  column: number;
  length: number;
}

function describeErrorValue(v: Value): string {
  if (typeof v === 'string') return v;
  if (v instanceof Map) {
    const m = v.get('message');
    if (typeof m === 'string') return m;
  }
  return 'workflow error';
}

/** Builds the error map of a platform error: `message` and `tags`, then any extra fields. */
export function errorMap(tags: readonly string[], message: string, extra?: Iterable<[string, Value]>): WfMap {
  const m: WfMap = new Map<string, Value>([
    ['message', message],
    ['tags', [...tags]],
  ]);
  if (extra) for (const [k, v] of extra) m.set(k, v);
  return m;
}

export function platformError(
  tag: ErrorTag | ErrorTag[],
  message: string,
  extra?: Iterable<[string, Value]>,
) {
  return new RaisedError(errorMap(Array.isArray(tag) ? tag : [tag], message, extra));
}

export const typeError = (message: string) => platformError('TypeError', message);
export const valueError = (message: string) => platformError('ValueError', message);
export const keyError = (key: string) => platformError('KeyError', `key not found: ${key}`);
export const indexError = (message: string) => platformError('IndexError', message);
export const zeroDivisionError = (message: string) => platformError('ZeroDivisionError', message);
export const recursionError = (message: string) => platformError('RecursionError', message);
export const systemError = (message: string) => platformError('SystemError', message);
export const timeoutError = (message: string) => platformError('TimeoutError', message);
export const resourceLimitError = (message: string, extraTags: ErrorTag[] = []) =>
  new RaisedError(errorMap(['ResourceLimitError', ...extraTags], message), true);

/** Error kinds whose `error.context` first line is prefixed by the tag (seen for KeyError). */
export const PREFIXED_TAGS: ReadonlySet<string> = new Set(['KeyError', 'IndexError']);
