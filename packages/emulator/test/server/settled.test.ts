/** ExecutionsService.whenSettled: what the CLI's `run` and the testing package wait on. */
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/server/app.js';
import { createAppDeps } from '../../src/server/deps.js';
import { projectRef } from '../../src/server/workflows-service.js';

const SLEEPER = `main:
  params: [args]
  steps:
    - nap:
        call: sys.sleep
        args:
          seconds: \${args.s}
    - done:
        return: \${args.s}
`;

describe('whenSettled', () => {
  it('resolves after the outcome is stored, for running, queued and cancelled executions', async () => {
    const deps = createAppDeps({ maxActiveExecutions: 1 });
    const { workflows, executions } = createServices(deps);
    const ref = projectRef(deps, deps.config.projectId);
    workflows.create(ref, 'us-central1', 'sleeper', { sourceContents: SLEEPER });

    const first = executions.create(ref, 'us-central1', 'sleeper', { argument: '{"s":0.05}' });
    const queued = executions.create(ref, 'us-central1', 'sleeper', { argument: '{"s":0.01}' });
    const cancelledWhileQueued = executions.create(ref, 'us-central1', 'sleeper', { argument: '{"s":0.01}' });
    expect([first.state, queued.state, cancelledWhileQueued.state]).toEqual(['ACTIVE', 'QUEUED', 'QUEUED']);

    const waitCancelled = executions.whenSettled(cancelledWhileQueued);
    executions.cancel(ref, 'us-central1', 'sleeper', cancelledWhileQueued.executionId);
    await waitCancelled;
    expect(cancelledWhileQueued.state).toBe('CANCELLED');

    await executions.whenSettled(first);
    expect(first.state).toBe('SUCCEEDED');
    expect(first.result).toBe('0.05');
    await executions.whenSettled(queued);
    expect(queued.state).toBe('SUCCEEDED');
    expect(queued.result).toBe('0.01');
    // Already settled: resolves at once.
    await executions.whenSettled(first);
  });
});
