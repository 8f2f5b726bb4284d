/**
 * `env.logs()` and the log matchers (`toHaveLogged`, `toHaveMadeCall`) against a real
 * in-process emulator with stubbed HTTP; the same matchers through `expectWorkflow` (node:test).
 */
import { describe, expect, it } from 'vitest';
import { setupWorkflowsTest } from '../src/vitest.js';
import { expectWorkflow } from '../src/node-test.js';
import { http, HttpResponse } from '../src/index.js';
import { failureOf } from './failure-of.js';

const ORDER = `main:
  params: [args]
  steps:
    - charge:
        call: http.post
        args:
          url: https://pay.example.com/charges
          headers:
            Authorization: \${"Bearer " + args.token}
          body:
            amount: \${args.amount}
        result: resp
    - tell:
        call: sys.log
        args:
          text: \${"charged " + string(args.amount)}
          severity: INFO
    - record:
        call: sys.log
        args:
          json:
            charge: \${resp.body.id}
    - fold:
        call: text.split
        args: ["a,b", ","]
        result: parts
    - done:
        return: \${len(parts)}
`;

const env = setupWorkflowsTest({
  workflows: { order: ORDER },
  handlers: [http.post('https://pay.example.com/charges', () => HttpResponse.json({ id: 'ch_1' }))],
});

describe('env.logs()', () => {
  it("returns an execution's entries, oldest first, as Cloud Logging LogEntry JSON", async () => {
    const status = await env.execute('order', { token: 't0k', amount: 5 }, { callLogLevel: 'LOG_ALL_CALLS' });
    expect(status).toSucceedWith(2);
    const logs = env.logs(status.id);
    expect(logs.map((e) => [e.logName.split('/logs/')[1], e.severity])).toEqual([
      ['workflows.googleapis.com%2Fexecutions_system', 'INFO'],
      ['workflows.googleapis.com%2Fengine_call', 'DEBUG'],
      ['workflows.googleapis.com%2Fengine_call', 'DEBUG'],
      ['workflows.googleapis.com%2Fengine_call', 'DEBUG'],
      ['Workflows', 'INFO'],
      ['workflows.googleapis.com%2Fengine_call', 'DEBUG'],
      ['workflows.googleapis.com%2Fengine_call', 'DEBUG'],
      ['Workflows', 'DEFAULT'],
      ['workflows.googleapis.com%2Fengine_call', 'DEBUG'],
      ['workflows.googleapis.com%2Fengine_call', 'DEBUG'],
      ['workflows.googleapis.com%2Fengine_call', 'DEBUG'],
      ['workflows.googleapis.com%2Fexecutions_system', 'INFO'],
    ]);
    expect(logs.every((e) => e.labels['workflows.googleapis.com/execution_id'] === status.id)).toBe(true);
    // By resource name too; and without an execution, every entry of the environment.
    expect(env.logs(status.name)).toEqual(logs);
    const other = await env.execute('order', { token: 'x', amount: 1 });
    expect(env.logs(other.id)).toHaveLength(4);
    expect(env.logs().length).toBeGreaterThanOrEqual(logs.length + 4);
  });

  it('toHaveLogged: a sys.log line by text, RegExp, severity or JSON payload', async () => {
    const status = await env.execute('order', { token: 't', amount: 7 });
    const logs = env.logs(status.id);
    expect(logs).toHaveLogged('charged 7');
    expect(logs).toHaveLogged(/charged \d+/);
    expect(logs).toHaveLogged({ text: 'charged', severity: 'INFO' });
    expect(logs).toHaveLogged({ json: { charge: 'ch_1' } });
    expect(logs).toHaveLogged({ json: expect.objectContaining({ charge: expect.any(String) }) });
    expect(logs).not.toHaveLogged('refunded');
    expect(logs).not.toHaveLogged({ text: 'charged 7', severity: 'ERROR' });
    // Execution logs are no sys.log lines.
    expect(logs).not.toHaveLogged('Execution started');
    expect(failureOf(() => expect(logs).toHaveLogged('refunded'))).toContain(
      'expected a sys.log line matching "refunded", but the sys.log lines were:\n  [INFO] charged 7\n  [DEFAULT] {"charge":"ch_1"}',
    );
    expect(failureOf(() => expect(status).toHaveLogged('x'))).toMatch(/^toHaveLogged: expected log entries/);
  });

  it('toHaveMadeCall: a call step by callee and arguments, with Authorization redacted', async () => {
    const status = await env.execute(
      'order',
      { token: 'secret', amount: 9 },
      { callLogLevel: 'LOG_ALL_CALLS' },
    );
    const logs = env.logs(status.id);
    expect(logs).toHaveMadeCall('http.post');
    expect(logs).toHaveMadeCall('http.post', {
      url: 'https://pay.example.com/charges',
      headers: { Authorization: '<redacted>' },
      body: { amount: 9 },
    });
    expect(logs).toHaveMadeCall('http.post', expect.objectContaining({ body: { amount: 9 } }));
    expect(logs).toHaveMadeCall('text.split', ['a,b', ',']);
    expect(logs).toHaveMadeCall('sys.log', { text: 'charged 9', severity: 'INFO' });
    expect(logs).not.toHaveMadeCall('http.post', expect.objectContaining({ body: { amount: 10 } }));
    expect(logs).not.toHaveMadeCall('http.get');
    expect(failureOf(() => expect(logs).toHaveMadeCall('http.get'))).toContain(
      'expected a call of http.get, but the calls were:\n  charge: http.post {"url":"https://pay.example.com/charges"',
    );
    // Without call logging there is nothing to match, and the message says why.
    const quiet = env.logs((await env.execute('order', { token: 't', amount: 1 })).id);
    expect(failureOf(() => expect(quiet).toHaveMadeCall('http.post'))).toContain(
      'no call step was logged (call steps are logged with callLogLevel LOG_ALL_CALLS)',
    );
  });

  it('the same matchers through expectWorkflow (node:test)', async () => {
    const status = await env.execute('order', { token: 't', amount: 3 }, { callLogLevel: 'LOG_ALL_CALLS' });
    const logs = env.logs(status.id);
    expectWorkflow(logs).toHaveLogged('charged 3');
    expectWorkflow(logs).not.toHaveLogged('charged 4');
    expectWorkflow(logs).toHaveMadeCall('text.split', ['a,b', ',']);
    expect(() => expectWorkflow(logs).toHaveMadeCall('text.split', ['a'])).toThrow(
      /expected a call of text.split/,
    );
  });
});
