/**
 * stepEntries.list / stepEntries.get / executions.deleteExecutionHistory over HTTP from a
 * listening emulator, as Google documents them (REST only: the official client has no step-entry
 * methods):
 * https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries
 * and the history levels of https://cloud.google.com/workflows/docs/debug-steps.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionsClient } from '@google-cloud/workflows';
import { startEmulator, type RunningEmulator } from '../../src/emulator.js';
import { officialClientOptions } from './official-client-options.js';

const PROJECT = 'steps-project';
const LOCATION = 'europe-west1';
const PARENT = `projects/${PROJECT}/locations/${LOCATION}`;

/** 1 loop entry + 749 iterations with one assign each + 1 return: 1,500 entries. */
const LOOP_1500 = `main:
  steps:
    - loop:
        for:
          value: i
          range: [1, 749]
          steps:
            - add:
                assign:
                  - last: \${i}
    - done:
        return: "done"
`;

const SMALL = `main:
  params: [args]
  steps:
    - init:
        assign:
          - x: \${args.n}
    - twice:
        call: double
        args:
          v: \${x}
        result: y
    - log:
        call: sys.log
        args:
          text: \${string(y)}
    - done:
        return: \${y}
double:
  params: [v]
  steps:
    - back:
        return: \${v * 2}
`;

const SLEEPY = `main:
  steps:
    - first:
        assign:
          - a: 1
    - nap:
        call: sys.sleep
        args:
          seconds: 3600
    - never:
        return: \${a}
`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let emulator: RunningEmulator;
let executions: ExecutionsClient;

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  executions = new ExecutionsClient(officialClientOptions(emulator.port));
  await createWorkflow('loop', LOOP_1500);
  await createWorkflow('small', SMALL);
  await createWorkflow('small-detailed', SMALL, 'EXECUTION_HISTORY_DETAILED');
  await createWorkflow('sleepy', SLEEPY);
});

afterAll(async () => {
  await executions?.close();
  await emulator?.stop();
});

async function http(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${emulator.url}/v1/${path}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

function expectError(res: { status: number; body: Json }, code: number, status: string, message?: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(code);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error).toMatchObject({ code, status });
  if (message) expect(res.body.error.message).toMatch(message);
}

async function createWorkflow(id: string, source: string, level?: string): Promise<void> {
  const res = await http('POST', `${PARENT}/workflows?workflowId=${id}`, {
    sourceContents: source,
    ...(level && { executionHistoryLevel: level }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Runs an execution to its end; returns its name. */
async function execute(workflow: string, body: Json = {}): Promise<string> {
  const res = await http('POST', `${PARENT}/workflows/${workflow}/executions`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const name = res.body.name as string;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [ex] = await executions.getExecution({ name });
    if (ex.state !== 'ACTIVE' && ex.state !== 'QUEUED') return name;
    if (Date.now() > deadline) throw new Error(`still ${String(ex.state)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const list = (execution: string, query: Record<string, string> = {}) =>
  http('GET', `${execution}/stepEntries?${new URLSearchParams(query).toString()}`);

const ids = (res: { body: Json }) => (res.body.stepEntries as Json[]).map((e) => Number(e.entryId));

describe('stepEntries.list on 1,500 entries', () => {
  let loop: string;
  beforeAll(async () => {
    loop = await execute('loop');
  });

  it('pages by 1,000 by default and at most, in entry order, with totalSize', async () => {
    const first = await list(loop);
    expect(first.status).toBe(200);
    expect(first.body.totalSize).toBe(1500);
    expect(ids(first)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(typeof first.body.nextPageToken).toBe('string');
    const second = await list(loop, { pageToken: first.body.nextPageToken });
    expect(ids(second)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1001));
    expect(second.body.nextPageToken).toBeUndefined();
    expect(second.body.totalSize).toBe(1500);
    for (const pageSize of ['5000', '0', '-3'])
      expect(ids(await list(loop, { pageSize }))).toHaveLength(1000);
    expectError(await list(loop, { pageSize: 'ten' }), 400, 'INVALID_ARGUMENT', /page_size/);
  });

  it('walks every entry once with a small page size', async () => {
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await list(loop, { pageSize: '400', ...(token && { pageToken: token }) });
      seen.push(...ids(res));
      token = res.body.nextPageToken as string | undefined;
      pages++;
    } while (token);
    expect(pages).toBe(4);
    expect(seen).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
  });

  it('skips entries from the start of the requested page', async () => {
    const first = await list(loop, { pageSize: '100', skip: '10' });
    expect(ids(first)[0]).toBe(11);
    expect(ids(first)).toHaveLength(100);
    // The token points after the page (entry 111); skip counts again from there.
    const next = await list(loop, { pageSize: '100', skip: '10', pageToken: first.body.nextPageToken });
    expect(ids(next)[0]).toBe(121);
    const noSkip = await list(loop, { pageSize: '100', pageToken: first.body.nextPageToken });
    expect(ids(noSkip)[0]).toBe(111);
    expectError(await list(loop, { skip: '-1' }), 400, 'INVALID_ARGUMENT', /skip/);
  });

  it('filters on the listed fields, state with or without its STATE_ prefix', async () => {
    const iterations = await list(loop, { filter: 'stepType="STEP_FOR_ITERATION"' });
    expect(iterations.body.totalSize).toBe(749);
    expect(iterations.body.stepEntries[0]).toMatchObject({
      entryId: '2',
      step: 'loop',
      stepEntryMetadata: { progressType: 'PROGRESS_TYPE_FOR', progressNumber: '1' },
    });
    const children = await list(loop, { filter: 'parent=1', pageSize: '1000' });
    expect(children.body.totalSize).toBe(749);
    expect((children.body.stepEntries as Json[]).every((e) => e.navigationInfo.parent === '1')).toBe(true);
    const bare = await list(loop, { filter: 'state="SUCCEEDED"' });
    const prefixed = await list(loop, { filter: 'state=STATE_SUCCEEDED' });
    expect(bare.body.totalSize).toBe(1500);
    expect(prefixed.body.totalSize).toBe(1500);
    expect((await list(loop, { filter: 'state="FAILED"' })).body).toEqual({ stepEntries: [], totalSize: 0 });
    const late = await list(loop, { filter: 'entryId>1490 AND stepType=STEP_ASSIGN' });
    expect(ids(late)).toEqual([1491, 1493, 1495, 1497, 1499]);
    const named = await list(loop, { filter: 'step="done" OR (routine="main" AND entryId<=2)' });
    expect(ids(named)).toEqual([1, 2, 1500]);
    expect((await list(loop, { filter: 'createTime>"2000-01-01T00:00:00Z"' })).body.totalSize).toBe(1500);
    // A filtered page's token carries the filter; the filter's pages go on from there.
    const page = await list(loop, { filter: 'stepType=STEP_ASSIGN', pageSize: '700' });
    const rest = await list(loop, {
      filter: 'stepType=STEP_ASSIGN',
      pageSize: '700',
      pageToken: page.body.nextPageToken,
    });
    expect([...ids(page), ...ids(rest)]).toHaveLength(749);
    expectError(
      await list(loop, { filter: 'stepType=STEP_FOR', pageToken: page.body.nextPageToken }),
      400,
      'INVALID_ARGUMENT',
      /page token/,
    );
    expectError(await list(loop, { filter: 'color="red"' }), 400, 'INVALID_ARGUMENT', /unsupported field/);
    expectError(await list(loop, { filter: 'state="SLEEPING"' }), 400, 'INVALID_ARGUMENT');
    expectError(await list(loop, { filter: 'entryId>' }), 400, 'INVALID_ARGUMENT');
  });

  it('pages a filtered, ordered list: its pages, skip included, add up to the list filtered and sorted here', async () => {
    const whole = [
      ...((await list(loop, { pageSize: '1000' })).body.stepEntries as Json[]),
      ...((await list(loop, { pageSize: '1000', skip: '1000' })).body.stepEntries as Json[]),
    ];
    expect(whole).toHaveLength(1500);
    const filter = 'stepType=STEP_ASSIGN OR entryId<=3 OR step="done"';
    const kept = whole.filter(
      (e) => e.stepType === 'STEP_ASSIGN' || Number(e.entryId) <= 3 || e.step === 'done',
    );
    const byId = (a: Json, b: Json) => Number(a.entryId) - Number(b.entryId);
    const expected: Record<string, Json[]> = {
      '': [...kept].sort(byId),
      'entryId desc': [...kept].sort((a, b) => byId(b, a)),
      'step desc, entryId desc': [...kept].sort((a, b) =>
        a.step === b.step ? byId(b, a) : a.step < b.step ? 1 : -1,
      ),
      'state, createTime': [...kept].sort(byId),
    };
    for (const [orderBy, want] of Object.entries(expected)) {
      // Twice: a finished execution's sorted order is kept between pages, and must read the same.
      for (let round = 0; round < 2; round++) {
        const got: number[] = [];
        let token: string | undefined;
        do {
          const page = await list(loop, {
            filter,
            ...(orderBy && { orderBy }),
            pageSize: '97',
            ...(token ? { pageToken: token } : { skip: '5' }),
          });
          expect(page.status, JSON.stringify(page.body)).toBe(200);
          expect(page.body.totalSize).toBe(kept.length);
          got.push(...ids(page));
          token = page.body.nextPageToken;
        } while (token);
        expect(got, orderBy).toEqual(want.slice(5).map((e) => Number(e.entryId)));
      }
    }
  });

  it('orders by the listed fields', async () => {
    const desc = await list(loop, { orderBy: 'entryId desc', pageSize: '3' });
    expect(ids(desc)).toEqual([1500, 1499, 1498]);
    const next = await list(loop, {
      orderBy: 'entryId desc',
      pageSize: '3',
      pageToken: desc.body.nextPageToken,
    });
    expect(ids(next)).toEqual([1497, 1496, 1495]);
    // Enums order by their number: STEP_ASSIGN < STEP_FOR < STEP_FOR_ITERATION < STEP_RETURN.
    const byType = await list(loop, { orderBy: 'stepType desc, entryId desc', pageSize: '2' });
    expect(ids(byType)).toEqual([1500, 1498]);
    const byStep = await list(loop, { orderBy: 'step, entryId', pageSize: '1000' });
    expect(byStep.body.stepEntries[0].step).toBe('add');
    expect(ids(byStep)[0]).toBe(3);
    expectError(await list(loop, { orderBy: 'color' }), 400, 'INVALID_ARGUMENT', /unsupported field/);
    expectError(await list(loop, { orderBy: 'entryId sideways' }), 400, 'INVALID_ARGUMENT');
  });
});

describe('levels, get, view and deleteExecutionHistory', () => {
  it('takes the execution level, else the workflow level, else basic', async () => {
    const variables = async (name: string) =>
      ((await list(name)).body.stepEntries as Json[]).map((e) => e.variableData?.variables);
    const basic = await execute('small', { argument: '{"n":2}' });
    expect(await variables(basic)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const inherited = await execute('small-detailed', { argument: '{"n":2}' });
    expect(await variables(inherited)).toEqual([
      { args: { n: 2 }, x: 2 },
      { args: { n: 2 }, x: 2, y: 4 },
      { v: 2 },
      { args: { n: 2 }, x: 2, y: 4 },
      { args: { n: 2 }, x: 2, y: 4 },
    ]);
    // The execution echoes only the level it was created with.
    expect((await http('GET', inherited)).body.executionHistoryLevel).toBeUndefined();
    const overridden = await execute('small-detailed', {
      argument: '{"n":2}',
      executionHistoryLevel: 'EXECUTION_HISTORY_BASIC',
    });
    expect((await variables(overridden)).every((v) => v === undefined)).toBe(true);
    expect((await http('GET', overridden)).body.executionHistoryLevel).toBe('EXECUTION_HISTORY_BASIC');
    const own = await execute('small', {
      argument: '{"n":3}',
      executionHistoryLevel: 'EXECUTION_HISTORY_DETAILED',
    });
    expect((await variables(own))[4]).toEqual({ args: { n: 3 }, x: 3, y: 6 });
    expectError(
      await http('POST', `${PARENT}/workflows/small/executions`, { executionHistoryLevel: 'VERBOSE' }),
      400,
      'INVALID_ARGUMENT',
      /execution_history_level/,
    );
  });

  it('gets one entry; view BASIC leaves out the variables; unknown entries are NOT_FOUND', async () => {
    const name = await execute('small-detailed', { argument: '{"n":1}' });
    const call = await http('GET', `${name}/stepEntries/2`);
    expect(call.status).toBe(200);
    expect(call.body).toEqual({
      name: `${name}/stepEntries/2`,
      createTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      routine: 'main',
      step: 'twice',
      stepType: 'STEP_CALL',
      state: 'STATE_SUCCEEDED',
      entryId: '2',
      navigationInfo: { children: ['3'], next: '4', previous: '1' },
      variableData: { variables: { args: { n: 1 }, x: 1, y: 2 } },
    });
    const callee = await http('GET', `${name}/stepEntries/3?view=EXECUTION_ENTRY_VIEW_BASIC`);
    expect(callee.body).toMatchObject({ routine: 'double', step: 'back', navigationInfo: { parent: '2' } });
    expect(callee.body.variableData).toBeUndefined();
    const basicList = await list(name, { view: 'EXECUTION_ENTRY_VIEW_BASIC' });
    expect((basicList.body.stepEntries as Json[]).some((e) => 'variableData' in e)).toBe(false);
    const detailedList = await list(name, { view: 'EXECUTION_ENTRY_VIEW_DETAILED' });
    expect((detailedList.body.stepEntries as Json[]).every((e) => 'variableData' in e)).toBe(true);
    expectError(await list(name, { view: 'EVERYTHING' }), 400, 'INVALID_ARGUMENT', /view/);
    expectError(await http('GET', `${name}/stepEntries/99`), 404, 'NOT_FOUND');
    expectError(await http('GET', `${name}/stepEntries/abc`), 400, 'INVALID_ARGUMENT');
    expectError(
      await http('GET', `${PARENT}/workflows/small/executions/${crypto.randomUUID()}/stepEntries`),
      404,
      'NOT_FOUND',
    );
  });

  it('shows a running execution where it waits, and deletes the history of a finished one', async () => {
    const res = await http('POST', `${PARENT}/workflows/sleepy/executions`, {});
    const name = res.body.name as string;
    const deadline = Date.now() + 10_000;
    let running = await list(name);
    while (running.body.totalSize < 2) {
      if (Date.now() > deadline) throw new Error('the sleep never started');
      await new Promise((r) => setTimeout(r, 5));
      running = await list(name);
    }
    expect(running.body.stepEntries[1]).toMatchObject({
      step: 'nap',
      state: 'STATE_IN_PROGRESS',
      stepType: 'STEP_CALL',
    });
    expect(running.body.stepEntries[1].createTime).toBe(running.body.stepEntries[1].updateTime);
    expectError(await http('POST', `${name}:deleteExecutionHistory`, {}), 400, 'FAILED_PRECONDITION');
    await executions.cancelExecution({ name });
    await expect.poll(async () => (await list(name)).body.stepEntries[1].state).toBe('STATE_CANCELLED');
    const deleted = await http('POST', `${name}:deleteExecutionHistory`, {});
    expect(deleted).toEqual({ status: 200, body: {} });
    expect((await list(name)).body).toEqual({ stepEntries: [], totalSize: 0 });
    expectError(await http('GET', `${name}/stepEntries/1`), 404, 'NOT_FOUND');
  });
});

describe('finer call step types', () => {
  it('shows STEP_STD_LIB_CALL and STEP_SUBWORKFLOW_CALL when asked to, and filters on them', async () => {
    const fine = await startEmulator({ host: '127.0.0.1', port: 0, fineCallStepTypes: true });
    try {
      fine.deploy('small', SMALL, { project: PROJECT, location: LOCATION });
      const created = await fetch(`${fine.url}/v1/${PARENT}/workflows/small/executions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ argument: '{"n":1}' }),
      });
      const name = ((await created.json()) as Json).name as string;
      const entries = async (filter = '') => {
        const r = await fetch(`${fine.url}/v1/${name}/stepEntries?filter=${encodeURIComponent(filter)}`);
        return (((await r.json()) as Json).stepEntries ?? []) as Json[];
      };
      await expect.poll(async () => (await entries()).length).toBe(5);
      expect((await entries()).map((e) => e.stepType)).toEqual([
        'STEP_ASSIGN',
        'STEP_SUBWORKFLOW_CALL',
        'STEP_RETURN',
        'STEP_STD_LIB_CALL',
        'STEP_RETURN',
      ]);
      expect((await entries('stepType=STEP_STD_LIB_CALL')).map((e) => e.step)).toEqual(['log']);
      expect(await entries('stepType=STEP_CALL')).toEqual([]);
    } finally {
      await fine.stop();
    }
  });
});
