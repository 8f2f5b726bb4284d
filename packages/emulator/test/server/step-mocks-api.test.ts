/**
 * The step mock admin routes over real HTTP: a listening emulator, Google's own client to deploy
 * and execute, `fetch` for the emulator's routes.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import type { Json } from './helpers.js';
import { listeningEmulator, LOCATION, PROJECT, type ListeningEmulator } from './listening-emulator.js';

const PAY = `main:
  params: [args]
  steps:
    - pay:
        try:
          call: http.post
          args:
            url: https://pay.example.com/charge
            body:
              orderId: \${args.orderId}
          result: resp
        retry:
          predicate: \${http.default_retry_predicate}
          max_retries: 2
          backoff:
            initial_delay: 0.01
            max_delay: 0.01
            multiplier: 1
    - done:
        return: \${resp.body}
`;

let env: ListeningEmulator;
let emulator: RunningEmulator;
let call: ListeningEmulator['call'];

beforeAll(async () => {
  env = await listeningEmulator('pay', PAY);
  emulator = env.emulator;
  call = env.call;
});

afterAll(async () => {
  await env?.close();
});

beforeEach(async () => {
  await call('DELETE', '/emulator/v1/stepMocks');
  await call('DELETE', '/emulator/v1/requests');
});

async function run(argument: unknown): Promise<Json> {
  const [created] = await env.executions.createExecution({
    parent: env.executions.workflowPath(PROJECT, LOCATION, 'pay'),
    execution: { argument: JSON.stringify(argument) },
  });
  return env.finished(created.name!);
}

describe('/emulator/v1/stepMocks', () => {
  it('registers a sequence, lists it, and the execution retries through it; the request log says mocked', async () => {
    const created = await call('POST', '/emulator/v1/stepMocks', {
      id: 'pay-flaky',
      workflow: 'pay',
      step: 'pay',
      answers: {
        '0': { httpError: { code: 503 } },
        '1': { fault: 'ConnectionError' },
        default: { return: { body: 'paid' } },
      },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      id: 'pay-flaky',
      workflow: 'pay',
      routine: 'main',
      step: 'pay',
      calls: 0,
    });

    const ex = await run({ orderId: 7 });
    expect(ex.state).toBe('SUCCEEDED');
    expect(JSON.parse(ex.result as string)).toBe('paid');

    const listed = await call('GET', '/emulator/v1/stepMocks');
    expect(listed.body.stepMocks).toHaveLength(1);
    expect(listed.body.stepMocks[0]).toMatchObject({ id: 'pay-flaky', calls: 3 });
    expect((await call('GET', '/emulator/v1/stepMocks/pay-flaky')).body.calls).toBe(3);

    // The step entry says which mock answered, as an emulator extension field.
    const entries = (await call('GET', `/v1/${ex.name}/stepEntries`)).body.stepEntries as Json[];
    const pay = entries.find((e) => e.step === 'pay');
    expect(pay?.emulatorStepMock).toEqual({ id: 'pay-flaky', attempt: 2 });
    expect(entries.find((e) => e.step === 'done')?.emulatorStepMock).toBeUndefined();

    const log = await call('GET', '/emulator/v1/requests?stepMockId=pay-flaky');
    expect(log.body.requests.map((r: Json) => [r.outcome, r.method, r.url, r.status, r.body])).toEqual([
      ['mocked', 'POST', 'https://pay.example.com/charge', 503, { orderId: 7 }],
      ['mocked', 'POST', 'https://pay.example.com/charge', null, { orderId: 7 }],
      ['mocked', 'POST', 'https://pay.example.com/charge', null, { orderId: 7 }],
    ]);
  });

  it('registers an array all or nothing, and deletes one or all', async () => {
    const bad = await call('POST', '/emulator/v1/stepMocks', [
      { workflow: 'pay', step: 'pay', return: 1 },
      { workflow: 'pay', step: 'done', return: 2 },
    ]);
    expect(bad.status).toBe(400);
    expect((await call('GET', '/emulator/v1/stepMocks')).body.stepMocks).toEqual([]);

    const ok = await call('POST', '/emulator/v1/stepMocks', [
      { workflow: 'pay', step: 'pay', return: 1 },
      { workflow: 'pay', location: LOCATION, step: 'pay', return: 2 },
    ]);
    expect(ok.body.map((m: Json) => m.id)).toEqual(['mock-1', 'mock-2']);
    expect((await call('DELETE', '/emulator/v1/stepMocks/mock-2')).status).toBe(200);
    const missing = await call('DELETE', '/emulator/v1/stepMocks/mock-2');
    expect(missing).toEqual({
      status: 404,
      body: { error: { code: 404, message: 'step mock mock-2 not found', status: 'NOT_FOUND' } },
    });
    expect((await call('GET', '/emulator/v1/stepMocks/mock-9')).status).toBe(404);
    expect((await call('DELETE', '/emulator/v1/stepMocks')).status).toBe(200);
    expect((await call('GET', '/emulator/v1/stepMocks')).body.stepMocks).toEqual([]);
  });

  it('answers a mock of a missing step with Google error envelope listing the steps', async () => {
    const res = await call('POST', '/emulator/v1/stepMocks', { workflow: 'pay', step: 'charge', return: 1 });
    expect(res).toEqual({
      status: 400,
      body: {
        error: {
          code: 400,
          status: 'INVALID_ARGUMENT',
          message:
            'invalid step mock: routine "main" of workflow "pay" (us-central1) has no step "charge"; its steps: pay, done',
        },
      },
    });
    const notJson = await fetch(`${emulator.url}/emulator/v1/stepMocks`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as Json).error.status).toBe('INVALID_ARGUMENT');
  });

  it('is cleared by POST /emulator/v1/reset', async () => {
    await call('POST', '/emulator/v1/stepMocks', { workflow: 'pay', step: 'pay', return: 1 });
    expect(emulator.deps.stepMocks.list()).toHaveLength(1);
    // Reset drops the workflow too; deploy it again for the tests after this one.
    await call('POST', '/emulator/v1/reset');
    expect(emulator.deps.stepMocks.list()).toEqual([]);
    emulator.deploy('pay', PAY);
  });
});
