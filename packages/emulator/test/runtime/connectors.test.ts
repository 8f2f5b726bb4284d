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

  it('fails a gke.* call whose handler rejects, with the connector named in the error context', async () => {
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
    expect(errorOf(r).context).toContain('gke.request');
  });
});
