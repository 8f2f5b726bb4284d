/**
 * Logs over real HTTP from a listening emulator: executions created with Google's own
 * `@google-cloud/workflows` client (call log levels on the workflow and on the execution), the
 * entries read back from `GET /emulator/v1/logs` (filters, paging) and from the live event
 * stream. Data-driven: each case is a workflow, the two levels, and the entries expected.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

import { get as httpGet } from 'node:http';
import { ExecutionsClient, WorkflowsClient } from '@google-cloud/workflows';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator.js';
import { LOG_ENTRY_MAX_BYTES } from '../../src/runtime/logging.js';
import { FAIL, SLEEP, type Json } from './helpers.js';
import { officialClientOptions } from './official-client-options.js';

const PROJECT = 'logs-proj';
const LOCATION = 'europe-west1';

/** Every kind of call a workflow makes: call steps (logged) and a call in an expression (not). */
const CALLS = `main:
  steps:
    - fetch:
        call: http.get
        args:
          url: https://stock.example.com/items/7
          headers:
            Authorization: Bearer secret-token
            X-Trace: abc
        result: resp
    - note:
        call: sys.log
        args:
          text: \${"left " + string(resp.body.left)}
          severity: NOTICE
    - computed:
        assign:
          - n: \${len(text.split("a,b", ","))}
    - guarded:
        try:
          call: failing
        except:
          as: e
          steps:
            - handled:
                return: \${n}
failing:
  steps:
    - bad:
        call: http.get
        args:
          url: https://stock.example.com/missing
          headers:
            authorization: Bearer other-secret
`;

/** `sys.log`'s payload rule and severities. */
const SYSLOG = `main:
  steps:
    - textString:
        call: sys.log
        args:
          text: plain text
    - textMap:
        call: sys.log
        args:
          text: {k: 1}
          severity: info
    - dataString:
        call: sys.log
        args:
          data: a string
          severity: WARNING
    - dataMap:
        call: sys.log
        args:
          data: {nested: {x: [1, 2]}}
          severity: ERROR
    - dataList:
        call: sys.log
        args:
          data: [1, "two"]
    - dataInt:
        call: sys.log
        args:
          data: 42
          severity: DEBUG
    - jsonMap:
        call: sys.log
        args:
          json: {m: true}
          severity: CRITICAL
    - positional:
        call: sys.log
        args: [null, "ALERT", "by position"]
    - done:
        return: ok
`;

/** Arguments and a response far past Cloud Logging's entry size. */
const BIG = `main:
  steps:
    - build:
        assign:
          - s: "x"
    - grow:
        for:
          value: i
          range: [1, 17]
          steps:
            - double:
                assign:
                  - s: \${s + s}
    - callPair:
        call: pair
        args:
          a: \${s}
          b: \${s}
        result: r
    - done:
        return: \${len(r)}
pair:
  params: [a, b]
  steps:
    - joined:
        return: [\${a}, \${b}]
`;

type Level = 'LOG_ALL_CALLS' | 'LOG_ERRORS_ONLY' | 'LOG_NONE' | undefined;

/** An entry reduced to what the cases compare: log, severity, and what happened. */
function brief(e: Json): string {
  const logId = decodeURIComponent((e.logName as string).split('/logs/')[1]!);
  const p = e.jsonPayload as Json | undefined;
  if (logId === 'workflows.googleapis.com/engine_call')
    return `call ${e.severity} ${p!.state} ${p!.step} ${p!.callee}`;
  if (logId === 'workflows.googleapis.com/executions_system') return `system ${e.severity} ${p!.state}`;
  return `log ${e.severity} ${e.textPayload ?? JSON.stringify(p)}`;
}

const ALL_CALLS = [
  'system INFO ACTIVE',
  'call DEBUG BEGUN fetch http.get',
  'call DEBUG SUCCEEDED fetch http.get',
  'call DEBUG BEGUN note sys.log',
  'log NOTICE left 3',
  'call DEBUG SUCCEEDED note sys.log',
  'call DEBUG BEGUN guarded failing',
  'call DEBUG BEGUN bad http.get',
  'call DEBUG EXCEPTION_RAISED bad http.get',
  'call DEBUG EXCEPTION_RAISED guarded failing',
  'call DEBUG EXCEPTION_HANDLED guarded failing',
  'system INFO SUCCEEDED',
];
const ERRORS_ONLY = [
  'system INFO ACTIVE',
  'log NOTICE left 3',
  'call DEBUG EXCEPTION_RAISED bad http.get',
  'call DEBUG EXCEPTION_RAISED guarded failing',
  'call DEBUG EXCEPTION_HANDLED guarded failing',
  'system INFO SUCCEEDED',
];
const NO_CALLS = ['system INFO ACTIVE', 'log NOTICE left 3', 'system INFO SUCCEEDED'];

/** Call log levels (workflow, execution) and what the execution logs: the execution's level wins unless unspecified. */
const LEVEL_CASES: { workflow: Level; execution: Level; expected: string[] }[] = [
  { workflow: undefined, execution: undefined, expected: NO_CALLS },
  { workflow: 'LOG_ALL_CALLS', execution: undefined, expected: ALL_CALLS },
  { workflow: 'LOG_ERRORS_ONLY', execution: undefined, expected: ERRORS_ONLY },
  { workflow: 'LOG_NONE', execution: undefined, expected: NO_CALLS },
  { workflow: undefined, execution: 'LOG_ALL_CALLS', expected: ALL_CALLS },
  { workflow: 'LOG_ALL_CALLS', execution: 'LOG_NONE', expected: NO_CALLS },
  { workflow: 'LOG_NONE', execution: 'LOG_ERRORS_ONLY', expected: ERRORS_ONLY },
  { workflow: 'LOG_ERRORS_ONLY', execution: 'LOG_ALL_CALLS', expected: ALL_CALLS },
];

let emulator: RunningEmulator;
let workflows: WorkflowsClient;
let executions: ExecutionsClient;
const workflowPath = (id: string) => `projects/${PROJECT}/locations/${LOCATION}/workflows/${id}`;

async function deploy(id: string, source: string, callLogLevel?: Level): Promise<void> {
  const [op] = await workflows.createWorkflow({
    parent: `projects/${PROJECT}/locations/${LOCATION}`,
    workflowId: id,
    workflow: { sourceContents: source, ...(callLogLevel && { callLogLevel }) },
  });
  await op.promise();
}

/** Runs an execution to its end; returns its name. */
async function run(id: string, callLogLevel?: Level, argument?: unknown): Promise<string> {
  const [created] = await executions.createExecution({
    parent: workflowPath(id),
    execution: {
      ...(callLogLevel && { callLogLevel }),
      ...(argument !== undefined && { argument: JSON.stringify(argument) }),
    },
  });
  const name = created.name!;
  const rec = emulator.services.executions.getRecord(
    { alias: PROJECT, project: PROJECT },
    LOCATION,
    id,
    name.split('/').pop()!,
  );
  await emulator.services.executions.whenSettled(rec);
  return name;
}

async function getLogs(query: Record<string, string>): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${emulator.url}/emulator/v1/logs?${new URLSearchParams(query).toString()}`);
  return { status: res.status, body: (await res.json()) as Json };
}

async function logsOf(name: string): Promise<Json[]> {
  const { status, body } = await getLogs({ execution: name, pageSize: '1000' });
  expect(status).toBe(200);
  expect(body.nextPageToken).toBeUndefined();
  return body.entries as Json[];
}

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, projectId: PROJECT });
  const opts = officialClientOptions(emulator.port);
  workflows = new WorkflowsClient(opts);
  executions = new ExecutionsClient(opts);
  emulator.deps.stubs.addAll([
    { id: 'stock', method: 'GET', url: 'https://stock.example.com/items/*', body: { sku: 7, left: 3 } },
    { id: 'missing', method: 'GET', url: 'https://stock.example.com/missing', status: 404, body: 'no' },
  ]);
  await deploy('syslog', SYSLOG);
  await deploy('big', BIG, 'LOG_ALL_CALLS');
  await deploy('fail', FAIL);
  await deploy('sleep', SLEEP);
});

afterAll(async () => {
  await workflows?.close();
  await executions?.close();
  await emulator?.stop();
});

describe('call logging levels and precedence', () => {
  it.each(LEVEL_CASES.map((c, i) => ({ ...c, i })))(
    'workflow $workflow, execution $execution',
    async ({ workflow, execution, expected, i }) => {
      await deploy(`calls-${i}`, CALLS, workflow);
      const name = await run(`calls-${i}`, execution);
      expect((await logsOf(name)).map(brief)).toEqual(expected);
    },
  );
});

describe('LogEntry shapes', () => {
  let name: string;
  let entries: Json[];
  beforeAll(async () => {
    await deploy('shapes', CALLS, 'LOG_ALL_CALLS');
    name = await run('shapes');
    entries = await logsOf(name);
  });

  it('every entry has the log name, resource, labels, severity, time and a unique insertId', async () => {
    const [wf] = await workflows.getWorkflow({ name: workflowPath('shapes') });
    const executionId = name.split('/').pop()!;
    const ids = new Set<string>();
    for (const e of entries) {
      expect(e.logName).toMatch(
        /^projects\/logs-proj\/logs\/(Workflows|workflows\.googleapis\.com%2F(engine_call|executions_system))$/,
      );
      expect(e.resource).toEqual({
        type: 'workflows.googleapis.com/Workflow',
        labels: { project_id: PROJECT, location: LOCATION, workflow_id: 'shapes' },
      });
      expect(e.labels).toEqual({
        'workflows.googleapis.com/execution_id': executionId,
        'workflows.googleapis.com/revision_id': wf.revisionId,
      });
      expect(new Date(e.timestamp as string).toISOString()).toBe(e.timestamp);
      expect(ids.has(e.insertId as string)).toBe(false);
      ids.add(e.insertId as string);
      expect('textPayload' in e !== 'jsonPayload' in e).toBe(true);
    }
  });

  it('BEGUN has the named arguments with every Authorization header redacted', () => {
    const begun = entries.filter((e) => e.jsonPayload?.state === 'BEGUN');
    expect(begun[0]!.jsonPayload).toEqual({
      '@type': 'type.googleapis.com/google.cloud.workflows.type.EngineCallLog',
      executionId: name.split('/').pop(),
      activityTime: begun[0]!.timestamp,
      state: 'BEGUN',
      step: 'fetch',
      callee: 'http.get',
      begun: {
        namedArgs: {
          url: 'https://stock.example.com/items/7',
          headers: { Authorization: '<redacted>', 'X-Trace': 'abc' },
        },
      },
    });
    const bad = begun.find((e) => e.jsonPayload.step === 'bad')!;
    expect(bad.jsonPayload.begun.namedArgs.headers).toEqual({ authorization: '<redacted>' });
    expect(JSON.stringify(entries)).not.toContain('secret');
  });

  it('SUCCEEDED has the call start time and the response as JSON text', () => {
    const [begun, succeeded] = entries.filter((e) => e.jsonPayload?.step === 'fetch');
    expect(succeeded!.jsonPayload.succeeded.callStartTime).toBe(begun!.jsonPayload.activityTime);
    const response = JSON.parse(succeeded!.jsonPayload.succeeded.response as string) as Json;
    expect(response.body).toEqual({ sku: 7, left: 3 });
    expect(response.code).toBe(200);
  });

  it('an exception is raised at each call step it leaves, with its origin, and handled once at the except', () => {
    const errors = entries.filter((e) => /^EXCEPTION/.test(e.jsonPayload?.state ?? ''));
    expect(
      errors.map((e) => [
        e.jsonPayload.state,
        e.jsonPayload.step,
        e.jsonPayload.exceptionRaised?.origin ?? e.jsonPayload.exceptionHandled?.origin,
      ]),
    ).toEqual([
      ['EXCEPTION_RAISED', 'bad', 'bad'],
      ['EXCEPTION_RAISED', 'guarded', 'bad'],
      ['EXCEPTION_HANDLED', 'guarded', 'bad'],
    ]);
    const raised = errors[0]!.jsonPayload.exceptionRaised as Json;
    expect(JSON.parse(raised.exception as string)).toMatchObject({ code: 404, tags: ['HttpError'] });
    const handled = errors[2]!.jsonPayload.exceptionHandled as Json;
    expect(handled.exception).toBe(raised.exception);
    const beganGuarded = entries.find(
      (e) => e.jsonPayload?.state === 'BEGUN' && e.jsonPayload.step === 'guarded',
    )!;
    expect(handled.callStartTime).toBe(beganGuarded.jsonPayload.activityTime);
  });

  it('the execution logs start with the argument and end with the result', () => {
    const system = entries.filter((e) => (e.logName as string).endsWith('executions_system'));
    expect(system.map((e) => e.jsonPayload)).toEqual([
      {
        '@type': 'type.googleapis.com/google.cloud.workflows.type.ExecutionsSystemLog',
        message: 'Execution started.',
        activityTime: system[0]!.timestamp,
        state: 'ACTIVE',
        start: { argument: 'null' },
      },
      {
        '@type': 'type.googleapis.com/google.cloud.workflows.type.ExecutionsSystemLog',
        message: 'Execution succeeded.',
        activityTime: system[1]!.timestamp,
        state: 'SUCCEEDED',
        success: { result: '2' },
      },
    ]);
  });

  it('a failed execution ends with an ERROR entry naming the exception and the step it came from', async () => {
    const failed = await logsOf(await run('fail', undefined, { any: 1 }));
    expect(failed.map(brief)).toEqual(['system INFO ACTIVE', 'system ERROR FAILED']);
    expect(failed[0]!.jsonPayload.start).toEqual({ argument: '{"any":1}' });
    expect(failed[1]!.jsonPayload).toMatchObject({
      message: 'Execution failed: boom',
      state: 'FAILED',
      failure: { exception: 'boom', source: 'main.explode' },
    });
  });

  it('a cancelled execution ends with a CANCELLED entry', async () => {
    const [created] = await executions.createExecution({ parent: workflowPath('sleep'), execution: {} });
    await executions.cancelExecution({ name: created.name! });
    const rec = emulator.services.executions.getRecord(
      { alias: PROJECT, project: PROJECT },
      LOCATION,
      'sleep',
      created.name!.split('/').pop()!,
    );
    await emulator.services.executions.whenSettled(rec);
    expect((await logsOf(created.name!)).map(brief)).toEqual(['system INFO ACTIVE', 'system INFO CANCELLED']);
  });

  it('sys.log: maps to jsonPayload, other values to textPayload, with the given severity (DEFAULT when none)', async () => {
    const logs = (await logsOf(await run('syslog'))).filter((e) =>
      (e.logName as string).endsWith('/logs/Workflows'),
    );
    expect(logs.map((e) => [e.severity, e.textPayload ?? e.jsonPayload, e.sourceLocation.function])).toEqual([
      ['DEFAULT', 'plain text', 'main.textString'],
      ['INFO', '{"k":1}', 'main.textMap'],
      ['WARNING', 'a string', 'main.dataString'],
      ['ERROR', { nested: { x: [1, 2] } }, 'main.dataMap'],
      ['DEFAULT', '[1,"two"]', 'main.dataList'],
      ['DEBUG', '42', 'main.dataInt'],
      ['CRITICAL', { m: true }, 'main.jsonMap'],
      ['ALERT', 'by position', 'main.positional'],
    ]);
    expect(logs.every((e) => e.logName === `projects/${PROJECT}/logs/Workflows`)).toBe(true);
  });

  it('cuts arguments and responses so that an entry stays within 256 KB', async () => {
    const entries = await logsOf(await run('big'));
    const calls = entries.filter((e) => e.jsonPayload?.callee === 'pair');
    expect(calls.map((e) => e.jsonPayload.state)).toEqual(['BEGUN', 'SUCCEEDED']);
    for (const e of calls)
      expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(LOG_ENTRY_MAX_BYTES);
    const args = calls[0]!.jsonPayload.begun.namedArgs as Record<string, string>;
    // Two arguments of 128 Ki characters: the first was cut, and ends with an ellipsis.
    expect(args.a).toMatch(/^x+…$/);
    expect(args.a!.length).toBeLessThan(131_072);
    expect(args.b).toBe('x'.repeat(131_072));
    const response = calls[1]!.jsonPayload.succeeded.response as string;
    expect(response).toMatch(/^\["x+","x+…$/);
    // The end of the execution still reports the result.
    expect(entries.at(-1)!.jsonPayload.success).toEqual({ result: '2' });
  });
});

describe('GET /emulator/v1/logs', () => {
  let a: string;
  let b: string;
  beforeAll(async () => {
    await deploy('filters', CALLS, 'LOG_ALL_CALLS');
    a = await run('filters');
    b = await run('filters', 'LOG_NONE');
  });

  const ids = (body: Json) => (body.entries as Json[]).map((e) => e.insertId as string);

  it('filters by execution name or ID, by workflow name or ID, and combines filters', async () => {
    const byName = await getLogs({ execution: a });
    const byId = await getLogs({ execution: a.split('/').pop()! });
    expect(byName.body.entries).toHaveLength(ALL_CALLS.length);
    expect(ids(byId.body)).toEqual(ids(byName.body));
    const wf = await getLogs({ workflow: 'filters' });
    const wfName = await getLogs({ workflow: workflowPath('filters') });
    expect(ids(wf.body)).toEqual([...ids(byName.body), ...ids((await getLogs({ execution: b })).body)]);
    expect(ids(wfName.body)).toEqual(ids(wf.body));
    expect((await getLogs({ workflow: 'no-such-workflow' })).body.entries).toEqual([]);
  });

  it('filters by lowest severity and by log name or ID', async () => {
    const notice = await getLogs({ workflow: 'filters', severity: 'notice' });
    expect((notice.body.entries as Json[]).map(brief)).toEqual(['log NOTICE left 3', 'log NOTICE left 3']);
    const debug = await getLogs({ execution: a, severity: 'DEBUG' });
    expect(debug.body.entries).toHaveLength(ALL_CALLS.length);
    const info = await getLogs({ execution: a, severity: 'INFO' });
    expect((info.body.entries as Json[]).map(brief)).toEqual([
      'system INFO ACTIVE',
      'log NOTICE left 3',
      'system INFO SUCCEEDED',
    ]);

    const calls = await getLogs({ execution: a, logName: 'workflows.googleapis.com/engine_call' });
    expect((calls.body.entries as Json[]).map(brief)).toEqual(ALL_CALLS.filter((s) => s.startsWith('call')));
    const encoded = await getLogs({
      execution: a,
      logName: `projects/${PROJECT}/logs/workflows.googleapis.com%2Fexecutions_system`,
    });
    expect((encoded.body.entries as Json[]).map(brief)).toEqual([
      'system INFO ACTIVE',
      'system INFO SUCCEEDED',
    ]);
    const two = await getLogs({
      execution: a,
      logName: 'Workflows,workflows.googleapis.com%2Fexecutions_system',
    });
    expect((two.body.entries as Json[]).map(brief)).toEqual(NO_CALLS);
    const otherProject = await getLogs({ execution: a, logName: 'projects/elsewhere/logs/Workflows' });
    expect(otherProject.status).toBe(400);
  });

  it('pages with pageSize and pageToken through the same entries', async () => {
    const all = ids((await getLogs({ workflow: 'filters' })).body);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await getLogs({ workflow: 'filters', pageSize: '4', ...(token && { pageToken: token }) });
      expect(page.status).toBe(200);
      expect((page.body.entries as Json[]).length).toBeLessThanOrEqual(4);
      seen.push(...ids(page.body));
      token = page.body.nextPageToken as string | undefined;
      pages++;
    } while (token);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 4));
  });

  it('answers bad input with INVALID_ARGUMENT', async () => {
    const cases: Record<string, string>[] = [
      { severity: 'LOUD' },
      { execution: 'projects/p/executions/x' },
      { workflow: 'a/b' },
      { pageSize: 'ten' },
      { pageToken: 'garbage!' },
      // A token of another query.
      {
        workflow: 'other',
        pageToken: (await getLogs({ workflow: 'filters', pageSize: '1' })).body.nextPageToken as string,
      },
    ];
    for (const query of cases) {
      const { status, body } = await getLogs(query);
      expect([query, status, body.error?.status]).toEqual([query, 400, 'INVALID_ARGUMENT']);
    }
  });

  it('keeps the most recent entries (--retain-logs), reports evictions, and a page token survives them', async () => {
    const small = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      projectId: PROJECT,
      retention: { logs: 5 },
    });
    try {
      small.deploy('syslog', SYSLOG, { location: LOCATION });
      const ref = { alias: PROJECT, project: PROJECT };
      const first = small.services.executions.create(ref, LOCATION, 'syslog', {});
      await small.services.executions.whenSettled(first);
      const url = (q: string) => `${small.url}/emulator/v1/logs?${q}`;
      // 10 entries written, the last 5 kept.
      const kept = (await (await fetch(url(''))).json()) as Json;
      expect((kept.entries as Json[]).map(brief)).toEqual([
        'log DEFAULT [1,"two"]',
        'log DEBUG 42',
        'log CRITICAL {"m":true}',
        'log ALERT by position',
        'system INFO SUCCEEDED',
      ]);
      const info = (await (await fetch(`${small.url}/emulator/v1/info`)).json()) as Json;
      expect(info.retention.logs).toEqual({ limit: 5, retained: 5, evicted: 5 });
      // A token taken now still points at the same entry after more are written and old ones evicted.
      const p1 = (await (await fetch(url('pageSize=4'))).json()) as Json;
      const second = small.services.executions.create(ref, LOCATION, 'syslog', {});
      await small.services.executions.whenSettled(second);
      const p2 = (await (
        await fetch(url(`pageSize=4&pageToken=${p1.nextPageToken as string}`))
      ).json()) as Json;
      // The entry after the first page (the first run's end) was evicted by the second run: the
      // page goes on with the oldest entry still kept.
      expect((p2.entries as Json[]).map(brief)).toEqual([
        'log DEFAULT [1,"two"]',
        'log DEBUG 42',
        'log CRITICAL {"m":true}',
        'log ALERT by position',
      ]);
      expect((p2.entries as Json[])[0]!.labels['workflows.googleapis.com/execution_id']).toBe(
        second.executionId,
      );
      // Reset empties the logs.
      await fetch(`${small.url}/emulator/v1/reset`, { method: 'POST' });
      expect(((await (await fetch(url(''))).json()) as Json).entries).toEqual([]);
    } finally {
      await small.stop();
    }
  });
});

describe('the live stream of log entries', () => {
  it('delivers every entry of an execution as a `log` event, in order, equal to what GET returns', async () => {
    await deploy('live', CALLS, 'LOG_ALL_CALLS');
    const received: Json[] = [];
    let ended!: () => void;
    const done = new Promise<void>((r) => (ended = r));
    const req = await new Promise<ReturnType<typeof httpGet>>((resolve, reject) => {
      const r = httpGet(`${emulator.url}/emulator/v1/events?types=log`, (res) => {
        expect(res.statusCode).toBe(200);
        const parser = createParser({
          onEvent(e) {
            expect(e.event).toBe('log');
            const entry = JSON.parse(e.data) as Json;
            received.push(entry);
            if (
              entry.jsonPayload?.state === 'SUCCEEDED' &&
              (entry.logName as string).endsWith('executions_system')
            )
              ended();
          },
        });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => parser.feed(chunk));
        resolve(r);
      });
      r.on('error', reject);
    });
    try {
      const name = await run('live');
      await done;
      expect(received).toEqual(await logsOf(name));
      expect(received.map(brief)).toEqual(ALL_CALLS);
    } finally {
      req.destroy();
    }
  });
});
