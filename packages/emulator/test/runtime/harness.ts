/** Runs a workflow source through the loader and the executor with in-memory seams. */
import { loadWorkflow, formatProblems } from '../../src/source/index.js';
import { startExecution } from '../../src/runtime/executor.js';
import { CallbackHub } from '../../src/runtime/callbacks.js';
import type {
  ExecutionOutcome,
  RunningExecution,
  StartExecutionOptions,
  StepEntries,
} from '../../src/runtime/api.js';
import {
  TransportError,
  type Clock,
  type ConnectorHandler,
  type TransportRequest,
  type TransportResponse,
  type HttpTransport,
  type LogEntry,
} from '../../src/values/seams.js';
import { createConnectorHandler } from '../../src/stubs/connector-handler.js';
import { StubRegistry } from '../../src/stubs/registry.js';
import { jsonToValue } from '../../src/values/json.js';
import type { Value } from '../../src/values/types.js';

export interface FakeHttpRoute {
  method?: string;
  url: string;
  /** Successive responses; the last one repeats. */
  responses: (
    { status?: number; headers?: Record<string, string>; body?: unknown } | { fault: TransportError['kind'] }
  )[];
}

/** A clock whose sleeps complete at once while time moves forward. */
export class TestClock implements Clock {
  constructor(public ms = Date.UTC(2026, 0, 2, 3, 4, 5, 123)) {}
  readonly sleeps: number[] = [];
  now(): number {
    return this.ms;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason as Error;
    this.sleeps.push(ms);
    this.ms += ms;
    await Promise.resolve();
  }
}

export interface RunOptions {
  argument?: unknown;
  routes?: FakeHttpRoute[];
  /** Answers for named connectors; any other connector call goes to the emulator's own connector
   *  handler with no stubs registered, which fails it as the emulator does. */
  connectors?: Record<string, (args: Value) => Value>;
  clock?: Clock;
  limits?: Parameters<typeof startExecution>[0]['limits'];
  /** Observers, the source file and the observer-failure reporter, passed to the executor as is. */
  tracers?: StartExecutionOptions['tracers'];
  sourceFile?: string;
  onTracerError?: StartExecutionOptions['onTracerError'];
}

export interface RunResult {
  outcome: ExecutionOutcome;
  requests: TransportRequest[];
  logs: LogEntry[];
  history: StepEntries;
  clock: Clock;
  execution: RunningExecution;
}

export function fakeTransport(routes: FakeHttpRoute[], requests: TransportRequest[]): HttpTransport {
  const calls = new Map<FakeHttpRoute, number>();
  return {
    async send(req) {
      requests.push(req);
      const route = routes.find(
        (r) =>
          (r.method ?? req.method).toUpperCase() === req.method &&
          req.url.split('?')[0] === r.url.split('?')[0],
      );
      if (!route) throw new TransportError('ConnectionFailedError', `no route for ${req.method} ${req.url}`);
      const n = calls.get(route) ?? 0;
      calls.set(route, n + 1);
      const r = route.responses[Math.min(n, route.responses.length - 1)]!;
      if ('fault' in r) throw new TransportError(r.fault, `fault ${r.fault}`);
      const headers = { ...(r.headers ?? {}) };
      let body: Uint8Array;
      if (typeof r.body === 'string') body = new TextEncoder().encode(r.body);
      else if (r.body === undefined) body = new Uint8Array();
      else {
        headers['Content-Type'] ??= 'application/json';
        body = new TextEncoder().encode(JSON.stringify(r.body));
      }
      const res: TransportResponse = { status: r.status ?? 200, headers, body };
      return res;
    },
  };
}

export function prepare(source: string, options: RunOptions = {}) {
  const loaded = loadWorkflow(source);
  if (!loaded.ok) throw new Error(`workflow does not load:\n${formatProblems(loaded.problems)}`);
  const requests: TransportRequest[] = [];
  const logs: LogEntry[] = [];
  const clock = options.clock ?? new TestClock();
  const unstubbed = createConnectorHandler(new StubRegistry(), { clock });
  const connectors: ConnectorHandler = {
    async call(name, args, origin, signal) {
      const fn = options.connectors?.[name];
      if (!fn) return unstubbed.call(name, args, origin, signal);
      return fn(args);
    },
  };
  const callbacks = new CallbackHub(() => 'http://127.0.0.1:9999', clock);
  let n = 0;
  const execution = startExecution(
    {
      transport: fakeTransport(options.routes ?? [], requests),
      connectors,
      clock,
      ids: { uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` },
      logger: { log: (e) => logs.push(e) },
      callbacks,
      limits: options.limits,
    },
    {
      definition: loaded.definition,
      argument: options.argument === undefined ? null : jsonToValue(options.argument),
      identity: {
        projectId: 'my-project',
        projectNumber: '123456789012',
        location: 'us-central1',
        workflowId: 'wf',
        revisionId: '000001-abc',
        executionId: 'exec-1',
        serviceAccount: 'projects/my-project/serviceAccounts/sa@my-project.iam.gserviceaccount.com',
        userEnvVars: { MY_VAR: 'hello' },
      },
      ...(options.tracers ? { tracers: options.tracers } : {}),
      ...(options.sourceFile ? { sourceFile: options.sourceFile } : {}),
      ...(options.onTracerError ? { onTracerError: options.onTracerError } : {}),
    },
  );
  return { execution, requests, logs, clock, callbacks };
}

export async function run(source: string, options: RunOptions = {}): Promise<RunResult> {
  const p = prepare(source, options);
  const outcome = await p.execution.done;
  return {
    outcome,
    requests: p.requests,
    logs: p.logs,
    history: p.execution.history,
    clock: p.clock,
    execution: p.execution,
  };
}

/** The result as JSON (numbers lose the int/double distinction; use `outcome.result` for exact text). */
export function resultOf(r: RunResult): unknown {
  if (r.outcome.state !== 'SUCCEEDED') {
    throw new Error(`expected SUCCEEDED, got ${r.outcome.state}: ${JSON.stringify(r.outcome)}`);
  }
  return JSON.parse(r.outcome.result);
}

export function errorOf(r: RunResult): { payload: unknown; context: string; tags: string[] } {
  if (r.outcome.state !== 'FAILED')
    throw new Error(`expected FAILED, got ${r.outcome.state}: ${JSON.stringify(r.outcome)}`);
  const payload = JSON.parse(r.outcome.error.payload) as unknown;
  const tags =
    payload && typeof payload === 'object' && Array.isArray((payload as { tags?: unknown }).tags)
      ? (payload as { tags: string[] }).tags
      : [];
  return { payload, context: r.outcome.error.context, tags };
}
