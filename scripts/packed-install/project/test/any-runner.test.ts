// The testing README's vitest example, word for word (Jest: jest/, node:test: node-test/).
import { expect, it } from 'vitest';
import { http, HttpResponse } from '@workflows-kit/testing';
import { setupWorkflowsTest } from '@workflows-kit/testing/vitest';

const env = setupWorkflowsTest({ workflowsDir: 'workflows' });

it('declines a refused payment', async () => {
  const payments = http.post('https://api.example.com/payments', () =>
    HttpResponse.json({ error: 'declined' }, { status: 402 }),
  );
  env.stubs.use(
    http.post('https://api.example.com/validate', () => HttpResponse.json({ valid: true })),
    payments,
  );
  const status = await env.execute('process-order', { order_id: 1, customer_email: 'ann@example.com' });
  expect(status).toFailWith({ tags: ['HttpError'], payload: expect.objectContaining({ code: 402 }) });
  expect(payments).toHaveBeenCalledTimes(1);
});
