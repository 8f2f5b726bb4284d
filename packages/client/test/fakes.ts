/**
 * Stand-ins shared by the unit tests of the Workflow class: a recording ExecutionsClient (the
 * injected-client option) and a Workflow subclass. Everything against a real server is in
 * emulator.test.ts.
 */
import type { ExecutionsClient } from '@google-cloud/workflows';
import { Workflow } from '../src/index.js';

export class ProcessOrderWorkflow extends Workflow {
  static readonly workflowName = 'process-order';
  static readonly location = 'europe-west1';
}

export interface Call {
  method: string;
  request: unknown;
}

export type Reply = Record<string, unknown>;

/** Records requests and answers from a script; only what Workflow uses. */
export function fakeClient(replies: { get?: Reply[]; create?: Reply; cancel?: Reply } = {}) {
  const calls: Call[] = [];
  const gets = [...(replies.get ?? [])];
  const client = {
    calls,
    createExecution: async (request: unknown) => {
      calls.push({ method: 'createExecution', request });
      return [
        replies.create ?? { name: 'projects/p/locations/l/workflows/w/executions/e1', state: 'ACTIVE' },
      ];
    },
    getExecution: async (request: unknown) => {
      calls.push({ method: 'getExecution', request });
      const reply = gets.length > 1 ? gets.shift() : gets[0];
      return [reply ?? { name: 'projects/p/locations/l/workflows/w/executions/e1', state: 'ACTIVE' }];
    },
    cancelExecution: async (request: unknown) => {
      calls.push({ method: 'cancelExecution', request });
      return [
        replies.cancel ?? { name: 'projects/p/locations/l/workflows/w/executions/e1', state: 'CANCELLED' },
      ];
    },
    getProjectId: async () => {
      throw new Error('the injected client must not be asked for a project in these tests');
    },
  };
  return client as typeof client & ExecutionsClient;
}
