import './setup.js';
import { googleAuthLibrary } from 'google-gax';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  ExecutionNotFoundError,
  InvalidWorkflowArgumentsError,
  InvalidWorkflowResultError,
  Workflow,
  WorkflowConfigurationError,
} from '../src/index.js';
import { fakeClient, ProcessOrderWorkflow } from './fakes.js';

// Unit tests of the class's own logic. Requests go to a recording stand-in for ExecutionsClient
// (the injected-client option); everything against a real server is in emulator.test.ts.

const ENV_VARS = ['GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'WORKFLOWS_EMULATOR_HOST'] as const;

beforeEach(() => {
  for (const name of ENV_VARS) vi.stubEnv(name, '');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('configuration', () => {
  it('reads typed statics from the subclass', () => {
    const workflow = new ProcessOrderWorkflow({ projectId: 'p' });
    expect(workflow.workflowName).toBe('process-order');
    expect(workflow.location).toBe('europe-west1');
  });

  it('works without a subclass, and options override statics', () => {
    expect(new Workflow({ workflowName: 'w', location: 'l' }).workflowName).toBe('w');
    expect(new ProcessOrderWorkflow({ location: 'us-east1' }).location).toBe('us-east1');
  });

  it('names what is missing', () => {
    expect(() => new Workflow({ location: 'l' })).toThrow(WorkflowConfigurationError);
    expect(() => new Workflow({ location: 'l' })).toThrow(/workflowName/);
    class NoLocation extends Workflow {
      static readonly workflowName = 'w';
    }
    expect(() => new NoLocation()).toThrow(WorkflowConfigurationError);
    expect(() => new NoLocation()).toThrow(/location.*NoLocation/);
    class Wrong extends Workflow {
      static readonly workflowName = 42;
      static readonly location = 'l';
    }
    expect(() => new Wrong()).toThrow(/workflowName must be a string/);
  });

  it('resolves the project: option, GOOGLE_CLOUD_PROJECT, GCLOUD_PROJECT, then the emulator default', async () => {
    const endpoint = '127.0.0.1:1';
    vi.stubEnv('GCLOUD_PROJECT', 'from-gcloud-project');
    vi.stubEnv('GOOGLE_CLOUD_PROJECT', 'from-google-cloud-project');
    expect(await new ProcessOrderWorkflow({ endpoint, projectId: 'opt' }).getProjectId()).toBe('opt');
    expect(await new ProcessOrderWorkflow({ endpoint }).getProjectId()).toBe('from-google-cloud-project');
    vi.stubEnv('GOOGLE_CLOUD_PROJECT', '');
    expect(await new ProcessOrderWorkflow({ endpoint }).getProjectId()).toBe('from-gcloud-project');
    vi.stubEnv('GCLOUD_PROJECT', '');
    expect(await new ProcessOrderWorkflow({ endpoint }).getProjectId()).toBe('my-project');
  });

  it('selects the emulator from WORKFLOWS_EMULATOR_HOST and builds a REST client with no credentials', () => {
    vi.stubEnv('WORKFLOWS_EMULATOR_HOST', 'http://127.0.0.1:8799');
    const workflow = new ProcessOrderWorkflow();
    expect(workflow.endpoint).toMatchObject({ kind: 'emulator', url: 'http://127.0.0.1:8799' });
    const client = workflow.getClient();
    const opts = (client as unknown as { _opts: Record<string, unknown> })._opts;
    expect(opts).toMatchObject({ servicePath: '127.0.0.1', port: 8799, protocol: 'http', fallback: true });
    expect(client.auth).toBeInstanceOf(googleAuthLibrary.PassThroughClient);
    expect(workflow.getConsoleUrl('e1')).toBe(
      'http://127.0.0.1:8799/console/workflows/workflow/europe-west1/process-order/execution/e1?project=my-project',
    );
  });
});

describe('production path (inspected, never called)', () => {
  it('constructing a Workflow asks the auth object nothing', () => {
    const auth = {
      getProjectId: vi.fn(),
      getRequestHeaders: vi.fn(),
      getClient: vi.fn(),
    };
    const workflow = new ProcessOrderWorkflow({ auth: auth as unknown as googleAuthLibrary.GoogleAuth });
    expect(workflow.endpoint).toEqual({ kind: 'google' });
    expect(auth.getProjectId).not.toHaveBeenCalled();
    expect(auth.getRequestHeaders).not.toHaveBeenCalled();
    expect(auth.getClient).not.toHaveBeenCalled();
  });

  it('builds a gRPC client for workflowexecutions.googleapis.com with the given auth', () => {
    const auth = new googleAuthLibrary.GoogleAuth({ projectId: 'adc-project' });
    const client = new ProcessOrderWorkflow({ auth }).getClient();
    const opts = (client as unknown as { _opts: Record<string, unknown> })._opts;
    expect(opts).toMatchObject({
      servicePath: 'workflowexecutions.googleapis.com',
      port: 443,
      fallback: false,
    });
    expect(client.auth).toBe(auth);
    // The same auth shares one client across instances (django-gcp code makes a Workflow per call).
    expect(new ProcessOrderWorkflow({ auth }).getClient()).toBe(client);
  });

  it('without auth, leaves credentials to ADC (a GoogleAuth built by gax)', () => {
    const client = new ProcessOrderWorkflow({ projectId: 'p' }).getClient();
    const opts = (client as unknown as { _opts: Record<string, unknown> })._opts;
    expect(opts).toMatchObject({
      servicePath: 'workflowexecutions.googleapis.com',
      port: 443,
      fallback: false,
    });
    expect(opts).not.toHaveProperty('authClient');
    expect(client.auth).toBeInstanceOf(googleAuthLibrary.GoogleAuth);
  });

  it('resolves the project through ADC lazily, then getConsoleUrl knows it', async () => {
    const auth = new googleAuthLibrary.GoogleAuth({ projectId: 'adc-project' });
    const workflow = new ProcessOrderWorkflow({ auth });
    expect(() => workflow.getConsoleUrl('e1')).toThrow(WorkflowConfigurationError);
    expect(await workflow.getProjectId()).toBe('adc-project');
    expect(workflow.getConsoleUrl('e1')).toBe(
      'https://console.cloud.google.com/workflows/workflow/europe-west1/process-order/execution/e1?project=adc-project',
    );
    // A fresh instance with the same auth knows it too.
    expect(new ProcessOrderWorkflow({ auth }).getConsoleUrl('e2')).toContain('?project=adc-project');
  });

  it('throws WorkflowConfigurationError on the first call when ADC has no project', async () => {
    const adcFailure = new Error('Unable to detect a Project Id in the current environment.');
    const auth = { getProjectId: vi.fn().mockRejectedValue(adcFailure), getRequestHeaders: vi.fn() };
    const workflow = new ProcessOrderWorkflow({ auth: auth as unknown as googleAuthLibrary.AuthClient });
    const error = await workflow.invoke({ a: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowConfigurationError);
    expect((error as Error).message).toMatch(/No project ID.*GOOGLE_CLOUD_PROJECT/);
    expect((error as Error).cause).toBe(adcFailure);
    expect(auth.getRequestHeaders).not.toHaveBeenCalled();
  });
});

describe('requests (injected client)', () => {
  it('invoke sends the serialised argument under the workflow path', async () => {
    const client = fakeClient({
      create: {
        name: 'projects/p/locations/europe-west1/workflows/process-order/executions/abc',
        state: 'ACTIVE',
        startTime: { seconds: '1700000000', nanos: 0 },
        workflowRevisionId: '000001-a4d',
        argument: '{"orderId":12345,"at":"2024-01-01T00:00:00.000Z"}',
      },
    });
    const execution = await new ProcessOrderWorkflow({ client, projectId: 'p' }).invoke({
      orderId: 12345,
      at: new Date('2024-01-01T00:00:00Z'),
      skip: undefined,
    });
    expect(client.calls).toEqual([
      {
        method: 'createExecution',
        request: {
          parent: 'projects/p/locations/europe-west1/workflows/process-order',
          execution: { argument: '{"orderId":12345,"at":"2024-01-01T00:00:00.000Z"}' },
        },
      },
    ]);
    expect(execution).toMatchObject({ id: 'abc', state: 'ACTIVE', workflow: '000001-a4d' });
    expect(execution.startTime).toEqual(new Date(1_700_000_000_000));
  });

  it('invoke without arguments sends no argument field', async () => {
    const client = fakeClient();
    await new ProcessOrderWorkflow({ client, projectId: 'p' }).invoke();
    expect(client.calls[0]?.request).toEqual({
      parent: 'projects/p/locations/europe-west1/workflows/process-order',
      execution: {},
    });
  });

  it('invalid arguments throw before any request', async () => {
    const client = fakeClient();
    await expect(
      new ProcessOrderWorkflow({ client, projectId: 'p' }).invoke({ n: 1n }),
    ).rejects.toBeInstanceOf(InvalidWorkflowArgumentsError);
    expect(client.calls).toEqual([]);
  });

  it('an ID that cannot be an execution ID is ExecutionNotFoundError without a request', async () => {
    const client = fakeClient();
    const workflow = new ProcessOrderWorkflow({ client, projectId: 'p' });
    await expect(workflow.getExecutionStatus('../other')).rejects.toBeInstanceOf(ExecutionNotFoundError);
    await expect(workflow.cancel('')).rejects.toBeInstanceOf(ExecutionNotFoundError);
    expect(client.calls).toEqual([]);
  });
});

describe('zod schemas (injected client)', () => {
  const Args = z.object({ orderId: z.number().int(), note: z.string().default('none') });
  const Result = z.object({ total: z.number() });

  class TypedWorkflow extends Workflow.withSchemas({ argsSchema: Args, resultSchema: Result }) {
    static readonly workflowName = 'typed';
    static readonly location = 'l';
  }

  it('sends the parsed arguments (defaults applied) and rejects invalid ones before any request', async () => {
    const client = fakeClient();
    const workflow = new TypedWorkflow({ client, projectId: 'p' });
    await workflow.invoke({ orderId: 1 });
    expect(client.calls[0]?.request).toMatchObject({
      execution: { argument: '{"orderId":1,"note":"none"}' },
    });
    // @ts-expect-error orderId must be a number
    const error = await workflow.invoke({ orderId: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidWorkflowArgumentsError);
    expect((error as InvalidWorkflowArgumentsError).path).toEqual(['orderId']);
    expect(client.calls).toHaveLength(1);
  });

  it('validates and types the result', async () => {
    const ok = {
      name: 'projects/p/locations/l/workflows/typed/executions/e',
      state: 'SUCCEEDED',
      result: '{"total":3}',
    };
    const status = await new TypedWorkflow({
      client: fakeClient({ get: [ok] }),
      projectId: 'p',
    }).getExecutionStatus('e');
    const total: number | undefined = status.result?.total;
    expect(total).toBe(3);
    const bad = { ...ok, result: '{"total":"3"}' };
    await expect(
      new TypedWorkflow({ client: fakeClient({ get: [bad] }), projectId: 'p' }).getExecutionStatus('e'),
    ).rejects.toBeInstanceOf(InvalidWorkflowResultError);
  });

  it('hand-written statics work as well', async () => {
    class Manual extends Workflow<typeof Args, typeof Result> {
      static readonly workflowName = 'manual';
      static readonly location = 'l';
      static readonly argsSchema = Args;
      static readonly resultSchema = Result;
    }
    const client = fakeClient();
    await expect(new Manual({ client, projectId: 'p' }).invoke({ orderId: 1.5 })).rejects.toBeInstanceOf(
      InvalidWorkflowArgumentsError,
    );
    expect(client.calls).toEqual([]);
  });
});
