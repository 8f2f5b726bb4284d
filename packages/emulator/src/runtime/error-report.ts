/**
 * What a failed execution reports: `error.payload`, `error.context` and `error.stackTrace`
 * (https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions#Error),
 * and the stack frames a RaisedError collects as it unwinds.
 */
import { stringifyJson } from '../values/json.js';
import { isMap } from '../values/types.js';
import type { Pos } from '../source/types.js';
import type { ExecutionErrorReport } from './api.js';
import { errorMap, platformError, PREFIXED_TAGS, RaisedError } from '../values/raised-error.js';

/**
 * What fails an execution: a Workflows error as it is; anything else is an interpreter bug,
 * surfaced as a SystemError rather than crashing the server.
 */
export function asRaisedError(err: unknown): RaisedError {
  if (err instanceof RaisedError) return err;
  return platformError('SystemError', `internal error: ${err instanceof Error ? err.message : String(err)}`);
}

export function errorReport(err: RaisedError): ExecutionErrorReport {
  let payload: string;
  try {
    payload = stringifyJson(err.value, { sortKeys: true });
  } catch {
    payload = stringifyJson(errorMap(err.tags, err.message), { sortKeys: true });
  }
  const v = err.value;
  let first: string;
  if (typeof v === 'string') first = v;
  else if (isMap(v) && typeof v.get('message') === 'string') {
    const tag = err.tags[0];
    const message = v.get('message') as string;
    first = tag && PREFIXED_TAGS.has(tag) ? `${tag}: ${message}` : message;
  } else {
    try {
      first = stringifyJson(v, { sortKeys: true });
    } catch {
      first = err.message;
    }
  }
  const lines = [first];
  for (const f of err.frames) lines.push(`in step "${f.step}", routine "${f.routine}", line: ${f.line}`);
  return {
    payload,
    context: lines.join('\n'),
    stackTrace: {
      elements: err.frames.map((f) => ({
        step: f.step,
        routine: f.routine,
        position: { line: f.line, column: f.column, length: f.length },
      })),
    },
  };
}

/**
 * Adds the innermost frame of each routine call an error passes through: the first step that
 * sees the error at a given call depth records it, outer steps of the same routine do not.
 * `at` is the expression that failed (else the step's name is the position).
 */
export function addFrame(
  err: RaisedError,
  routine: string,
  depth: number,
  step: { name: string; pos: Pos },
  at: { pos: Pos; length: number } | null,
): void {
  const tagged = err as RaisedError & { frameDepth?: number };
  if (tagged.frameDepth !== undefined && tagged.frameDepth <= depth) return;
  tagged.frameDepth = depth;
  err.frames.push({
    routine,
    step: step.name,
    line: at?.pos.line ?? step.pos.line,
    column: at?.pos.column ?? step.pos.column,
    length: at?.length ?? step.name.length,
  });
}
