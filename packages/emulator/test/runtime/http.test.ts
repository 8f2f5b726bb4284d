/** Request-side details of `http.*` calls (https://cloud.google.com/workflows/docs/reference/stdlib/http/request) that the case files cannot see. */
import { describe, expect, it } from 'vitest';
import { errorOf, resultOf, run } from './harness.js';

const DEFAULT_UA = 'GoogleCloudWorkflows; (+https://cloud.google.com/workflows/docs)';
const decode = (b?: Uint8Array) => (b ? new TextDecoder().decode(b) : undefined);
const header = (h: Record<string, string>, name: string) =>
  Object.entries(h).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

describe('http requests', () => {
  it('GET appends the query map to the URL and sends the given headers and the default User-Agent', async () => {
    const r = await run(
      `
main:
  steps:
    - fetch:
        call: http.get
        args:
          url: https://api.example.com/items
          query:
            page: 2
            q: "red shoes"
            tag: ["a", "b"]
          headers:
            X-Api-Key: "k-123"
        result: resp
    - done:
        return: \${resp.code}
`,
      {
        routes: [
          { method: 'GET', url: 'https://api.example.com/items', responses: [{ body: { ok: true } }] },
        ],
      },
    );
    expect(resultOf(r)).toBe(200);
    expect(r.requests).toHaveLength(1);
    const req = r.requests[0]!;
    expect(req.method).toBe('GET');
    const url = new URL(req.url);
    expect(url.origin + url.pathname).toBe('https://api.example.com/items');
    expect(url.searchParams.get('page')).toBe('2');
    expect(url.searchParams.get('q')).toBe('red shoes');
    // A list value repeats the key (https://cloud.google.com/workflows/docs/reference/stdlib/http/request).
    expect(url.searchParams.getAll('tag')).toEqual(['a', 'b']);
    expect(header(req.headers, 'X-Api-Key')).toBe('k-123');
    expect(header(req.headers, 'User-Agent')).toBe(DEFAULT_UA);
    expect(req.body === undefined || req.body.byteLength === 0).toBe(true);
    expect(req.origin).toMatchObject({
      routine: 'main',
      step: 'fetch',
      workflowId: 'wf',
      executionId: 'exec-1',
    });
    expect(req.timeoutMs).toBe(300_000);
  });

  it('a caller User-Agent gets the default appended after a space', async () => {
    const r = await run(
      `
main:
  steps:
    - fetch:
        call: http.get
        args:
          url: https://api.example.com/ua
          headers:
            User-Agent: "my-agent/1.0"
`,
      { routes: [{ url: 'https://api.example.com/ua', responses: [{ status: 200 }] }] },
    );
    expect(resultOf(r)).toBeNull();
    expect(header(r.requests[0]!.headers, 'User-Agent')).toBe(`my-agent/1.0 ${DEFAULT_UA}`);
  });

  it('POST JSON-encodes a map body with Content-Type application/json; charset=utf-8', async () => {
    const r = await run(
      `
main:
  params: [input]
  steps:
    - create:
        call: http.post
        args:
          url: https://api.example.com/orders
          timeout: 12.5
          body:
            sku: \${input.sku}
            quantity: \${input.qty}
            ratio: \${input.qty / 2}
            gift: false
            note: null
            lines: [1, "two"]
        result: resp
    - done:
        return: \${resp.body.id}
`,
      {
        argument: { sku: 'A-1', qty: 3 },
        routes: [
          {
            method: 'POST',
            url: 'https://api.example.com/orders',
            responses: [{ status: 201, body: { id: 'o-1' } }],
          },
        ],
      },
    );
    expect(resultOf(r)).toBe('o-1');
    const req = r.requests[0]!;
    expect(req.method).toBe('POST');
    expect(header(req.headers, 'Content-Type')).toBe('application/json; charset=utf-8');
    expect(JSON.parse(decode(req.body)!)).toEqual({
      sku: 'A-1',
      quantity: 3,
      ratio: 1.5,
      gift: false,
      note: null,
      lines: [1, 'two'],
    });
    expect(req.timeoutMs).toBe(12_500);
  });

  it('bytes are sent as application/octet-stream; a text/* Content-Type sends a string as is', async () => {
    const r = await run(
      `
main:
  steps:
    - raw:
        call: http.put
        args:
          url: https://api.example.com/blob
          body: \${text.encode("héllo")}
    - plain:
        call: http.post
        args:
          url: https://api.example.com/note
          headers:
            Content-Type: text/plain
          body: "just text"
`,
      {
        routes: [
          { method: 'PUT', url: 'https://api.example.com/blob', responses: [{ status: 200 }] },
          { method: 'POST', url: 'https://api.example.com/note', responses: [{ status: 200 }] },
        ],
      },
    );
    expect(resultOf(r)).toBeNull();
    const [blob, note] = r.requests;
    expect(header(blob!.headers, 'Content-Type')).toBe('application/octet-stream');
    expect(decode(blob!.body)).toBe('héllo');
    expect(header(note!.headers, 'Content-Type')).toBe('text/plain');
    expect(decode(note!.body)).toBe('just text');
  });

  it('http.request uses the method argument; http.delete sends DELETE', async () => {
    const r = await run(
      `
main:
  steps:
    - patch:
        call: http.request
        args:
          method: PATCH
          url: https://api.example.com/things/1
          body: { a: 1 }
    - del:
        call: http.delete
        args:
          url: https://api.example.com/things/1
`,
      {
        routes: [
          { method: 'PATCH', url: 'https://api.example.com/things/1', responses: [{ status: 200 }] },
          { method: 'DELETE', url: 'https://api.example.com/things/1', responses: [{ status: 204 }] },
        ],
      },
    );
    expect(resultOf(r)).toBeNull();
    expect(r.requests.map((q) => q.method)).toEqual(['PATCH', 'DELETE']);
  });
});

describe('http argument checks', () => {
  it('rejects a port in the URL with private_service_name, and a non-bytes ca_certificate', async () => {
    for (const extra of [
      'private_service_name: projects/p/locations/l/namespaces/n/services/s',
      'ca_certificate: "abc"',
    ]) {
      const r = await run(
        `
main:
  steps:
    - get:
        call: http.get
        args:
          url: https://x.test:8080/a
          ${extra}
`,
        { routes: [{ url: 'https://x.test:8080/a', responses: [{ status: 200, body: {} }] }] },
      );
      expect(errorOf(r).tags).toEqual(['ValueError']);
      expect(r.requests).toHaveLength(0);
    }
  });
});

describe('http calls with positional args', () => {
  it('bind a list of args to the documented parameter order', async () => {
    const r = await run(
      `
main:
  steps:
    - get:
        call: http.get
        args: ["https://api.example.com/items", 30]
        result: resp
    - done:
        return: \${resp.body}
`,
      { routes: [{ url: 'https://api.example.com/items', responses: [{ status: 200, body: [1, 2] }] }] },
    );
    expect(resultOf(r)).toEqual([1, 2]);
    expect(r.requests[0]?.timeoutMs).toBe(30_000);
  });
});
