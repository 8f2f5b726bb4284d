/**
 * One subworkflow, one step: run part of a deployed workflow through the testing API, on the
 * virtual clock, and read what it did.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '@workflows-kit/emulator';
import { createTestEnvironment, type TestEnvironment } from '../src/index.js';

const TAX = `
main:
  params: [args]
  steps:
    - total:
        call: add_tax
        args:
          amount: \${args.amount}
        result: with_tax
    - done:
        return: \${with_tax}
add_tax:
  params: [amount, rate: 0.5]
  steps:
    - log:
        call: sys.log
        args:
          text: \${"taxing " + string(amount)}
    - check:
        switch:
          - condition: \${amount < 0}
            raise:
              message: negative amount
              amount: \${amount}
          - condition: \${amount == 0}
            next: zero
    - compute:
        assign:
          - taxed: \${amount * (1 + rate)}
    - done:
        return: \${taxed}
    - zero:
        assign:
          - taxed: 0
`;

const PAY = `
main:
  params: [order]
  steps:
    - charge:
        try:
          call: http.post
          args:
            url: https://pay.example.com/charge
            body: \${order}
          result: payment
        retry:
          predicate: \${http.default_retry_predicate}
          max_retries: 2
          backoff:
            initial_delay: 1
            max_delay: 10
            multiplier: 2
        except:
          as: e
          steps:
            - declined:
                assign:
                  - payment:
                      declined: \${default(map.get(e, "code"), e.tags[0])}
    - items:
        for:
          value: item
          in: \${order.items}
          steps:
            - count:
                assign:
                  - n: \${n + 1}
    - report:
        return: \${payment}
`;

let env: TestEnvironment;
const logs: LogEntry[] = [];
beforeEach(async () => {
  logs.length = 0;
  env = await createTestEnvironment({
    workflows: { tax: TAX, pay: PAY },
    logger: { log: (e) => logs.push(e) },
  });
});
afterEach(async () => {
  await env.teardown();
});

describe('env.runSubworkflow', () => {
  it('runs a subworkflow with its arguments as an execution of its own: result, history, logs', async () => {
    const status = await env.runSubworkflow('tax', 'add_tax', { amount: 10 });
    expect(status.state).toBe('SUCCEEDED');
    expect(status.result).toBe(15);
    expect(env.executionHistory(status.id).map((s) => [s.routine, s.step, s.state])).toEqual([
      ['add_tax', 'log', 'STATE_SUCCEEDED'],
      ['add_tax', 'check', 'STATE_SUCCEEDED'],
      ['add_tax', 'compute', 'STATE_SUCCEEDED'],
      ['add_tax', 'done', 'STATE_SUCCEEDED'],
    ]);
    expect(logs.map((l) => [l.executionId, l.payload])).toEqual([[status.id, 'taxing 10']]);
  });

  it('uses the defaults of parameters left out, and the given ones over them', async () => {
    expect((await env.runSubworkflow('tax', 'add_tax', { amount: 10, rate: 1 })).result).toBe(20);
  });

  it('fails as the subworkflow fails, with the error and the frame of the step', async () => {
    const status = await env.runSubworkflow('tax', 'add_tax', { amount: -1 });
    expect(status.state).toBe('FAILED');
    expect(status.error?.payload).toEqual({ message: 'negative amount', amount: -1 });
    expect(status.error?.stackTrace[0]).toMatchObject({ routine: 'add_tax', step: 'check' });
  });

  it('runs main with the value of its one parameter', async () => {
    expect((await env.runSubworkflow('tax', 'main', { args: { amount: 2 } })).result).toBe(3);
  });

  it('refuses an unknown routine or parameter, and a missing required one, naming what there is', async () => {
    await expect(env.runSubworkflow('tax', 'add_vat', {})).rejects.toThrow(
      'workflow "tax" has no routine "add_vat"; its routines: main, add_tax',
    );
    await expect(env.runSubworkflow('tax', 'add_tax', { amount: 1, ratio: 2 })).rejects.toThrow(
      'subworkflow "add_tax" has no parameter "ratio"; its parameters: amount, rate',
    );
    await expect(env.runSubworkflow('tax', 'add_tax', {})).rejects.toThrow(
      'subworkflow "add_tax" needs the parameter(s) amount',
    );
  });
});

describe('env.runStep', () => {
  it('runs an assign step with the given variables: the variables after it and the next step', async () => {
    const r = await env.runStep('tax', 'compute', {
      routine: 'add_tax',
      variables: { amount: 10, rate: 0.5 },
    });
    expect(r).toMatchObject({
      status: 'SUCCEEDED',
      variables: { amount: 10, rate: 0.5, taxed: 15 },
      next: { kind: 'step', step: 'done' },
    });
    expect(env.executionHistory(r.executionId).map((s) => s.step)).toEqual(['compute']);
  });

  it('reports a jump, a return, the end of the routine and the end of a block', async () => {
    const jump = await env.runStep('tax', 'check', { routine: 'add_tax', variables: { amount: 0 } });
    expect(jump.next).toEqual({ kind: 'step', step: 'zero' });
    const fallThrough = await env.runStep('tax', 'check', { routine: 'add_tax', variables: { amount: 3 } });
    expect(fallThrough.next).toEqual({ kind: 'step', step: 'compute' });
    const returned = await env.runStep('tax', 'done', { routine: 'add_tax', variables: { taxed: 4 } });
    expect(returned.next).toEqual({ kind: 'return', value: 4 });
    const last = await env.runStep('tax', 'zero', { routine: 'add_tax' });
    expect(last).toMatchObject({ next: { kind: 'end' }, variables: { taxed: 0 } });
    const inLoop = await env.runStep('pay', 'count', { variables: { n: 1, item: 'x' } });
    expect(inLoop).toMatchObject({ next: { kind: 'endOfBlock', block: 'items' }, variables: { n: 2 } });
  });

  it('reports the error nothing caught, with the variables where it failed', async () => {
    const r = await env.runStep('tax', 'check', { routine: 'add_tax', variables: { amount: -2 } });
    expect(r.status).toBe('FAILED');
    expect(r.next).toBeUndefined();
    expect(r.error).toMatchObject({
      payload: { message: 'negative amount', amount: -2 },
      message: 'negative amount',
    });
    expect(r.variables).toEqual({ amount: -2 });
  });

  it('reports the retries of a step with retry, and how many attempts ran', async () => {
    env.mockStep('pay', 'charge', {
      answers: { '0-1': { fault: 'ConnectionError' }, default: { return: { code: 200, body: 'ok' } } },
    });
    const r = await env.runStep('pay', 'charge', { variables: { order: { id: 1 } } });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.variables['payment']).toEqual({ code: 200, body: 'ok' });
    expect(r.next).toEqual({ kind: 'step', step: 'items' });
    expect(r.retry).toMatchObject({
      policy: '${http.default_retry_predicate}',
      attempts: 3,
      decisions: [
        { attempt: 1, decision: 'retry', delaySeconds: 1, error: { tags: ['ConnectionError'] } },
        { attempt: 2, decision: 'retry', delaySeconds: 2, error: { tags: ['ConnectionError'] } },
      ],
    });
    expect(r.except).toBeUndefined();
  });

  it('reports the except handler that caught an error the policy did not retry', async () => {
    env.mockStep('pay', 'charge', { httpError: { code: 402 } });
    // Declared before the step, so the except block's assignment outlives the block.
    const r = await env.runStep('pay', 'charge', { variables: { order: { id: 1 }, payment: null } });
    expect(r.status).toBe('CAUGHT_ERROR');
    expect(r.variables['payment']).toEqual({ declined: 402 });
    expect(r.retry).toMatchObject({ attempts: 1, decisions: [{ attempt: 1, decision: 'not-retried' }] });
    expect(r.except).toMatchObject({ as: 'e', error: { code: 402, tags: ['HttpError'] } });
  });

  it('reports retries running out before the handler caught the error', async () => {
    env.mockStep('pay', 'charge', { fault: 'TimeoutError' });
    const r = await env.runStep('pay', 'charge', { variables: { order: {}, payment: null } });
    expect(r.status).toBe('CAUGHT_ERROR');
    expect(r.variables['payment']).toEqual({ declined: 'TimeoutError' });
    expect(r.retry?.attempts).toBe(3);
    expect(r.retry?.decisions.map((d) => d.decision)).toEqual(['retry', 'retry', 'exhausted']);
  });

  it('refuses a step the routine does not have, listing its steps', async () => {
    await expect(env.runStep('pay', 'refund')).rejects.toThrow(
      'routine "main" of workflow "pay" has no step "refund"; its steps: charge, declined, items, count, report',
    );
  });
});
