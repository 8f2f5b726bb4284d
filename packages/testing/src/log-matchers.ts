/**
 * Matchers over log entries (`env.logs(execution)`), registered with the other workflow matchers:
 *
 * - `expect(env.logs(id)).toHaveLogged(expected)`: a `sys.log` line was written. `expected` is a
 *   substring or RegExp of its text (a `json`/map entry is matched on its JSON text), or
 *   `{ text?, json?, severity? }` (`json` compared with `equals`, asymmetric matchers allowed).
 * - `expect(env.logs(id)).toHaveMadeCall(callee, args?)`: a call step called `callee` (`http.get`,
 *   `sys.log`, a subworkflow...) with these arguments: named arguments as a map, positional ones
 *   as a list, compared with `equals` (so `expect.objectContaining` works). Call steps are logged
 *   when the execution's call log level is `LOG_ALL_CALLS` (`env.execute(id, args, { callLogLevel })`).
 */
import { LOG_IDS, type LogSeverity, type WorkflowLogEntry } from '@workflows-kit/emulator/seams';
import type { MatcherContext, MatcherResult, WorkflowMatcher } from './matchers.js';

export interface LogExpectation {
  /** A substring of the entry's text (its JSON text for a `json` entry), or a RegExp. */
  text?: string | RegExp;
  /** The `jsonPayload`, compared with `equals` (asymmetric matchers allowed). */
  json?: unknown;
  severity?: LogSeverity;
}

function isLogList(received: unknown): received is WorkflowLogEntry[] {
  return (
    Array.isArray(received) &&
    received.every(
      (e) => typeof e === 'object' && e !== null && typeof (e as { logName?: unknown }).logName === 'string',
    )
  );
}

function notLogs(ctx: MatcherContext, name: string, received: unknown): MatcherResult {
  return {
    pass: false,
    message: () =>
      `${name}: expected log entries (from env.logs()), got ${ctx.utils.printReceived(received)}`,
  };
}

const logIdOf = (e: WorkflowLogEntry) => decodeURIComponent(e.logName.slice(e.logName.indexOf('/logs/') + 6));

function entryText(e: WorkflowLogEntry): string {
  return e.textPayload ?? JSON.stringify(e.jsonPayload ?? null);
}

function textMatches(text: string, want: string | RegExp): boolean {
  return typeof want === 'string' ? text.includes(want) : want.test(text);
}

const toHaveLogged: WorkflowMatcher = function (this: MatcherContext, received: unknown, ...rest: unknown[]) {
  if (!isLogList(received)) return notLogs(this, 'toHaveLogged', received);
  const raw = rest[0];
  const want: LogExpectation = typeof raw === 'string' || raw instanceof RegExp ? { text: raw } : (raw ?? {});
  const lines = received.filter((e) => logIdOf(e) === LOG_IDS.sysLog);
  const pass = lines.some(
    (e) =>
      (want.severity === undefined || e.severity === want.severity) &&
      (want.text === undefined || textMatches(entryText(e), want.text)) &&
      (!('json' in want) || (e.jsonPayload !== undefined && this.equals(e.jsonPayload, want.json))),
  );
  const written =
    lines.length === 0
      ? 'no sys.log line was written'
      : `the sys.log lines were:\n${lines.map((e) => `  [${e.severity}] ${entryText(e)}`).join('\n')}`;
  return {
    pass,
    message: () =>
      pass
        ? `expected no sys.log line matching ${this.utils.printExpected(raw)}`
        : `expected a sys.log line matching ${this.utils.printExpected(raw)}, but ${written}`,
  };
};

/** A BEGUN entry's arguments: named ones as a map, positional ones as a list of values. */
function callArgs(e: WorkflowLogEntry): unknown {
  const begun = e.jsonPayload?.begun as { namedArgs?: unknown; args?: { argument: string }[] } | undefined;
  if (!begun) return undefined;
  if (begun.namedArgs !== undefined) return begun.namedArgs;
  if (begun.args !== undefined)
    return begun.args.map((a) => {
      try {
        return JSON.parse(a.argument) as unknown;
      } catch {
        return a.argument;
      }
    });
  return null;
}

const toHaveMadeCall: WorkflowMatcher = function (
  this: MatcherContext,
  received: unknown,
  ...rest: unknown[]
) {
  if (!isLogList(received)) return notLogs(this, 'toHaveMadeCall', received);
  const callee = rest[0];
  const checkArgs = rest.length > 1;
  const expected = rest[1];
  const calls = received.filter((e) => logIdOf(e) === LOG_IDS.engineCall && e.jsonPayload?.state === 'BEGUN');
  const same = calls.filter((e) => e.jsonPayload?.callee === callee);
  const pass = same.some((e) => !checkArgs || this.equals(callArgs(e), expected));
  const what = `a call of ${String(callee)}${checkArgs ? ` with ${this.utils.printExpected(expected)}` : ''}`;
  const seen =
    calls.length === 0
      ? 'no call step was logged (call steps are logged with callLogLevel LOG_ALL_CALLS)'
      : `the calls were:\n${calls
          .map(
            (e) =>
              `  ${String(e.jsonPayload?.step)}: ${String(e.jsonPayload?.callee)} ${JSON.stringify(callArgs(e))}`,
          )
          .join('\n')}`;
  return {
    pass,
    message: () => (pass ? `expected no ${what}` : `expected ${what}, but ${seen}`),
  };
};

export const logMatchers: Record<'toHaveLogged' | 'toHaveMadeCall', WorkflowMatcher> = {
  toHaveLogged,
  toHaveMadeCall,
};

export interface LogMatchers<R = unknown> {
  /** A `sys.log` line was written: a substring or RegExp of its text, or `{ text, json, severity }`. */
  toHaveLogged(expected: string | RegExp | LogExpectation): R;
  /** A call step called `callee` (with these arguments, when given); needs callLogLevel LOG_ALL_CALLS. */
  toHaveMadeCall(callee: string, args?: unknown): R;
}
