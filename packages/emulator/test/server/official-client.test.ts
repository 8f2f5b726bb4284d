/**
 * Google's own `@google-cloud/workflows` 4.4.0 client (REST fallback, pass-through auth)
 * against the listening emulator.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionsClient, WorkflowsClient } from '@google-cloud/workflows';
import { startEmulator, type RunningEmulator } from '../../src/emulator.js';
import { ADD, ECHO, INVALID, SLEEP } from './helpers.js';
import { officialClientOptions } from './official-client-options.js';

const PROJECT = 'client-project';
const LOCATION = 'europe-west1';

let emulator: RunningEmulator;
let workflows: WorkflowsClient;
let executions: ExecutionsClient;

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  const opts = officialClientOptions(emulator.port);
  workflows = new WorkflowsClient(opts);
  executions = new ExecutionsClient(opts);
});

afterAll(async () => {
  await workflows?.close();
  await executions?.close();
  await emulator?.stop();
});

const parent = () => workflows.locationPath(PROJECT, LOCATION);

/**
 * With the REST fallback and a pass-through auth client, a failed request rejects with the
 * transport's error, whose `code` is the HTTP status of Google's error envelope.
 */
function codeOf(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

async function waitForState(name: string, done = (s: unknown) => s !== 'ACTIVE' && s !== 'QUEUED') {
  const deadline = Date.now() + 5000;
  for (;;) {
    const [ex] = await executions.getExecution({ name });
    if (done(ex.state)) return ex;
    if (Date.now() > deadline) throw new Error(`still ${String(ex.state)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WorkflowsClient', () => {
  it('deploys through a long-running operation, then gets, lists, patches and deletes', async () => {
    const [op] = await workflows.createWorkflow({
      parent: parent(),
      workflowId: 'add',
      workflow: {
        sourceContents: ADD,
        description: 'adds',
        labels: { team: 'core' },
        callLogLevel: 'LOG_ERRORS_ONLY',
      },
    });
    const [created] = await op.promise();
    expect(created.name).toBe(workflows.workflowPath(PROJECT, LOCATION, 'add'));
    // The LRO result is decoded from an Any into a protobuf message, whose enums are numbers.
    expect(created.state).toBe(1); // ACTIVE
    expect(created.revisionId).toMatch(/^000001-[0-9a-f]{3}$/);
    expect(created.labels).toEqual({ team: 'core' });
    expect(created.callLogLevel).toBe(2); // LOG_ERRORS_ONLY
    expect(Number(created.createTime?.seconds)).toBeGreaterThan(1_600_000_000);

    const [got] = await workflows.getWorkflow({ name: created.name! });
    expect(got.sourceContents).toBe(ADD);
    expect(got.description).toBe('adds');
    expect(got.state).toBe('ACTIVE');
    expect(got.callLogLevel).toBe('LOG_ERRORS_ONLY');
    expect(got.revisionId).toBe(created.revisionId);

    await (
      await workflows.createWorkflow({
        parent: parent(),
        workflowId: 'echo',
        workflow: { sourceContents: ECHO },
      })
    )[0].promise();
    const [list] = await workflows.listWorkflows({ parent: parent() });
    expect(list.map((w) => w.name?.split('/').pop())).toEqual(['add', 'echo']);

    const [patchOp] = await workflows.updateWorkflow({
      workflow: { name: created.name!, sourceContents: `${ADD}# changed\n` },
      updateMask: { paths: ['source_contents'] },
    });
    const [patched] = await patchOp.promise();
    expect(patched.revisionId).toMatch(/^000002-/);
    expect(patched.description).toBe('adds');

    const [revisions] = await workflows.listWorkflowRevisions({ name: created.name! });
    expect(revisions.map((r) => r.revisionId?.slice(0, 6))).toEqual(['000002', '000001']);

    const [delOp] = await workflows.deleteWorkflow({
      name: workflows.workflowPath(PROJECT, LOCATION, 'echo'),
    });
    await delOp.promise();
    const [after] = await workflows.listWorkflows({ parent: parent() });
    expect(after.map((w) => w.name?.split('/').pop())).toEqual(['add']);
  });

  it('surfaces NOT_FOUND, ALREADY_EXISTS and INVALID_ARGUMENT as the client error codes', async () => {
    const missing = await workflows
      .getWorkflow({ name: workflows.workflowPath(PROJECT, LOCATION, 'nope') })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Error);
    expect(codeOf(missing)).toBe(404); // NOT_FOUND

    await (
      await workflows.createWorkflow({
        parent: parent(),
        workflowId: 'dup',
        workflow: { sourceContents: ECHO },
      })
    )[0].promise();
    const dup = await workflows
      .createWorkflow({ parent: parent(), workflowId: 'dup', workflow: { sourceContents: ECHO } })
      .then(([op]) => op.promise())
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(Error);
    expect(codeOf(dup)).toBe(409); // ALREADY_EXISTS

    const invalid = await workflows
      .createWorkflow({ parent: parent(), workflowId: 'broken', workflow: { sourceContents: INVALID } })
      .then(([op]) => op.promise())
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(Error);
    expect(codeOf(invalid)).toBe(400); // INVALID_ARGUMENT
    expect((invalid as Error).message).toMatch(/line \d+, column \d+/);
  });
});

describe('ExecutionsClient', () => {
  beforeAll(async () => {
    for (const [id, src] of [
      ['exec-echo', ECHO],
      ['exec-sleep', SLEEP],
    ] as const) {
      emulator.deploy(id, src, { project: PROJECT, location: LOCATION });
    }
  });

  it('creates an execution and reads its result', async () => {
    const [ex] = await executions.createExecution({
      parent: executions.workflowPath(PROJECT, LOCATION, 'exec-echo'),
      execution: { argument: JSON.stringify({ hello: 'world' }), labels: { kind: 'test' } },
    });
    expect(ex.state).toBe('ACTIVE');
    expect(ex.name).toMatch(/\/executions\/[0-9a-f-]{36}$/);
    expect(ex.labels).toEqual({ kind: 'test' });
    const done = await waitForState(ex.name!);
    expect(done.state).toBe('SUCCEEDED');
    expect(JSON.parse(done.result!)).toEqual({ hello: 'world' });
    expect(done.workflowRevisionId).toMatch(/^000001-/);
    expect(Number(done.endTime?.seconds)).toBeGreaterThan(0);
    expect(done.duration).toBeTruthy();
  });

  it('lists with paging and filters', async () => {
    const parentName = executions.workflowPath(PROJECT, LOCATION, 'exec-echo');
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const [ex] = await executions.createExecution({
        parent: parentName,
        execution: { argument: String(i), labels: { batch: 'paging' } },
      });
      created.push(ex.name!);
    }
    for (const n of created) await waitForState(n);

    // The client follows nextPageToken by itself.
    const [all] = await executions.listExecutions(
      { parent: parentName, pageSize: 2, filter: 'labels.batch="paging"' },
      { autoPaginate: true },
    );
    expect(all.map((e) => e.name)).toEqual([...created].reverse());

    const [onePage, nextRequest] = await executions.listExecutions(
      { parent: parentName, pageSize: 2, filter: 'labels.batch="paging"' },
      { autoPaginate: false },
    );
    expect(onePage).toHaveLength(2);
    expect(nextRequest?.pageToken).toBeTruthy();

    const seen: string[] = [];
    for await (const e of executions.listExecutionsAsync({
      parent: parentName,
      pageSize: 2,
      filter: 'state=SUCCEEDED labels.batch=paging',
    })) {
      seen.push(e.name!);
    }
    expect(seen).toEqual([...created].reverse());

    const [full] = await executions.listExecutions({
      parent: parentName,
      view: 'FULL',
      filter: `executionId="${created[0]!.split('/').pop()}"`,
    });
    expect(full).toHaveLength(1);
    expect(full[0]!.argument).toBe('0');
  });

  it('cancels a sleeping execution', async () => {
    const [ex] = await executions.createExecution({
      parent: executions.workflowPath(PROJECT, LOCATION, 'exec-sleep'),
      execution: {},
    });
    const [cancelled] = await executions.cancelExecution({ name: ex.name! });
    expect(cancelled.state).toBe('CANCELLED');
    const [got] = await executions.getExecution({ name: ex.name! });
    expect(got.state).toBe('CANCELLED');
  });

  it('maps errors to the client codes', async () => {
    const missing = await executions
      .getExecution({ name: executions.executionPath(PROJECT, LOCATION, 'exec-echo', crypto.randomUUID()) })
      .catch((e: unknown) => e);
    expect(codeOf(missing)).toBe(404); // NOT_FOUND
    const badArg = await executions
      .createExecution({
        parent: executions.workflowPath(PROJECT, LOCATION, 'exec-echo'),
        execution: { argument: '{nope' },
      })
      .catch((e: unknown) => e);
    expect(codeOf(badArg)).toBe(400); // INVALID_ARGUMENT
    const noWorkflow = await executions
      .createExecution({ parent: executions.workflowPath(PROJECT, LOCATION, 'ghost'), execution: {} })
      .catch((e: unknown) => e);
    expect(codeOf(noWorkflow)).toBe(404); // NOT_FOUND
  });
});
