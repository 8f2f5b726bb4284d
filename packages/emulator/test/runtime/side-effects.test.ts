/**
 * Whole workflows checked on what the case files (test/workflows) cannot see: the requests they
 * send (order, bodies, the step each came from), their log entries and their sleeps. Both are
 * written from the documentation and sample of django-gcp (https://github.com/octue/django-gcp).
 */
import { describe, expect, it } from 'vitest';
import { resultOf, run } from './harness.js';

const PROCESS_ORDER = `
main:
  params: [args]
  steps:
    - validate_order:
        call: http.post
        args:
          url: https://api.example.com/validate
          body: \${args}
    - process_payment:
        call: http.post
        args:
          url: https://api.example.com/payments
          body: \${args}
    - send_confirmation:
        call: http.post
        args:
          url: https://api.example.com/emails
          body:
            email: \${args.customer_email}
            order_id: \${args.order_id}
`;

// Written from the sample workflow of django-gcp (https://github.com/octue/django-gcp).
const SAMPLE = `
main:
  params: [args]
  steps:
    - init:
        assign:
          - duration: \${default(map.get(args, "duration"), 5)}
          - started: \${sys.now()}
    - check:
        switch:
          - condition: \${duration > 60}
            next: too_long
    - log_start:
        call: sys.log
        args:
          text: \${"Sleeping for " + string(duration) + " seconds"}
          severity: INFO
    - wait:
        call: sys.sleep
        args:
          seconds: \${duration}
    - finish:
        return:
          duration: \${duration}
          finished_at: \${sys.now()}
    - too_long:
        raise:
          message: \${"Duration " + string(duration) + " exceeds 60 seconds"}
`;

const body = (b?: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as unknown;

describe('side effects of whole workflows', () => {
  it('a process-order workflow posts the argument twice, then the email body built from it', async () => {
    const argument = {
      order_id: 12345,
      customer_email: 'user@example.com',
      items: ['item1', 'item2'],
      total_amount: 99.99,
    };
    const ok = [{ status: 200, body: { ok: true } }];
    const r = await run(PROCESS_ORDER, {
      argument,
      routes: [
        { method: 'POST', url: 'https://api.example.com/validate', responses: ok },
        { method: 'POST', url: 'https://api.example.com/payments', responses: ok },
        { method: 'POST', url: 'https://api.example.com/emails', responses: ok },
      ],
    });
    expect(resultOf(r)).toBeNull();
    expect(r.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
      'POST https://api.example.com/validate',
      'POST https://api.example.com/payments',
      'POST https://api.example.com/emails',
    ]);
    expect(body(r.requests[0]!.body)).toEqual(argument);
    expect(body(r.requests[1]!.body)).toEqual(argument);
    expect(body(r.requests[2]!.body)).toEqual({ email: 'user@example.com', order_id: 12345 });
    expect(r.requests.map((q) => q.origin.step)).toEqual([
      'validate_order',
      'process_payment',
      'send_confirmation',
    ]);
  });

  it('a sleeping workflow logs, sleeps the default 5 s and returns a map', async () => {
    const r = await run(SAMPLE);
    const result = resultOf(r) as { duration: number; finished_at: number };
    expect(result.duration).toBe(5);
    expect(result.finished_at).toBeCloseTo(Date.UTC(2026, 0, 2, 3, 4, 10, 123) / 1000, 3);
    expect((r.clock as unknown as { sleeps: number[] }).sleeps).toEqual([5000]);
    expect(r.logs).toHaveLength(1);
    expect(r.logs[0]).toMatchObject({
      severity: 'INFO',
      payload: 'Sleeping for 5 seconds',
      workflowId: 'wf',
    });
  });

  it('a sleeping workflow raises its map for a too-long duration, without logging or sleeping', async () => {
    const r = await run(SAMPLE, { argument: { duration: 90 } });
    expect(r.outcome.state).toBe('FAILED');
    if (r.outcome.state !== 'FAILED') return;
    expect(JSON.parse(r.outcome.error.payload)).toEqual({ message: 'Duration 90 exceeds 60 seconds' });
    expect(r.outcome.error.context.split('\n')[0]).toBe('Duration 90 exceeds 60 seconds');
    expect(r.outcome.error.stackTrace.elements[0]).toMatchObject({ routine: 'main', step: 'too_long' });
    expect(r.logs).toHaveLength(0);
    expect((r.clock as unknown as { sleeps: number[] }).sleeps).toEqual([]);
  });
});
