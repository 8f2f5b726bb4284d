/**
 * A listening emulator with one workflow deployed through Google's own client, for tests of the
 * emulator's routes over real HTTP.
 */
import { ExecutionsClient, WorkflowsClient } from '@google-cloud/workflows';
import { startEmulator, type RunningEmulator } from '../../src/emulator.js';
import { officialClientOptions } from './official-client-options.js';
import type { Json } from './helpers.js';

export const PROJECT = 'my-project';
export const LOCATION = 'us-central1';

export interface ListeningEmulator {
  emulator: RunningEmulator;
  executions: ExecutionsClient;
  /** A JSON request to the emulator: its status and JSON body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  /** Polls the execution with Google's client until it has ended. */
  finished(name: string): Promise<Json>;
  close(): Promise<void>;
}

export async function listeningEmulator(workflowId: string, source: string): Promise<ListeningEmulator> {
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  const opts = officialClientOptions(emulator.port);
  const workflows = new WorkflowsClient(opts);
  const executions = new ExecutionsClient(opts);
  const [op] = await workflows.createWorkflow({
    parent: workflows.locationPath(PROJECT, LOCATION),
    workflowId,
    workflow: { sourceContents: source },
  });
  await op.promise();
  return {
    emulator,
    executions,
    async call(method, path, body) {
      const res = await fetch(`${emulator.url}${path}`, {
        method,
        ...(body !== undefined && {
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        }),
      });
      return { status: res.status, body: (await res.json()) as Json };
    },
    async finished(name) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [ex] = await executions.getExecution({ name });
        if (ex.state !== 'ACTIVE' && ex.state !== 'QUEUED') return ex;
        if (Date.now() > deadline) throw new Error('the execution did not end');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await workflows.close();
      await executions.close();
      await emulator.stop();
    },
  };
}
