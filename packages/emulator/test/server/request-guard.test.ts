/**
 * Only the developer's own tools and pages drive the emulator: requests from other sites'
 * pages (Origin) and requests addressed to foreign names (Host, DNS rebinding) are refused;
 * tools that send no Origin, like Google's client libraries, are not affected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { createApp } from '../../src/server/app.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator.js';
import { deploy, ECHO, expectGoogleError, PARENT } from './helpers.js';

const EVIL = 'http://evil.example';

describe('Origin', () => {
  it('refuses state-changing requests from another site, and changes nothing', async () => {
    const app = createApp();
    await deploy(app, 'echo', ECHO);
    const attempts = [
      request(app)
        .post('/emulator/v1/reset')
        .set('Origin', EVIL)
        .set('Content-Type', 'text/plain')
        .send('{}'),
      request(app)
        .post('/emulator/v1/stubs')
        .set('Origin', EVIL)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ url: 'https://x.test/', body: 1 })),
      request(app)
        .post(`/v1/${PARENT}/workflows?workflowId=evil`)
        .set('Origin', EVIL)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ sourceContents: ECHO })),
      request(app)
        .post(`/v1/${PARENT}/workflows/echo/executions`)
        .set('Origin', EVIL)
        .set('Content-Type', 'text/plain')
        .send('{}'),
      request(app).post('/emulator/v1/reset').set('Origin', 'null'),
    ];
    for (const res of await Promise.all(attempts)) {
      expectGoogleError(res, 403, 'PERMISSION_DENIED', /Cross-origin request from/);
    }
    expect((await request(app).get(`/v1/${PARENT}/workflows/echo`)).status).toBe(200);
    expect((await request(app).get(`/v1/${PARENT}/workflows/evil`)).status).toBe(404);
    expect((await request(app).get('/emulator/v1/stubs')).body.stubs).toEqual([]);
    expect((await request(app).get(`/v1/${PARENT}/workflows/echo/executions`)).body.executions ?? []).toEqual(
      [],
    );
  });

  it('names the flag and environment variable that accept an origin', async () => {
    const res = await request(createApp()).post('/emulator/v1/reset').set('Origin', 'http://frontend:3000');
    expectGoogleError(
      res,
      403,
      'PERMISSION_DENIED',
      /--accept-host frontend .*WORKFLOWS_EMULATOR_ACCEPT_HOSTS=frontend/,
    );
  });

  it("accepts no Origin (Google's clients, curl), the emulator's own origin and loopback pages", async () => {
    const app = createApp();
    expect((await request(app).post('/emulator/v1/reset')).status).toBe(200);
    expect(
      (
        await request(app)
          .post('/emulator/v1/reset')
          .set('Host', '127.0.0.1:8787')
          .set('Origin', 'http://127.0.0.1:8787')
      ).status,
    ).toBe(200);
    for (const origin of [
      'http://localhost:3000',
      'http://127.0.0.1:5173',
      'http://[::1]:8080',
      'http://app.localhost',
    ]) {
      expect((await request(app).post('/emulator/v1/reset').set('Origin', origin)).status, origin).toBe(200);
    }
    // A page on another machine of the LAN is another site, even by IP address.
    expect(
      (await request(app).post('/emulator/v1/reset').set('Origin', 'http://192.168.1.9:3000')).status,
    ).toBe(403);
  });

  it('accepts pages from an accepted host', async () => {
    const app = createApp({ acceptHosts: ['frontend'] });
    expect((await request(app).post('/emulator/v1/reset').set('Origin', 'http://frontend:3000')).status).toBe(
      200,
    );
    expect((await request(app).post('/emulator/v1/reset').set('Origin', EVIL)).status).toBe(403);
  });
});

describe('Host', () => {
  it('refuses a foreign name (DNS rebinding), even for reads, naming the flag and environment variable', async () => {
    const app = createApp();
    for (const req of [
      request(app).get(`/v1/${PARENT}/workflows`).set('Host', 'evil.example:8787'),
      request(app).post('/emulator/v1/reset').set('Host', 'rebind.evil.example'),
    ]) {
      expectGoogleError(
        await req,
        403,
        'PERMISSION_DENIED',
        /host "(rebind\.)?evil\.example.*--accept-host .*WORKFLOWS_EMULATOR_ACCEPT_HOSTS=/,
      );
    }
  });

  it('accepts loopback names, IP addresses, the base URL host and accepted names', async () => {
    const app = createApp({
      baseUrl: 'http://emulator.internal:8787',
      acceptHosts: ['workflows', '.corp.example'],
    });
    for (const host of [
      'localhost:8787',
      '127.0.0.1:8787',
      '[::1]:8787',
      'api.localhost',
      '172.17.0.2:8787',
      'emulator.internal:8787',
      'workflows:8787',
      'WORKFLOWS',
      'corp.example',
      'wf.corp.example',
    ]) {
      expect((await request(app).get(`/v1/${PARENT}/workflows`).set('Host', host)).status, host).toBe(200);
    }
    for (const host of ['workflows.evil.example', 'evilcorp.example', 'workflow']) {
      expect((await request(app).get(`/v1/${PARENT}/workflows`).set('Host', host)).status, host).toBe(403);
    }
    const anyHost = createApp({ acceptHosts: ['*'] });
    expect(
      (await request(anyHost).get(`/v1/${PARENT}/workflows`).set('Host', 'whatever.example')).status,
    ).toBe(200);
  });
});

describe('requests Node refuses before express', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });

  it('a URL over 16 KB gets 431 in the error envelope (was a bare 431)', async () => {
    emulator = await startEmulator({ port: 0 });
    const res = await fetch(`${emulator.url}/v1/${PARENT}/workflows?filter=${'a'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { error: { code: number; status: string; message: string } };
    expect(body.error).toMatchObject({ code: 431, status: 'INVALID_ARGUMENT' });
    expect(body.error.message).toMatch(/exceed \d+ bytes/);
    // The server keeps serving.
    expect((await fetch(`${emulator.url}/emulator/v1/info`)).status).toBe(200);
  });

  it('a listening emulator refuses a foreign Host and accepts one given with acceptHosts', async () => {
    emulator = await startEmulator({ port: 0, acceptHosts: ['workflows'] });
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: emulator!.port, path: '/emulator/v1/info', headers: { Host: host } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await status(`workflows:${emulator.port}`)).toBe(200);
    expect(await status(`attacker.example:${emulator.port}`)).toBe(403);
    // An HTTP/1.0 tool may send no Host at all (browsers always send one).
    const statusLine = await new Promise<string>((resolve, reject) => {
      const socket = connect(emulator!.port, '127.0.0.1', () =>
        socket.write('GET /emulator/v1/info HTTP/1.0\r\n\r\n'),
      );
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('end', () => resolve(data.split('\r\n')[0] ?? ''));
      socket.on('error', reject);
    });
    expect(statusLine).toMatch(/^HTTP\/1\.[01] 200/);
  });
});
