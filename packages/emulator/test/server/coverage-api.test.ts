/**
 * `GET /emulator/v1/coverage` and `DELETE /emulator/v1/coverage` on a listening emulator, with
 * workflows deployed and run through Google's own `@google-cloud/workflows` client.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionsClient, WorkflowsClient } from '@google-cloud/workflows';
import { startEmulator, type RunningEmulator } from '../../src/emulator.js';
import type { WorkflowCoverageData } from '../../src/runtime/coverage.js';
import { officialClientOptions } from './official-client-options.js';

const PROJECT = 'my-project';
const LOCATION = 'europe-west1';

const GRADE = `main:
  params: [score]
  steps:
    - grade:
        switch:
          - condition: \${score >= 50}
            return: "pass"
    - fail:
        return: "fail"
`;

const UNUSED = `main:
  steps:
    - idle:
        return: 0
`;

let emulator: RunningEmulator;
let off: RunningEmulator;
let workflows: WorkflowsClient;
let executions: ExecutionsClient;

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, coverage: true });
  off = await startEmulator({ host: '127.0.0.1', port: 0 });
  const opts = officialClientOptions(emulator.port);
  workflows = new WorkflowsClient(opts);
  executions = new ExecutionsClient(opts);
  for (const [id, source] of [
    ['grade', GRADE],
    ['unused', UNUSED],
  ] as const) {
    const [op] = await workflows.createWorkflow({
      parent: workflows.locationPath(PROJECT, LOCATION),
      workflowId: id,
      workflow: { sourceContents: source },
    });
    await op.promise();
  }
});

afterAll(async () => {
  await workflows?.close();
  await executions?.close();
  await emulator?.stop();
  await off?.stop();
});

async function run(score: number): Promise<string> {
  const [created] = await executions.createExecution({
    parent: executions.workflowPath(PROJECT, LOCATION, 'grade'),
    execution: { argument: JSON.stringify(score) },
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [ex] = await executions.getExecution({ name: created.name! });
    if (ex.state !== 'ACTIVE' && ex.state !== 'QUEUED') return String(ex.result);
    if (Date.now() > deadline) throw new Error(`still ${String(ex.state)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function coverage(): Promise<WorkflowCoverageData> {
  const res = await fetch(`${emulator.url}/emulator/v1/coverage`);
  expect(res.status).toBe(200);
  return (await res.json()) as WorkflowCoverageData;
}

const GRADE_PATH = `workflows/${LOCATION}/grade.yaml`;
const UNUSED_PATH = `workflows/${LOCATION}/unused.yaml`;

describe('/emulator/v1/coverage', () => {
  it('serves Istanbul coverage of every deployed workflow: hits of what ran, zeros for what did not', async () => {
    expect(await run(70)).toBe('"pass"');
    expect(await run(20)).toBe('"fail"');
    expect(await run(90)).toBe('"pass"');
    const data = await coverage();
    expect(Object.keys(data).sort()).toEqual([GRADE_PATH, UNUSED_PATH]);
    const grade = data[GRADE_PATH]!;
    // Statements grade, fail; the switch's condition arm and its "no condition matched" arm.
    expect(grade.s).toEqual({ 0: 3, 1: 1 });
    expect(grade.f).toEqual({ 0: 3 });
    expect(grade.b).toEqual({ 0: [2, 1] });
    expect(grade.statementMap['1']).toEqual({ start: { line: 8, column: 6 }, end: { line: 9, column: 22 } });
    // Deployed from source text: reported under a virtual path, with the source.
    expect(grade.virtualPath).toBe(GRADE_PATH);
    expect(grade.source).toBe(GRADE);
    expect(data[UNUSED_PATH]!.s).toEqual({ 0: 0 });
    expect(data[UNUSED_PATH]!.f).toEqual({ 0: 0 });
  });

  it('DELETE sets the counts to zero and keeps the workflows', async () => {
    const res = await fetch(`${emulator.url}/emulator/v1/coverage`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    let data = await coverage();
    expect(data[GRADE_PATH]!.s).toEqual({ 0: 0, 1: 0 });
    expect(data[GRADE_PATH]!.b).toEqual({ 0: [0, 0] });
    await run(10);
    data = await coverage();
    expect(data[GRADE_PATH]!.s).toEqual({ 0: 1, 1: 1 });
    expect(data[GRADE_PATH]!.b).toEqual({ 0: [0, 1] });
  });

  it('answers 400 FAILED_PRECONDITION when the emulator collects no coverage, and keeps serving', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${off.url}/emulator/v1/coverage`, { method });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          code: 400,
          status: 'FAILED_PRECONDITION',
          message:
            'workflow coverage is off: start the emulator with --coverage DIR (or the coverage option) to collect it',
        },
      });
    }
    expect((await fetch(`${off.url}/emulator/v1/info`)).status).toBe(200);
  });
});
