/** `requestBody`, `bodyText` and `bodyBase64` of stub definitions (the fields recordings write). */
import { describe, expect, it } from 'vitest';
import type { HttpStubRequest } from '../../src/stubs/index.js';
import { requestBodyMatches, StubRegistry, StubValidationError } from '../../src/stubs/index.js';

const origin = { executionId: 'e', workflowId: 'w', routine: 'main', step: 's' };
function call(body: unknown, url = 'https://api.example.com/x'): HttpStubRequest {
  return {
    kind: 'http',
    method: 'POST',
    url,
    path: '/x',
    query: {},
    headers: {},
    body,
    rawBody: undefined,
    origin,
  };
}

describe('requestBodyMatches', () => {
  it('compares JSON values deeply, ignoring key order', () => {
    expect(requestBodyMatches({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(requestBodyMatches({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(requestBodyMatches({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(requestBodyMatches([1, 2], [2, 1])).toBe(false);
    expect(requestBodyMatches(null, null)).toBe(true);
    expect(requestBodyMatches(null, {})).toBe(false);
    expect(requestBodyMatches('1', 1)).toBe(false);
    expect(requestBodyMatches({ a: null }, { a: undefined })).toBe(false);
  });

  it('lets <redacted> and <ignored> match any value that is there', () => {
    expect(requestBodyMatches({ pw: '<redacted>', at: '<ignored>' }, { pw: 'x', at: { t: 1 } })).toBe(true);
    expect(requestBodyMatches({ pw: '<redacted>' }, {})).toBe(false);
    expect(requestBodyMatches(['<ignored>'], [[1, 2]])).toBe(true);
  });

  it('matches form text field by field where a marker stands for a value', () => {
    expect(requestBodyMatches('user=ann&password=<redacted>', 'user=ann&password=s3cret')).toBe(true);
    expect(requestBodyMatches('user=ann&password=<redacted>', 'user=bob&password=s3cret')).toBe(false);
    expect(requestBodyMatches('user=ann&password=<redacted>', 'password=s3cret&user=ann')).toBe(false);
    expect(requestBodyMatches('user=ann', 'user=bob')).toBe(false);
  });

  it('handles bodies nested 1000 levels deep without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1000; i++) deep = [deep];
    expect(requestBodyMatches(deep, structuredClone(deep))).toBe(true);
  });
});

describe('stub definitions with requestBody and raw bodies', () => {
  it('matches only calls whose decoded body equals requestBody', async () => {
    const stubs = new StubRegistry();
    stubs.add({
      method: 'POST',
      url: 'https://api.example.com/x',
      requestBody: { n: 1, secret: '<redacted>' },
    });
    expect((await stubs.find(call({ n: 1, secret: 'a' }))).match).toBeDefined();
    expect((await stubs.find(call({ n: 2, secret: 'a' }))).match).toBeUndefined();
    expect((await stubs.find(call(null))).match).toBeUndefined();
  });

  it('requestBody null matches calls without a body', async () => {
    const stubs = new StubRegistry();
    stubs.add({ url: 'https://api.example.com/x', requestBody: null });
    expect((await stubs.find(call(null))).match).toBeDefined();
    expect((await stubs.find(call('text'))).match).toBeUndefined();
  });

  it('sends bodyText and bodyBase64 byte for byte', async () => {
    const stubs = new StubRegistry();
    stubs.add({
      url: 'https://api.example.com/x',
      headers: { 'Content-Type': 'application/json' },
      responses: [{ bodyText: '{"price":10.0}' }, { bodyBase64: 'iVBORw==' }, { body: { a: 1 } }],
    });
    const answers: { body?: unknown }[] = [];
    for (let i = 0; i < 3; i++)
      answers.push((await (await stubs.find(call(null))).match!.respond()) as { body?: unknown });
    expect(new TextDecoder().decode(answers[0]!.body as Uint8Array)).toBe('{"price":10.0}');
    expect([...(answers[1]!.body as Uint8Array)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(answers[2]!.body).toEqual({ a: 1 });
  });

  it('refuses two kinds of body at one level, and text that is not base64', () => {
    expect(() => stubs().add({ url: 'https://a.example/x', body: {}, bodyText: 'x' })).toThrow(
      /give at most one of body, bodyExpression, bodyText, bodyBase64/,
    );
    expect(() =>
      stubs().add({ url: 'https://a.example/x', responses: [{ bodyText: 'x', bodyBase64: 'AA==' }] }),
    ).toThrow(StubValidationError);
    expect(() => stubs().add({ url: 'https://a.example/x', bodyBase64: 'not base64!' })).toThrow(
      /standard base64/,
    );
    // body with bodyExpression stays allowed, as before.
    expect(() => stubs().add({ url: 'https://a.example/x', body: {}, bodyExpression: '1' })).not.toThrow();
  });
});

const stubs = () => new StubRegistry();
