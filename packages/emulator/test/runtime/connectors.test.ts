import { describe, expect, it } from 'vitest';
import { errorOf, resultOf, run } from './harness.js';
import { valueToJs } from '../../src/values/json.js';
import type { Value } from '../../src/values/types.js';

describe('connectors', () => {
  it('answers a googleapis.* call step from the connector handler with the named args', async () => {
    const seen: unknown[] = [];
    const r = await run(
      `
main:
  steps:
    - read:
        call: googleapis.firestore.v1.projects.databases.documents.get
        args:
          name: projects/p/databases/(default)/documents/orders/1
        result: doc
    - done:
        return: \${doc.fields.status}
`,
      {
        connectors: {
          'googleapis.firestore.v1.projects.databases.documents.get': (args: Value) => {
            seen.push(valueToJs(args));
            return new Map<string, Value>([['fields', new Map<string, Value>([['status', 'paid']])]]);
          },
        },
      },
    );
    expect(resultOf(r)).toBe('paid');
    expect(seen).toEqual([{ name: 'projects/p/databases/(default)/documents/orders/1' }]);
  });

  it('lets an expression call the Secret Manager accessString helper, as Google does', async () => {
    const seen: unknown[] = [];
    const r = await run(
      `
main:
  steps:
    - init:
        assign:
          - secret: \${"k=" + googleapis.secretmanager.v1.projects.secrets.versions.accessString("api-key", "latest", "p")}
    - done:
        return: \${secret}
`,
      {
        connectors: {
          'googleapis.secretmanager.v1.projects.secrets.versions.accessString': (args: Value) => {
            seen.push(valueToJs(args));
            return 's3cret';
          },
        },
      },
    );
    expect(resultOf(r)).toBe('k=s3cret');
    expect(seen).toEqual([['api-key', 'latest', 'p']]);
  });

  it('fails an unstubbed gke.* call with ConnectionFailedError at the calling step', async () => {
    const r = await run(
      `
main:
  steps:
    - pods:
        call: gke.request
        args:
          cluster_id: c1
          path: /api/v1/pods
`,
    );
    const err = errorOf(r);
    expect(err.tags).toEqual(['ConnectionFailedError']);
    expect(err.payload).toEqual({
      tags: ['ConnectionFailedError'],
      message:
        'No stub matches connector call gke.request: the emulator does not call Google APIs. ' +
        'Register a stub with POST /emulator/v1/stubs {"connector":"gke.request","body":{...}}',
    });
    if (r.outcome.state !== 'FAILED') throw new Error('expected FAILED');
    expect(r.outcome.error.stackTrace.elements).toEqual([
      { routine: 'main', step: 'pods', position: { line: 4, column: 7, length: 4 } },
    ]);
  });

  it('a connector handler that fails with an internal error fails the execution with SystemError', async () => {
    const r = await run(
      `
main:
  steps:
    - pods:
        try:
          call: gke.request
          args:
            cluster_id: c1
        except:
          as: e
          steps:
            - caught:
                return: \${e}
`,
      {
        connectors: {
          'gke.request': () => {
            throw new Error('handler bug');
          },
        },
      },
    );
    // Not a workflow error: try/except does not see it, and the execution reports it as a SystemError.
    const err = errorOf(r);
    expect(err.tags).toEqual(['SystemError']);
    expect(err.payload).toEqual({ tags: ['SystemError'], message: 'internal error: handler bug' });
  });
});
