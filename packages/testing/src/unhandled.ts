/**
 * Calls no stub answers. With `onUnhandledRequest: 'error'` (the default) the call fails in
 * the workflow with ConnectionFailedError, and the test hears about it too: the next
 * `waitForExecution` / `run` of that execution, or else `teardown` (and the vitest helper's
 * `afterEach`), throws an UnhandledRequestError listing the calls and the registered stubs.
 * A workflow that catches the error cannot hide a missing stub.
 */
import type { CallOrigin, StubInfo } from '@workflows-kit/emulator/seams';
import type { ExecutionStatus } from '@workflows-kit/client';

/** A call that matched no stub. */
export interface UnhandledRequest {
  readonly kind: 'http' | 'connector';
  /** HTTP method; null for a connector call. */
  readonly method: string | null;
  readonly url: string | null;
  /** Connector call name; null for an HTTP call. */
  readonly connector: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Decoded body (HTTP) or args (connector). */
  readonly body: unknown;
  readonly origin: CallOrigin;
  /** The message the workflow's step failed with. */
  readonly message: string;
}

/** What a callback strategy can do: `print.error()` acts as `'error'`, `print.warning()` as `'warn'`. */
export interface UnhandledRequestPrint {
  warning(): void;
  error(): void;
}

export type UnhandledRequestCallback = (
  request: UnhandledRequest,
  print: UnhandledRequestPrint,
) => void | Promise<void>;

/**
 * - `'error'` (default): the call fails (ConnectionFailedError) and the test fails with the message.
 * - `'warn'`: the call fails and the message goes to `console.warn`; the test goes on.
 * - `'bypass'`: a loopback URL (127.0.0.1, localhost, ::1) is really called; anything else still fails.
 * - a callback: called with the request; `print.error()` / `print.warning()` pick one of the above,
 *   otherwise `'bypass'` applies. Throwing from it counts as `print.error()`.
 */
export type UnhandledRequestStrategy = 'error' | 'warn' | 'bypass' | UnhandledRequestCallback;

export class UnhandledRequestError extends Error {
  override readonly name = 'UnhandledRequestError';
  readonly code = 'UNHANDLED_REQUEST';
  /** The execution's status when the error came from waiting for it. */
  readonly status: ExecutionStatus | undefined;

  constructor(
    readonly requests: readonly UnhandledRequest[],
    status?: ExecutionStatus,
  ) {
    const n = requests.length;
    const head = status
      ? `Execution ${status.id} (ended ${status.state}) made ${n} call${n === 1 ? '' : 's'} that no stub answered`
      : `${n} call${n === 1 ? '' : 's'} matched no stub`;
    super(`${head}:\n\n${requests.map((r) => r.message).join('\n\n')}`);
    this.status = status;
  }
}

const EXCERPT_CHARS = 300;

function excerpt(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}… (${text.length} chars)` : text;
}

function describeStub(s: StubInfo): string {
  const what =
    typeof s.description === 'string'
      ? s.description
      : s.kind === 'connector'
        ? `connector ${String(s.connector)}`
        : `${s.method ?? 'ALL'} ${String(s.url)}`;
  const calls = `${s.calls} call${s.calls === 1 ? '' : 's'} answered`;
  const times =
    s.times === undefined ? '' : s.calls >= s.times ? `, used up (times: ${s.times})` : `, times: ${s.times}`;
  return `  - ${what} (${calls}${times})`;
}

/** The message of an unhandled call: the request, where it came from, and the stubs there are. */
export function unhandledMessage(
  request: Omit<UnhandledRequest, 'message'>,
  stubs: readonly StubInfo[],
): string {
  const o = request.origin;
  const lines: string[] = [];
  if (request.kind === 'http') {
    lines.push(`No stub matches ${request.method ?? ''} ${request.url ?? ''}`);
  } else {
    lines.push(`No stub matches connector call ${request.connector ?? ''}`);
  }
  lines.push(
    `  from step "${o.step}" (routine "${o.routine}") of workflow "${o.workflowId}", execution ${o.executionId}`,
  );
  if (request.kind === 'http' && request.body !== null && request.body !== undefined) {
    lines.push(`  body: ${excerpt(request.body)}`);
  } else if (request.kind === 'connector') {
    lines.push(`  args: ${excerpt(request.body)}`);
  }
  const relevant = stubs.filter((s) => s.kind === request.kind);
  if (relevant.length === 0) {
    lines.push(`Registered ${request.kind === 'http' ? 'HTTP' : 'connector'} stubs: none`);
  } else {
    lines.push(`Registered ${request.kind === 'http' ? 'HTTP' : 'connector'} stubs (newest first):`);
    for (const s of [...relevant].reverse()) lines.push(describeStub(s));
  }
  if (request.kind === 'http') {
    const m = (request.method ?? 'get').toLowerCase();
    const factory = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(m) ? m : 'all';
    lines.push(
      `Stub it: env.stubs.use(http.${factory}('${request.url ?? ''}', () => HttpResponse.json({ ... })))`,
    );
  } else {
    lines.push(`Stub it: env.stubs.use(connector('${request.connector ?? ''}', () => ({ ... })))`);
  }
  return lines.join('\n');
}
