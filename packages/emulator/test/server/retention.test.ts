/**
 * Retention (`--retain-*`): finished executions, operations, revisions and request-log records are
 * kept up to a bound, the oldest evicted first; running and queued executions never are. Driven
 * through Google's own `@google-cloud/workflows` client (REST fallback) against the listening
 * emulator, with small bounds.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

import { afterEach, describe, expect, it } from 'vitest';
import { ExecutionsClient, WorkflowsClient } from '@google-cloud/workflows';
import { startEmulator, type RunningEmulator } from '../../src/emulator.js';
import type { StartEmulatorOptions } from '../../src/emulator.js';
import type { ExecutionRecord } from '../../src/store/types.js';
import { ECHO, SLEEP, type Json } from './helpers.js';
import { officialClientOptions } from './official-client-options.js';

const PROJECT = 'retention-project';
const LOCATION = 'europe-west1';

interface Setup {
  emulator: RunningEmulator;
  workflows: WorkflowsClient;
  executions: ExecutionsClient;
}

const running: Setup[] = [];

async function setup(options: StartEmulatorOptions): Promise<Setup> {
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0, ...options });
  const opts = officialClientOptions(emulator.port);
  const s = { emulator, workflows: new WorkflowsClient(opts), executions: new ExecutionsClient(opts) };
  running.push(s);
  return s;
}

afterEach(async () => {
  for (const s of running.splice(0)) {
    await s.workflows.close();
    await s.executions.close();
    await s.emulator.stop();
  }
});

async function info(s: Setup): Promise<Json> {
  return (await (await fetch(`${s.emulator.url}/emulator/v1/info`)).json()) as Json;
}

async function deploy(s: Setup, workflowId: string, source: string): Promise<string> {
  const [op] = await s.workflows.createWorkflow({
    parent: s.workflows.locationPath(PROJECT, LOCATION),
    workflowId,
    workflow: { sourceContents: source },
  });
  await op.promise();
  return op.name as string;
}

/** Starts an execution through the client; returns its name and the emulator's record of it. */
async function start(s: Setup, workflowId: string, argument?: unknown) {
  const [ex] = await s.executions.createExecution({
    parent: s.executions.workflowPath(PROJECT, LOCATION, workflowId),
    execution: argument === undefined ? {} : { argument: JSON.stringify(argument) },
  });
  const name = ex.name as string;
  const id = name.split('/').pop() as string;
  const rec = s.emulator.deps.store.executions.get(
    { project: PROJECT, location: LOCATION, workflowId },
    id,
  ) as ExecutionRecord;
  return { name, rec };
}

/** Runs an execution to its end (event-driven: the service settles it). */
async function run(s: Setup, workflowId: string, argument?: unknown): Promise<string> {
  const { name, rec } = await start(s, workflowId, argument);
  await s.emulator.services.executions.whenSettled(rec);
  return name;
}

async function getError(p: Promise<unknown>): Promise<Error & { code?: number }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error & { code?: number };
}

/** Google's error envelope for a 404, read without the client. */
async function expectNotFoundEnvelope(url: string, message: RegExp): Promise<void> {
  const res = await fetch(url);
  expect(res.status).toBe(404);
  const body = (await res.json()) as Json;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({ code: 404, status: 'NOT_FOUND', message: expect.stringMatching(message) });
}

describe('finished executions', () => {
  it('keeps the most recently finished ones; an evicted one answers 404 and info counts it', async () => {
    const s = await setup({ retention: { executions: 3 } });
    await deploy(s, 'echo', ECHO);
    const names: string[] = [];
    for (let i = 0; i < 5; i++) names.push(await run(s, 'echo', { i }));

    const [kept] = await s.executions.listExecutions({
      parent: s.executions.workflowPath(PROJECT, LOCATION, 'echo'),
    });
    expect(kept.map((e) => e.name)).toEqual([names[4], names[3], names[2]]);
    const [newest] = await s.executions.getExecution({ name: names[4] as string });
    expect(JSON.parse(newest.result as string)).toEqual({ i: 4 });

    for (const evicted of [names[0], names[1]] as string[]) {
      const err = await getError(s.executions.getExecution({ name: evicted }));
      expect([5, 404]).toContain(err.code);
      await expectNotFoundEnvelope(
        `${s.emulator.url}/v1/${evicted}`,
        /^Resource '.*' was not found \(it may have been evicted: the emulator keeps the 3 most recently finished executions in about 64 MB and has evicted 2; see --retain-executions and --retain-executions-mb\)$/,
      );
    }
    expect((await info(s)).retention.executions).toMatchObject({ limit: 3, retained: 3, evicted: 2 });
  });

  it('never evicts running or queued executions, and evicts in the order executions finished', async () => {
    const s = await setup({ retention: { executions: 2 }, maxActiveExecutions: 1 });
    await deploy(s, 'sleep', SLEEP);
    await deploy(s, 'echo', ECHO);
    // Created first, finishes last: it must outlive the quicker ones created after it.
    const sleeper = await start(s, 'sleep');
    expect(sleeper.rec.state).toBe('ACTIVE');
    // The quota is 1: these queue behind the sleeper.
    const queued = [await start(s, 'echo', 'a'), await start(s, 'echo', 'b'), await start(s, 'echo', 'c')];
    expect(queued.map((q) => q.rec.state)).toEqual(['QUEUED', 'QUEUED', 'QUEUED']);
    // Two cancelled queued executions fill the bound; a third evicts the first of them.
    for (const q of queued) await s.executions.cancelExecution({ name: q.name });
    const [first, second, third] = queued as [(typeof queued)[0], (typeof queued)[0], (typeof queued)[0]];
    expect([5, 404]).toContain((await getError(s.executions.getExecution({ name: first.name }))).code);
    expect((await s.executions.getExecution({ name: third.name }))[0].state).toBe('CANCELLED');
    expect((await info(s)).retention.executions).toMatchObject({ limit: 2, retained: 2, evicted: 1 });

    // The sleeper ran through all of it.
    const [still] = await s.executions.getExecution({ name: sleeper.name });
    expect(still.state).toBe('ACTIVE');

    // Now it finishes: it is the most recently finished, so the oldest finished (second) goes.
    await s.executions.cancelExecution({ name: sleeper.name });
    await s.emulator.services.executions.whenSettled(sleeper.rec);
    expect((await s.executions.getExecution({ name: sleeper.name }))[0].state).toBe('CANCELLED');
    expect([5, 404]).toContain((await getError(s.executions.getExecution({ name: second.name }))).code);
    expect((await s.executions.getExecution({ name: third.name }))[0].state).toBe('CANCELLED');
    expect((await info(s)).retention.executions).toMatchObject({ limit: 2, retained: 2, evicted: 2 });
  });

  it('a deleted workflow takes its finished executions with it: they are not counted as evicted', async () => {
    const s = await setup({ retention: { executions: 2 } });
    await deploy(s, 'gone', ECHO);
    await deploy(s, 'echo', ECHO);
    await run(s, 'gone', 1);
    await run(s, 'gone', 2);
    const [op] = await s.workflows.deleteWorkflow({
      name: s.workflows.workflowPath(PROJECT, LOCATION, 'gone'),
    });
    await op.promise();
    expect((await info(s)).retention.executions).toMatchObject({ limit: 2, retained: 0, evicted: 0 });
    const kept = [await run(s, 'echo', 3), await run(s, 'echo', 4)];
    expect((await info(s)).retention.executions).toMatchObject({ limit: 2, retained: 2, evicted: 0 });
    for (const name of kept) expect((await s.executions.getExecution({ name }))[0].state).toBe('SUCCEEDED');
  });

  it('keeps only as many as fit in the memory bound; long step histories count', async () => {
    const LOOP = `main:\n  steps:\n    - init:\n        assign:\n          - x: 0\n    - loop:\n        for:\n          value: i\n          range: [1, 2000]\n          steps:\n            - add:\n                assign:\n                  - x: \${i}\n    - done:\n        return: \${x}\n`;
    const s = await setup({ retention: { executionBytes: 1024 * 1024 } });
    await deploy(s, 'loop', LOOP);
    const names: string[] = [];
    for (let i = 0; i < 5; i++) names.push(await run(s, 'loop'));
    // 2,000 iterations leave over 4,000 history entries (an iteration and its step each): about
    // 390 KB an execution, so two fit in 1 MB.
    const { executions: kept } = (await info(s)).retention;
    expect(kept).toMatchObject({ limit: 10_000, limitMb: 1, retained: 2, evicted: 3 });
    expect(kept.approximateMb).toBeGreaterThan(0.5);
    expect(kept.approximateMb).toBeLessThanOrEqual(1);
    for (const name of names.slice(0, 3))
      expect([5, 404]).toContain((await getError(s.executions.getExecution({ name }))).code);
    for (const name of names.slice(3))
      expect((await s.executions.getExecution({ name }))[0].result).toBe('2000');
  });

  it('keeps the most recently finished execution even when it alone exceeds the memory bound', async () => {
    const s = await setup({ retention: { executionBytes: 16 * 1024 } });
    await deploy(s, 'echo', ECHO);
    const big = { text: 'x'.repeat(30_000) };
    const first = await run(s, 'echo', big);
    expect(JSON.parse((await s.executions.getExecution({ name: first }))[0].result as string)).toEqual(big);
    const second = await run(s, 'echo', big);
    expect([5, 404]).toContain((await getError(s.executions.getExecution({ name: first }))).code);
    expect(JSON.parse((await s.executions.getExecution({ name: second }))[0].result as string)).toEqual(big);
    expect((await info(s)).retention.executions).toMatchObject({ retained: 1, evicted: 1 });
  });

  it('a reset clears the counts; without evictions a 404 has no hint', async () => {
    const s = await setup({ retention: { executions: 1 } });
    await deploy(s, 'echo', ECHO);
    const gone = await run(s, 'echo', 1);
    await run(s, 'echo', 2);
    expect((await info(s)).retention.executions.evicted).toBe(1);
    await fetch(`${s.emulator.url}/emulator/v1/reset`, { method: 'POST' });
    expect((await info(s)).retention.executions).toMatchObject({ limit: 1, retained: 0, evicted: 0 });
    await deploy(s, 'echo', ECHO);
    await expectNotFoundEnvelope(`${s.emulator.url}/v1/${gone}`, /^Resource '.*' was not found$/);
  });
});

describe('operations', () => {
  it('keeps the most recent ones; an evicted one answers 404', async () => {
    const s = await setup({ retention: { operations: 2 } });
    const ops = [await deploy(s, 'a', ECHO), await deploy(s, 'b', ECHO), await deploy(s, 'c', ECHO)];
    const err = await getError(s.workflows.checkCreateWorkflowProgress(ops[0] as string));
    expect([5, 404]).toContain(err.code);
    await expectNotFoundEnvelope(
      `${s.emulator.url}/v1/${ops[0] as string}`,
      /^Operation '.*' was not found \(it may have been evicted: the emulator keeps the 2 most recent operations and has evicted 1; see --retain-operations\)$/,
    );
    const op = await s.workflows.checkCreateWorkflowProgress(ops[2] as string);
    expect(op.done).toBe(true);
    expect((await info(s)).retention.operations).toEqual({ limit: 2, retained: 2, evicted: 1 });
  });
});

describe('revisions', () => {
  const version = (n: number) => `main:\n  steps:\n    - done:\n        return: ${n}\n`;

  async function redeploy(s: Setup, workflowId: string, source: string): Promise<string> {
    const [op] = await s.workflows.updateWorkflow({
      workflow: { name: s.workflows.workflowPath(PROJECT, LOCATION, workflowId), sourceContents: source },
      updateMask: { paths: ['source_contents'] },
    });
    const [wf] = await op.promise();
    return wf.revisionId as string;
  }

  it('keeps the newest revisions of each workflow; an evicted one answers 404', async () => {
    const s = await setup({ retention: { revisions: 2 } });
    await deploy(s, 'flow', version(1));
    const first = (
      await s.workflows.getWorkflow({ name: s.workflows.workflowPath(PROJECT, LOCATION, 'flow') })
    )[0].revisionId as string;
    const later = [await redeploy(s, 'flow', version(2)), await redeploy(s, 'flow', version(3))];
    const [revs] = await s.workflows.listWorkflowRevisions({
      name: s.workflows.workflowPath(PROJECT, LOCATION, 'flow'),
    });
    expect(revs.map((w) => w.revisionId)).toEqual([later[1], later[0]]);
    const err = await getError(
      s.workflows.getWorkflow({
        name: s.workflows.workflowPath(PROJECT, LOCATION, 'flow'),
        revisionId: first,
      }),
    );
    expect([5, 404]).toContain(err.code);
    await expectNotFoundEnvelope(
      `${s.emulator.url}/v1/projects/${PROJECT}/locations/${LOCATION}/workflows/flow?revisionId=${first}`,
      /evicted: the emulator keeps the 2 most recent revisions of each workflow and has evicted 1; see --retain-revisions\)$/,
    );
    expect((await info(s)).retention.revisions).toEqual({ limit: 2, retained: 2, evicted: 1 });
  });

  it('keeps a revision that a running execution was started with', async () => {
    const s = await setup({ retention: { revisions: 1 } });
    await deploy(s, 'flow', SLEEP);
    const sleeper = await start(s, 'flow');
    const firstRev = sleeper.rec.revisionId;
    const second = await redeploy(s, 'flow', version(2));
    const third = await redeploy(s, 'flow', version(3));
    const [revs] = await s.workflows.listWorkflowRevisions({
      name: s.workflows.workflowPath(PROJECT, LOCATION, 'flow'),
    });
    // The current one stays, and the sleeper's; the one in between goes.
    expect(revs.map((w) => w.revisionId)).toEqual([third, firstRev]);
    expect(second).not.toBe(firstRev);
    const [got] = await s.workflows.getWorkflow({
      name: s.workflows.workflowPath(PROJECT, LOCATION, 'flow'),
      revisionId: firstRev,
    });
    expect(got.sourceContents).toBe(SLEEP);
    expect((await info(s)).retention.revisions.evicted).toBe(1);
  });
});

describe('the outbound request log', () => {
  it('keeps the most recent records and counts the dropped ones', async () => {
    const s = await setup({ retention: { requests: 2 } });
    s.emulator.deps.stubs.add({ url: 'https://api.example.com/*', body: { ok: true } });
    await deploy(
      s,
      'call',
      `main:\n  params: [n]\n  steps:\n    - get:\n        call: http.get\n        args:\n          url: \${"https://api.example.com/" + string(n)}\n        result: r\n    - done:\n        return: \${r.body}\n`,
    );
    for (let i = 0; i < 3; i++) await run(s, 'call', i);
    const log = (await (await fetch(`${s.emulator.url}/emulator/v1/requests`)).json()) as Json;
    expect((log.requests as Json[]).map((r) => r.url)).toEqual([
      'https://api.example.com/1',
      'https://api.example.com/2',
    ]);
    expect((await info(s)).retention.requests).toEqual({ limit: 2, retained: 2, evicted: 1 });
  });
});

describe('defaults and bad bounds', () => {
  it('reports the default bounds', async () => {
    const s = await setup({});
    expect((await info(s)).retention).toEqual({
      executions: { limit: 10_000, retained: 0, evicted: 0, limitMb: 64, approximateMb: 0 },
      operations: { limit: 1_000, retained: 0, evicted: 0 },
      revisions: { limit: 100, retained: 0, evicted: 0 },
      requests: { limit: 1_000, retained: 0, evicted: 0 },
      logs: { limit: 10_000, retained: 0, evicted: 0 },
    });
  });

  it('refuses a bound that is not a positive integer', async () => {
    await expect(startEmulator({ port: 0, retention: { executions: 0 } })).rejects.toThrow(
      /retention.executions must be a positive integer/,
    );
  });
});
