import { describe, it, expect } from 'vitest';
import express from 'express';
import request from 'supertest';
import { createStubsRouter } from '../../src/server/stubs-routes.js';
import { createOutboundTransport, StubRegistry } from '../../src/stubs/index.js';
import { isSecretHeader, redactUrl, REDACTED } from '../../src/stubs/redact.js';

const origin = { executionId: 'exec-1', workflowId: 'wf', routine: 'main', step: 'call' };

describe('request log redaction', () => {
  it('redacts credentials by default and shows them with raw', async () => {
    const stubs = new StubRegistry();
    stubs.add({ url: 'https://api.example.com/*', body: {} });
    const transport = createOutboundTransport({ stubs });
    const headers = {
      Authorization: 'Bearer s3cret-token',
      cookie: 'session=abc',
      'X-Goog-Api-Key': 'AIza-key',
      'x-api-key': 'k-123',
      'Content-Type': 'application/json',
      'X-Request-Id': 'r-1',
    };
    const url = 'https://api.example.com/v1/items?key=AIza-key&page=2&access_token=tok&Signature=sig#frag';
    await transport.send({
      method: 'GET',
      url,
      headers,
      timeoutMs: 1000,
      signal: new AbortController().signal,
      origin,
    });

    const [rec] = stubs.requests();
    expect(rec!.headers).toEqual({
      Authorization: REDACTED,
      Cookie: REDACTED,
      'X-Goog-Api-Key': REDACTED,
      'X-Api-Key': REDACTED,
      'Content-Type': 'application/json',
      'X-Request-Id': 'r-1',
    });
    expect(rec!.url).toBe(
      `https://api.example.com/v1/items?key=${REDACTED}&page=2&access_token=${REDACTED}&Signature=${REDACTED}#frag`,
    );
    expect(JSON.stringify(stubs.requests())).not.toMatch(/s3cret|AIza|k-123|session=abc|=tok&|=sig/);

    const [raw] = stubs.requests({ redact: false });
    expect(raw!.headers.Authorization).toBe('Bearer s3cret-token');
    expect(raw!.url).toBe(url);

    // The admin API: redacted by default, `?raw=true` for values as sent.
    const app = express().use(createStubsRouter(stubs));
    const listed = await request(app).get('/emulator/v1/requests').expect(200);
    expect(listed.body.requests[0].headers.Authorization).toBe(REDACTED);
    expect(listed.text).not.toContain('s3cret');
    const rawListed = await request(app).get('/emulator/v1/requests?raw=true').expect(200);
    expect(rawListed.body.requests[0].headers.Authorization).toBe('Bearer s3cret-token');
  });

  it('knows API-key header spellings and leaves other names alone', () => {
    for (const h of [
      'Authorization',
      'PROXY-AUTHORIZATION',
      'Cookie',
      'Set-Cookie',
      'X-Api-Key',
      'api-key',
      'apikey',
      'X_API_KEY',
      'X-Goog-Api-Key',
    ])
      expect(isSecretHeader(h), h).toBe(true);
    for (const h of ['Content-Type', 'X-Keyboard', 'Monkey', 'X-Request-Id'])
      expect(isSecretHeader(h), h).toBe(false);
    expect(redactUrl('https://h/p')).toBe('https://h/p');
    expect(redactUrl('https://h/p?a=1&b&client_secret=x')).toBe(
      `https://h/p?a=1&b&client_secret=${REDACTED}`,
    );
  });
});
