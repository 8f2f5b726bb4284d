/**
 * /emulator/v1/subworkflowRuns and /emulator/v1/stepRuns over real HTTP: a listening emulator,
 * Google's client to deploy and to read the executions they start, `fetch` for the routes.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import type { Json } from './helpers.js';
import { listeningEmulator, type ListeningEmulator } from './listening-emulator.js';

const SHOP = `main:
  params: [args]
  steps:
    - price:
        call: discount
        args:
          amount: \${args.amount}
        result: total
    - done:
        return: \${total}
discount:
  params: [amount, percent: 10]
  steps:
    - check:
        switch:
          - condition: \${amount <= 0}
            raise:
              message: nothing to discount
    - apply:
        assign:
          - off: \${amount * percent / 100}
          - total: \${amount - off}
    - done:
        return: \${total}
`;

let env: ListeningEmulator;
let emulator: RunningEmulator;

beforeAll(async () => {
  env = await listeningEmulator('shop', SHOP);
  emulator = env.emulator;
});

afterAll(async () => {
  await env?.close();
});

const post = (path: string, body: unknown) => env.call('POST', path, body);
const finished = (name: string) => env.finished(name);

/** The Executions API's step entries (the 4.4.0 client has no method for them). */
async function stepEntries(execution: string): Promise<Json[]> {
  const res = await fetch(`${emulator.url}/v1/${execution}/stepEntries`);
  return ((await res.json()) as Json).stepEntries as Json[];
}

describe('POST /emulator/v1/subworkflowRuns', () => {
  it('starts the subworkflow as an execution read with the Executions API, step entries included', async () => {
    const started = await post('/emulator/v1/subworkflowRuns', {
      workflow: 'shop',
      routine: 'discount',
      args: { amount: 200, percent: 25 },
    });
    expect(started.status).toBe(200);
    expect(started.body.name).toMatch(
      /^projects\/my-project\/locations\/us-central1\/workflows\/shop\/executions\//,
    );
    const ex = await finished(started.body.name as string);
    expect(ex.state).toBe('SUCCEEDED');
    expect(JSON.parse(ex.result as string)).toBe(150);
    const entries = await stepEntries(started.body.name as string);
    expect(entries.map((e) => [e.routine, e.step])).toEqual([
      ['discount', 'check'],
      ['discount', 'apply'],
      ['discount', 'done'],
    ]);
  });

  it('fails as the subworkflow fails', async () => {
    const started = await post('/emulator/v1/subworkflowRuns', {
      workflow: 'shop',
      routine: 'discount',
      args: { amount: 0 },
    });
    const ex = await finished(started.body.name as string);
    expect(ex.state).toBe('FAILED');
    expect(JSON.parse(ex.error?.payload as string)).toEqual({ message: 'nothing to discount' });
  });

  it('answers Google error envelopes for an unknown workflow, routine or parameter', async () => {
    expect(await post('/emulator/v1/subworkflowRuns', { workflow: 'shop', routine: 'refund' })).toEqual({
      status: 400,
      body: {
        error: {
          code: 400,
          status: 'INVALID_ARGUMENT',
          message: 'workflow "shop" has no routine "refund"; its routines: main, discount',
        },
      },
    });
    const param = await post('/emulator/v1/subworkflowRuns', {
      workflow: 'shop',
      routine: 'discount',
      args: { amount: 1, pct: 3 },
    });
    expect(param.body.error.message).toBe(
      'subworkflow "discount" has no parameter "pct"; its parameters: amount, percent',
    );
    const missing = await post('/emulator/v1/subworkflowRuns', { workflow: 'nope', routine: 'discount' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.status).toBe('NOT_FOUND');
    const bad = await post('/emulator/v1/subworkflowRuns', { workflow: 'shop' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^invalid subworkflow run: .*\(at routine\)/);
  });
});

describe('POST /emulator/v1/stepRuns', () => {
  it('runs one step with the given variables and answers what it did', async () => {
    const res = await post('/emulator/v1/stepRuns', {
      workflow: 'shop',
      routine: 'discount',
      step: 'apply',
      variables: { amount: 50, percent: 10 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      execution: expect.stringMatching(
        /^projects\/my-project\/locations\/us-central1\/workflows\/shop\/executions\//,
      ),
      status: 'SUCCEEDED',
      variables: { amount: 50, percent: 10, off: 5, total: 45 },
      next: { kind: 'step', step: 'done' },
    });
    const entries = await stepEntries(res.body.execution as string);
    expect(entries.map((e) => e.step)).toEqual(['apply']);
  });

  it('reports an uncaught error', async () => {
    const res = await post('/emulator/v1/stepRuns', {
      workflow: 'shop',
      routine: 'discount',
      step: 'check',
      variables: { amount: -1 },
    });
    expect(res.body).toMatchObject({
      status: 'FAILED',
      error: { payload: { message: 'nothing to discount' }, message: 'nothing to discount', tags: [] },
    });
  });

  it('refuses a step the routine lacks, listing its steps', async () => {
    const res = await post('/emulator/v1/stepRuns', { workflow: 'shop', step: 'apply' });
    expect(res).toEqual({
      status: 400,
      body: {
        error: {
          code: 400,
          status: 'INVALID_ARGUMENT',
          message: 'routine "main" of workflow "shop" has no step "apply"; its steps: price, done',
        },
      },
    });
  });
});
