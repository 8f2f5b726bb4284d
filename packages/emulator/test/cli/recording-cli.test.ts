/**
 * `--recording` / `--record-mode` of the real CLI process (from source), against an express
 * service on 127.0.0.1 that the test starts: record, stop the service, replay, same result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = join(PKG, 'src/cli-entry.ts');

// Charges an order, then reads a counter twice: two identical calls with different answers.
const WORKFLOW = `main:
  params: [args]
  steps:
    - charge:
        call: http.post
        args:
          url: \${args.base + "/charge"}
          headers:
            Authorization: Bearer live-secret
          body:
            amount: \${args.amount}
        result: charged
    - first:
        call: http.get
        args:
          url: \${args.base + "/counter"}
        result: c1
    - second:
        call: http.get
        args:
          url: \${args.base + "/counter"}
        result: c2
    - done:
        return:
          id: \${charged.body.id}
          code: \${charged.code}
          counters: \${[c1.body.counter, c2.body.counter]}
          price: \${c2.body.price}
          priceType: \${get_type(c2.body.price)}
`;

interface Proc {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const procs: Proc[] = [];
const dirs: string[] = [];
const servers: Server[] = [];

function cli(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    cwd: PKG,
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none', CI: '', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const p = { child, stdout: () => out, stderr: () => err, exit };
  procs.push(p);
  return p;
}

afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const s of servers.splice(0)) if (s.listening) await stop(s);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

async function startService(): Promise<{ base: string; server: Server; hits: string[] }> {
  const app = express();
  app.use(express.json());
  const hits: string[] = [];
  let counter = 0;
  app.post('/charge', (req, res) => {
    hits.push(`POST /charge ${req.get('authorization') ?? ''}`);
    res.status(201).json({ id: `ch_${(req.body as { amount: number }).amount}` });
  });
  app.get('/counter', (_req, res) => {
    hits.push('GET /counter');
    counter++;
    res.type('application/json').send(`{"counter": ${counter}, "price": 10.0}`);
  });
  const server: Server = await new Promise((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  servers.push(server);
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'wf-cli-rec-'));
  dirs.push(d);
  return d;
}

async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const EXPECTED = { id: 'ch_5', code: 201, counters: [1, 2], price: 10.0, priceType: 'double' };

describe('workflows-emulator run --recording', () => {
  it('records, and replays with the service stopped: the same result', async () => {
    const dir = await tempDir();
    const wf = join(dir, 'charge.yaml');
    const recording = join(dir, 'recordings', 'charge.yaml');
    await writeFile(wf, WORKFLOW);
    const service = await startService();
    const argument = JSON.stringify({ base: service.base, amount: 5 });

    const rec = cli([
      'run',
      wf,
      '--argument',
      argument,
      '--recording',
      recording,
      '--record-mode',
      'record',
      '--redact',
      'X-Powered-By',
      '--ignore-body-field',
      'amount',
    ]);
    expect(await rec.exit).toBe(0);
    expect(JSON.parse(rec.stdout())).toEqual(EXPECTED);
    expect(rec.stderr()).toContain(`recorded 3 calls into ${recording}`);
    expect(service.hits).toEqual(['POST /charge Bearer live-secret', 'GET /counter', 'GET /counter']);
    const text = await readFile(recording, 'utf8');
    expect(text).not.toContain('live-secret');
    expect(text).toContain('amount: <ignored>');
    expect(text).toContain('X-Powered-By: <redacted>');

    await stop(service.server);
    // Log lines (the execution's start and end) are left out: stderr then holds anything else.
    const replay = cli(['run', wf, '--argument', argument, '--log-level', 'WARNING'], {
      WORKFLOWS_EMULATOR_RECORDING: recording,
      WORKFLOWS_EMULATOR_RECORD_MODE: 'replay',
    });
    expect(await replay.exit).toBe(0);
    expect(replay.stdout()).toBe(rec.stdout());
    expect(replay.stderr()).toBe('');
    expect(await readFile(recording, 'utf8')).toBe(text); // replay never writes
  }, 30_000);

  it('fails a call that is not recorded, naming its method and URL; replay is the default under CI', async () => {
    const dir = await tempDir();
    const wf = join(dir, 'charge.yaml');
    await writeFile(wf, WORKFLOW);
    const argument = JSON.stringify({ base: 'http://127.0.0.1:9', amount: 7 });
    const p = cli(['run', wf, '--argument', argument, '--recording', join(dir, 'none.yaml')], { CI: 'true' });
    expect(await p.exit).toBe(1);
    expect(p.stderr()).toContain('ConnectionFailedError');
    expect(p.stderr()).toContain(
      'No recorded call matches POST http://127.0.0.1:9/charge (record mode replay',
    );
    expect(p.stderr()).toContain('--record-mode record-missing');
  }, 30_000);

  it('refuses a bad mode, and a mode without a recording', async () => {
    const bad = cli(['--port', '0', '--recording', 'r.yaml', '--record-mode', 'sometimes']);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain(
      '--record-mode must be one of replay, record, record-missing, passthrough',
    );
    const alone = cli(['--record-mode', 'replay']);
    expect(await alone.exit).toBe(2);
    expect(alone.stderr()).toContain('--record-mode needs --recording FILE');
  }, 30_000);
});

describe('workflows-emulator (server) --recording', () => {
  async function runOnServer(hostPort: string, base: string): Promise<unknown> {
    const api = `http://${hostPort}/v1/projects/my-project/locations/us-central1/workflows/charge/executions`;
    const created = (await (
      await fetch(api, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ argument: JSON.stringify({ base, amount: 5 }) }),
      })
    ).json()) as { name: string };
    const done = await waitFor(async () => {
      const e = (await (await fetch(`http://${hostPort}/v1/${created.name}`)).json()) as {
        state: string;
        result?: string;
        error?: unknown;
      };
      return e.state === 'ACTIVE' ? undefined : e;
    }, 'the execution');
    expect(done.state, JSON.stringify(done.error)).toBe('SUCCEEDED');
    return JSON.parse(done.result!);
  }

  async function serve(dir: string, recording: string, mode: string): Promise<{ p: Proc; hostPort: string }> {
    const p = cli(['--port', '0', '--workflows-dir', dir, '--recording', recording, '--record-mode', mode]);
    const hostPort = await waitFor(
      () => /^export WORKFLOWS_EMULATOR_HOST=(\S+)$/m.exec(p.stdout())?.[1],
      'the export line',
    );
    return { p, hostPort };
  }

  it('records while serving (saved as calls come), and replays after a restart with the service stopped', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'charge.yaml'), WORKFLOW);
    const recording = join(await tempDir(), 'server.yaml');
    const service = await startService();

    const recorder = await serve(dir, recording, 'record');
    expect(recorder.p.stdout()).toContain(`recording calls into ${recording} (record mode record`);
    expect(await runOnServer(recorder.hostPort, service.base)).toEqual(EXPECTED);
    // Saved after each call: the file is complete before the server stops.
    await waitFor(async () => {
      const text = await readFile(recording, 'utf8').catch(() => '');
      return (text.match(/status: /g) ?? []).length === 3 ? true : undefined;
    }, 'the saved recording');
    recorder.p.child.kill('SIGTERM');
    expect(await recorder.p.exit).toBe(0);
    await stop(service.server);

    const replayer = await serve(dir, recording, 'replay');
    expect(replayer.p.stdout()).toContain(`replaying 3 recorded answers from ${recording}`);
    expect(await runOnServer(replayer.hostPort, service.base)).toEqual(EXPECTED);
    const log = (await (await fetch(`http://${replayer.hostPort}/emulator/v1/requests`)).json()) as {
      requests: { outcome: string }[];
    };
    expect(log.requests.map((r) => r.outcome)).toEqual(['replay', 'replay', 'replay']);
    replayer.p.child.kill('SIGTERM');
    expect(await replayer.p.exit).toBe(0);
    expect(service.hits).toHaveLength(3);
  }, 40_000);
});
