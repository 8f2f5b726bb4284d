/** `expectWorkflow()`: the matchers as node:assert errors, for node:test or any runner. */
import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { createTestEnvironment, http, HttpResponse } from '../src/index.js';
import { expectWorkflow } from '../src/expect-workflow.js';

const WF = `
main:
  params: [args]
  steps:
    - call:
        call: http.get
        args:
          url: https://api.example.com/x
        result: r
    - check:
        switch:
          - condition: \${args.fail}
            raise:
              message: card declined
              tags: [PaymentError]
    - done:
        return: \${r.body}
`;

function thrown(f: () => void): AssertionError {
  try {
    f();
  } catch (err) {
    if (err instanceof AssertionError) return err;
    throw err;
  }
  throw new Error('expected an AssertionError');
}

describe('expectWorkflow', () => {
  it('passes and fails as the matchers do, with node:assert errors', async () => {
    const env = await createTestEnvironment({ workflows: { wf: WF } });
    try {
      const stub = http.get('https://api.example.com/x', () => HttpResponse.json({ ok: true }));
      env.stubs.use(stub);
      const ok = await env.execute('wf', { fail: false });
      const failed = await env.execute('wf', { fail: true });

      expectWorkflow(ok).toSucceedWith({ ok: true });
      expectWorkflow(ok).toSucceedWith();
      expectWorkflow(ok).not.toFailWith();
      expectWorkflow(failed).toFailWith({ tags: ['PaymentError'], message: 'declined' });
      expectWorkflow(stub).toHaveBeenCalledTimes(2);
      expectWorkflow(stub).toHaveBeenCalled();
      expectWorkflow(stub).not.toHaveBeenCalledOnce();

      const wrongValue = thrown(() => expectWorkflow(ok).toSucceedWith({ ok: false }));
      expect(wrongValue.message).toContain(`expected execution ${ok.id} to succeed with { ok: false }`);
      expect(wrongValue.operator).toBe('toSucceedWith');
      const notFailed = thrown(() => expectWorkflow(ok).toFailWith({ tags: ['X'] }));
      expect(notFailed.message).toContain('but it ended SUCCEEDED');
      const negated = thrown(() => expectWorkflow(failed).not.toFailWith());
      expect(negated.operator).toBe('not.toFailWith');
      expect(thrown(() => expectWorkflow(stub).toHaveBeenCalledOnce()).message).toBe(
        'expected stub GET https://api.example.com/x to have been called once, but it answered 2',
      );
      expect(() => expectWorkflow({}).toHaveBeenCalled()).toThrow(TypeError);
      expect(thrown(() => expectWorkflow('nope').toSucceedWith()).message).toContain(
        'toSucceedWith: expected an execution status',
      );
    } finally {
      await env.teardown();
    }
  });
});
