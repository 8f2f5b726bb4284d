/** The CLI spawned as a real process, from source (no build needed). */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as httpRequest } from 'node:http';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = join(PKG, 'src/cli-entry.ts');

const ECHO = `main:
  params: [args]
  steps:
    - log:
        call: sys.log
        args:
          text: \${"hello " + args.name}
          severity: INFO
    - done:
        return:
          greeting: \${"hi " + args.name}
`;
const FAIL = `main:
  steps:
    - explode:
        raise:
          message: kaboom
`;
const INVALID = `main:
  steps:
    - a:
        return: \${nope}
    - b:
        next: nowhere
`;
const POST = `main:
  params: [args]
  steps:
    - post:
        call: http.post
        args:
          url: https://api.example.com/orders
          body: \${args}
        result: resp
    - done:
        return:
          id: \${resp.body.id}
          status: \${resp.code}
`;
const CALLS = `main:
  steps:
    - log:
        call: sys.log
        args:
          text: hello
    - twice:
        call: double
        args:
          n: 2
        result: r
    - done:
        return: \${r}
double:
  params: [n]
  steps:
    - out:
        return: \${n * 2}
`;
const STUBS = `- method: POST
  url: https://api.example.com/orders
  status: 201
  body:
    id: 42
`;

interface Proc {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const procs: Proc[] = [];
const dirs: string[] = [];

function cli(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    cwd: PKG,
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none', ...env },
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

async function waitFor<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'wf-cli-'));
  dirs.push(d);
  return d;
}

afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Status of GET /emulator/v1/info sent to 127.0.0.1 with the given Host header. */
function statusWithHost(hostPort: string, host: string): Promise<number> {
  const port = Number(hostPort.split(':').pop());
  return new Promise((resolveStatus, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/emulator/v1/info', headers: { Host: host } },
      (res) => {
        res.resume();
        resolveStatus(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('workflows-emulator (server)', () => {
  it('accepts requests addressed to names given with --accept-host or WORKFLOWS_EMULATOR_ACCEPT_HOSTS', async () => {
    for (const [args, env] of [
      [['--accept-host', 'workflows'], {}],
      [[], { WORKFLOWS_EMULATOR_ACCEPT_HOSTS: 'other, workflows' }],
    ] as const) {
      const p = cli(['--port', '0', ...args], env);
      const hostPort = await waitFor(
        () => /^export WORKFLOWS_EMULATOR_HOST=(\S+)$/m.exec(p.stdout())?.[1],
        'the export line',
      );
      expect(await statusWithHost(hostPort, 'workflows:8787')).toBe(200);
      expect(await statusWithHost(hostPort, 'attacker.example')).toBe(403);
      p.child.kill('SIGTERM');
      await p.exit;
    }
  });

  it('deploys a LOCATION=DIR workflows directory to that location', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'greet.yaml'), ECHO);
    const p = cli(['--port', '0', '--workflows-dir', `europe-west1=${dir}`, '--project', 'loc-proj']);
    const hostPort = await waitFor(
      () => /^export WORKFLOWS_EMULATOR_HOST=(\S+)$/m.exec(p.stdout())?.[1],
      'the export line',
    );
    await waitFor(() => (p.stdout().includes('deployed greet') ? true : undefined), 'the deploy line');
    const inEurope = await fetch(
      `http://${hostPort}/v1/projects/loc-proj/locations/europe-west1/workflows/greet`,
    );
    expect(inEurope.status).toBe(200);
    const inDefault = await fetch(
      `http://${hostPort}/v1/projects/loc-proj/locations/us-central1/workflows/greet`,
    );
    expect(inDefault.status).toBe(404);
  });

  it('starts, deploys --workflows-dir, picks up a change, logs sys.log, and stops on SIGTERM', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'greet.yaml'), ECHO);
    await writeFile(
      join(dir, 'failing.json'),
      JSON.stringify({ main: { steps: [{ boom: { raise: 'x' } }] } }),
    );
    await writeFile(join(dir, 'broken.yml'), INVALID);
    await writeFile(join(dir, 'notes.txt'), 'not a workflow');

    const p = cli(['--port', '0', '--workflows-dir', dir, '--project', 'cli-proj']);
    const hostPort = await waitFor(
      () => /^export WORKFLOWS_EMULATOR_HOST=(\S+)$/m.exec(p.stdout())?.[1],
      'the export line',
    );
    expect(p.stdout()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const base = `http://${hostPort}/v1/projects/cli-proj/locations/us-central1`;
    const list = (await (await fetch(`${base}/workflows`)).json()) as Json;
    expect(list.workflows.map((w: { name: string }) => w.name.split('/').pop())).toEqual([
      'failing',
      'greet',
    ]);
    expect(p.stderr()).toMatch(/could not deploy broken[\s\S]*line 4, column \d+/);

    // The start-up lines link the developer UI, which lists the broken file with its positions.
    await waitFor(() => (p.stdout().includes('developer UI: ') ? true : undefined), 'the UI line');
    expect(p.stdout()).toMatch(new RegExp(`^developer UI: http://${hostPort}/`, 'm'));
    const problems = (await (await fetch(`http://${hostPort}/emulator/v1/deployProblems`)).json()) as Json;
    expect(problems.deployProblems).toEqual([
      expect.objectContaining({
        file: join(dir, 'broken.yml'),
        workflowId: 'broken',
        location: 'us-central1',
      }),
    ]);
    expect(problems.deployProblems[0].problems[0]).toMatchObject({ line: 4 });

    // sys.log shows up on the console with time, severity, workflow and short execution ID, and step.
    const ex = (await (
      await fetch(`${base}/workflows/greet/executions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ argument: JSON.stringify({ name: 'ann' }) }),
      })
    ).json()) as Json;
    const id = (ex.name as string).split('/').pop();
    const logLine = new RegExp(
      `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO +greet/${id!.slice(0, 8)} log hello ann$`,
      'm',
    );
    await waitFor(() => (logLine.test(p.stdout()) ? true : undefined), 'the log line');

    // A changed file becomes a new revision.
    await writeFile(join(dir, 'greet.yaml'), ECHO.replace('"hi "', '"hello again "'));
    const wf = await waitFor(async () => {
      const w = (await (await fetch(`${base}/workflows/greet`)).json()) as Json;
      return (w.revisionId as string).startsWith('000002-') ? w : undefined;
    }, 'the redeploy');
    expect(wf.sourceContents).toContain('hello again');
    // A new file is deployed too.
    await writeFile(join(dir, 'late.yaml'), FAIL);
    await waitFor(
      async () => ((await fetch(`${base}/workflows/late`)).status === 200 ? true : undefined),
      'new file',
    );

    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  }, 30_000);

  it('reads settings from environment variables and reports them in /emulator/v1/info', async () => {
    const p = cli([], {
      WORKFLOWS_EMULATOR_PORT: '0',
      WORKFLOWS_EMULATOR_PROJECT: 'env-proj',
      WORKFLOWS_EMULATOR_LOCATION: 'europe-west4',
    });
    const hostPort = await waitFor(
      () => /^export WORKFLOWS_EMULATOR_HOST=(\S+)$/m.exec(p.stdout())?.[1],
      'start',
    );
    const info = (await (await fetch(`http://${hostPort}/emulator/v1/info`)).json()) as Json;
    expect(info).toMatchObject({ project: 'env-proj', location: 'europe-west4', version: '0.1.0' });
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  }, 30_000);

  it('registers the step mocks of --stubs files once --workflows-dir is deployed, and stops on a bad one', async () => {
    const dir = await tempDir();
    const workflows = join(dir, 'workflows');
    await mkdir(workflows);
    await writeFile(join(workflows, 'post.yaml'), POST);
    const stubs = join(dir, 'stubs.yaml');
    await writeFile(
      stubs,
      `steps:\n  - workflow: post\n    step: post\n    return: { code: 201, body: { id: 9 } }\n`,
    );
    const p = cli(['--port', '0', '--workflows-dir', workflows, '--stubs', stubs]);
    const hostPort = await waitFor(
      () => /^export WORKFLOWS_EMULATOR_HOST=(\S+)$/m.exec(p.stdout())?.[1],
      'the export line',
    );
    expect(p.stdout()).toContain(`loaded 0 stubs and 1 step mock from ${stubs}\n`);
    const listed = (await (await fetch(`http://${hostPort}/emulator/v1/stepMocks`)).json()) as Json;
    expect(listed.stepMocks).toMatchObject([{ id: 'mock-1', workflow: 'post', step: 'post' }]);
    p.child.kill('SIGTERM');
    await p.exit;

    await writeFile(stubs, `steps:\n  - workflow: post\n    step: nope\n    return: 1\n`);
    const bad = cli(['--port', '0', '--workflows-dir', workflows, '--stubs', stubs]);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain('has no step "nope"; its steps: post, done');
  }, 60_000);

  it('names every stubs file it loaded, with its count, before the listening line', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'one.yaml'), STUBS);
    await writeFile(
      join(dir, 'two.json'),
      JSON.stringify([
        { url: 'https://two.example.com/a', body: 'a' },
        { url: 'https://two.example.com/b', body: 'b' },
      ]),
    );
    const p = cli(['--port', '0', '--stubs', join(dir, 'one.yaml')], {
      WORKFLOWS_EMULATOR_STUBS: join(dir, 'ignored-when-the-flag-is-given.yaml'),
    });
    await waitFor(() => (p.stdout().includes('export WORKFLOWS_EMULATOR_HOST=') ? true : undefined), 'start');
    expect(p.stdout().split('\n').slice(0, 2)).toEqual([
      `loaded 1 stub from ${join(dir, 'one.yaml')}`,
      expect.stringMatching(/^workflows-emulator \S+ listening on /),
    ]);

    const fromEnv = cli(['--port', '0'], {
      WORKFLOWS_EMULATOR_STUBS: [join(dir, 'one.yaml'), join(dir, 'two.json')].join(delimiter),
    });
    await waitFor(
      () => (fromEnv.stdout().includes('export WORKFLOWS_EMULATOR_HOST=') ? true : undefined),
      'start',
    );
    expect(fromEnv.stdout()).toContain(
      `loaded 1 stub from ${join(dir, 'one.yaml')}\nloaded 2 stubs from ${join(dir, 'two.json')}\n`,
    );

    const none = cli(['--port', '0'], { WORKFLOWS_EMULATOR_STUBS: '' });
    await waitFor(
      () => (none.stdout().includes('export WORKFLOWS_EMULATOR_HOST=') ? true : undefined),
      'start',
    );
    expect(none.stdout()).toMatch(/^no stubs files loaded/m);
  }, 30_000);

  it('takes the retention bounds from --retain-* or WORKFLOWS_EMULATOR_RETAIN_*, prints them and reports them in /emulator/v1/info', async () => {
    const p = cli(
      ['--port', '0', '--retain-executions', '50', '--retain-requests', '7', '--retain-logs', '9'],
      {
        WORKFLOWS_EMULATOR_RETAIN_EXECUTIONS_MB: '64',
        WORKFLOWS_EMULATOR_RETAIN_EXECUTIONS: '999',
        WORKFLOWS_EMULATOR_RETAIN_OPERATIONS: '20',
        WORKFLOWS_EMULATOR_RETAIN_REVISIONS: '3',
      },
    );
    const hostPort = await waitFor(
      () => /^export WORKFLOWS_EMULATOR_HOST=(\S+)$/m.exec(p.stdout())?.[1],
      'start',
    );
    await waitFor(() => (p.stdout().includes('keeps the last') ? true : undefined), 'the retention line');
    expect(p.stdout()).toMatch(
      /^keeps the last 50 finished executions \(in about 64 MB\), 20 operations, 3 revisions per workflow, 7 outbound requests and 9 log entries \(--retain-\*/m,
    );
    const info = (await (await fetch(`http://${hostPort}/emulator/v1/info`)).json()) as Json;
    expect(info.retention).toEqual({
      executions: { limit: 50, retained: 0, evicted: 0, limitMb: 64, approximateMb: 0 },
      operations: { limit: 20, retained: 0, evicted: 0 },
      revisions: { limit: 3, retained: 0, evicted: 0 },
      requests: { limit: 7, retained: 0, evicted: 0 },
      logs: { limit: 9, retained: 0, evicted: 0 },
    });
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);

    const badFlag = cli(['--port', '0', '--retain-executions', '0']);
    expect(await badFlag.exit).toBe(2);
    expect(badFlag.stderr()).toMatch(/--retain-executions must be a positive whole number, got "0"/);
    const badEnv = cli(['--port', '0'], { WORKFLOWS_EMULATOR_RETAIN_REVISIONS: 'lots' });
    expect(await badEnv.exit).toBe(2);
    expect(badEnv.stderr()).toMatch(
      /WORKFLOWS_EMULATOR_RETAIN_REVISIONS must be a positive whole number, got "lots"/,
    );
    const help = cli(['--help']);
    expect(await help.exit).toBe(0);
    expect(help.stdout()).toMatch(
      /--retain-executions N[\s\S]*WORKFLOWS_EMULATOR_RETAIN_EXECUTIONS, default 10000/,
    );
  }, 30_000);

  /** The `routine.step stepType` of each entry of one execution of calls.yaml, on a CLI started with `args`. */
  async function callStepTypes(args: string[], env: Record<string, string> = {}): Promise<string[]> {
    const dir = await tempDir();
    await writeFile(join(dir, 'calls.yaml'), CALLS);
    const p = cli(['--port', '0', '--workflows-dir', dir, ...args], env);
    const hostPort = await waitFor(
      () => /^export WORKFLOWS_EMULATOR_HOST=(\S+)$/m.exec(p.stdout())?.[1],
      'the export line',
    );
    const base = `http://${hostPort}/v1/projects/my-project/locations/us-central1/workflows/calls/executions`;
    const ex = (await (await fetch(base, { method: 'POST', body: '{}' })).json()) as Json;
    await waitFor(async () => {
      const now = (await (await fetch(`http://${hostPort}/v1/${ex.name as string}`)).json()) as Json;
      return now.state === 'SUCCEEDED' ? true : undefined;
    }, 'the execution');
    const list = (await (
      await fetch(`http://${hostPort}/v1/${ex.name as string}/stepEntries`)
    ).json()) as Json;
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    return (list.stepEntries as Json[]).map((e) => `${e.routine}.${e.step} ${e.stepType}`);
  }
  const FINE = [
    'main.log STEP_STD_LIB_CALL',
    'main.twice STEP_SUBWORKFLOW_CALL',
    'double.out STEP_RETURN',
    'main.done STEP_RETURN',
  ];

  it('records call steps with the finer step types given --fine-call-step-types, else as STEP_CALL', async () => {
    expect(await callStepTypes(['--fine-call-step-types'])).toEqual(FINE);
    // Without it, every call step is a STEP_CALL, the one type Google's REST reference documents.
    expect(await callStepTypes([])).toEqual([
      'main.log STEP_CALL',
      'main.twice STEP_CALL',
      'double.out STEP_RETURN',
      'main.done STEP_RETURN',
    ]);
  }, 60_000);

  it('takes WORKFLOWS_EMULATOR_FINE_CALL_STEP_TYPES=true for the flag, refuses other values, and run refuses the flag', async () => {
    expect(await callStepTypes([], { WORKFLOWS_EMULATOR_FINE_CALL_STEP_TYPES: 'true' })).toEqual(FINE);
    const bad = cli(['--port', '0'], { WORKFLOWS_EMULATOR_FINE_CALL_STEP_TYPES: 'sometimes' });
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain(
      'WORKFLOWS_EMULATOR_FINE_CALL_STEP_TYPES must be true or false, got "sometimes"',
    );
    const dir = await tempDir();
    await writeFile(join(dir, 'calls.yaml'), CALLS);
    const run = cli(['run', join(dir, 'calls.yaml'), '--fine-call-step-types']);
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toContain('--fine-call-step-types is not an option of run');
  }, 60_000);

  it('exits 2 on a bad option or a missing directory', async () => {
    const bad = cli(['--colour', 'red']);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toMatch(/colour/);
    const missing = cli(['--port', '0', '--workflows-dir', '/definitely/not/here']);
    expect(await missing.exit).toBe(2);
    expect(missing.stderr()).toMatch(/not a directory/);
  }, 30_000);
});

describe('workflows-emulator run', () => {
  it('prints the result JSON and exits 0', async () => {
    const dir = await tempDir();
    const file = join(dir, 'greet.yaml');
    await writeFile(file, ECHO);
    const p = cli(['run', file, '--argument', '{"name":"bob"}']);
    expect(await p.exit).toBe(0);
    expect(JSON.parse(p.stdout())).toEqual({ greeting: 'hi bob' });
    // Log lines go to stderr so stdout stays parseable.
    expect(p.stderr()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO +greet\/[0-9a-f]{8} log hello bob$/m);
  }, 30_000);

  it('prints the error payload and context on stderr and exits 1', async () => {
    const dir = await tempDir();
    const file = join(dir, 'fail.yaml');
    await writeFile(file, FAIL);
    const p = cli(['run', file]);
    expect(await p.exit).toBe(1);
    expect(p.stdout()).toBe('');
    expect(p.stderr()).toMatch(/FAILED/);
    expect(p.stderr()).toMatch(/payload: .*kaboom/);
    expect(p.stderr()).toMatch(/in step "explode", routine "main", line: \d+/);
  }, 30_000);

  it('prints each problem with line and column and exits 2', async () => {
    const dir = await tempDir();
    const file = join(dir, 'broken.yaml');
    await writeFile(file, INVALID);
    const p = cli(['run', file]);
    expect(await p.exit).toBe(2);
    expect(p.stderr()).toMatch(/line 4, column \d+: .*nope/);
    expect(p.stderr()).toMatch(/line 6, column \d+: .*nowhere/);
  }, 30_000);

  it('answers http.post from --stubs', async () => {
    const dir = await tempDir();
    const file = join(dir, 'post.yaml');
    const stubs = join(dir, 'stubs.yaml');
    await writeFile(file, POST);
    await writeFile(stubs, STUBS);
    const p = cli(['run', file, '--stubs', stubs, '--argument', '{"item":"book"}']);
    expect(await p.exit).toBe(0);
    expect(JSON.parse(p.stdout())).toEqual({ id: 42, status: 201 });
  }, 30_000);

  it('mocks steps from the steps section of a --stubs file, and the --stubs-case named', async () => {
    const dir = await tempDir();
    const file = join(dir, 'post.yaml');
    const stubs = join(dir, 'stubs.yaml');
    await writeFile(file, POST);
    await writeFile(
      stubs,
      `steps:
  - workflow: post
    step: post
    return: { code: 201, body: { id: 1 } }
cases:
  conflict:
    steps:
      - workflow: post
        step: post
        httpError: { code: 409, body: taken }
`,
    );
    const plain = cli(['run', file, '--stubs', stubs]);
    expect(await plain.exit).toBe(0);
    expect(JSON.parse(plain.stdout())).toEqual({ id: 1, status: 201 });

    const conflict = cli(['run', file, '--stubs', stubs, '--stubs-case', 'conflict']);
    expect(await conflict.exit).toBe(1);
    expect(conflict.stderr()).toContain('"code":409');
    expect(conflict.stderr()).toContain('"tags":["HttpError"]');

    const unknown = cli(['run', file, '--stubs', stubs], { WORKFLOWS_EMULATOR_STUBS_CASE: 'nope' });
    expect(await unknown.exit).toBe(2);
    expect(unknown.stderr()).toContain('--stubs-case nope: no stubs file has that case');

    await writeFile(stubs, `steps:\n  - workflow: post\n    step: send\n    return: 1\n`);
    const missing = cli(['run', file, '--stubs', stubs]);
    expect(await missing.exit).toBe(2);
    expect(missing.stderr()).toContain(
      `invalid step mock of ${stubs} at index 0: routine "main" of workflow "post" (us-central1) has no step "send"; its steps: post, done`,
    );
  }, 60_000);

  it('loads every --stubs file it is given', async () => {
    const dir = await tempDir();
    const file = join(dir, 'two.yaml');
    await writeFile(
      file,
      `main:
  steps:
    - a:
        call: http.get
        args:
          url: https://one.example.com/a
        result: ra
    - b:
        call: http.get
        args:
          url: https://two.example.com/b
        result: rb
    - done:
        return: \${[ra.body, rb.body]}
`,
    );
    await writeFile(join(dir, 'one.yaml'), '- url: https://one.example.com/a\n  body: first\n');
    await writeFile(
      join(dir, 'two.json'),
      JSON.stringify([{ url: 'https://two.example.com/b', body: 'second' }]),
    );
    const p = cli(['run', file, '--stubs', join(dir, 'one.yaml'), '--stubs', join(dir, 'two.json')]);
    expect(await p.exit).toBe(0);
    expect(JSON.parse(p.stdout())).toEqual(['first', 'second']);
  }, 30_000);

  it('exits 2 for an argument that is not JSON or a missing file', async () => {
    const dir = await tempDir();
    const file = join(dir, 'greet.yaml');
    await writeFile(file, ECHO);
    const p = cli(['run', file, '--argument', '{name:bob}']);
    expect(await p.exit).toBe(2);
    expect(p.stderr()).toMatch(/not valid JSON/);
    const missing = cli(['run', join(dir, 'nope.yaml')]);
    expect(await missing.exit).toBe(2);
  }, 30_000);
});

describe('workflows-emulator log lines', () => {
  const CALLS = `main:
  steps:
    - fetch:
        call: http.post
        args:
          url: https://api.example.com/orders
          headers:
            Authorization: Bearer secret
          body: {n: 1}
        result: resp
    - warn:
        call: sys.log
        args:
          json:
            id: \${resp.body.id}
          severity: WARNING
    - done:
        return: \${resp.body.id}
`;
  const ESC = '\u001b[';
  const lines = (text: string) => text.split('\n').filter(Boolean);

  it('prints one JSON LogEntry per line with --log-format json, call steps with --call-log-level', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'order.yaml'), CALLS);
    await writeFile(join(dir, 'stubs.yaml'), STUBS);
    const p = cli([
      'run',
      join(dir, 'order.yaml'),
      '--stubs',
      join(dir, 'stubs.yaml'),
      '--log-format',
      'json',
      '--call-log-level',
      'LOG_ALL_CALLS',
    ]);
    expect(await p.exit).toBe(0);
    expect(p.stdout()).toBe('42\n');
    const entries = lines(p.stderr()).map((l) => JSON.parse(l) as Json);
    expect(
      entries.map((e) => [e.severity, e.jsonPayload?.state ?? null, e.logName.split('/logs/')[1]]),
    ).toEqual([
      ['INFO', 'ACTIVE', 'workflows.googleapis.com%2Fexecutions_system'],
      ['DEBUG', 'BEGUN', 'workflows.googleapis.com%2Fengine_call'],
      ['DEBUG', 'SUCCEEDED', 'workflows.googleapis.com%2Fengine_call'],
      ['DEBUG', 'BEGUN', 'workflows.googleapis.com%2Fengine_call'],
      ['WARNING', null, 'Workflows'],
      ['DEBUG', 'SUCCEEDED', 'workflows.googleapis.com%2Fengine_call'],
      ['INFO', 'SUCCEEDED', 'workflows.googleapis.com%2Fexecutions_system'],
    ]);
    expect(entries[1]!.jsonPayload.begun.namedArgs.headers).toEqual({ Authorization: '<redacted>' });
    expect(entries[4]!.jsonPayload).toEqual({ id: 42 });
    expect(p.stderr()).not.toContain('secret');
  }, 30_000);

  it('filters with --log-level and colours only when asked (FORCE_COLOR) or on a terminal', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'order.yaml'), CALLS);
    await writeFile(join(dir, 'stubs.yaml'), STUBS);
    const args = ['run', join(dir, 'order.yaml'), '--stubs', join(dir, 'stubs.yaml')];
    const plain = cli([...args, '--call-log-level', 'LOG_ALL_CALLS'], { FORCE_COLOR: '0', NO_COLOR: '' });
    expect(await plain.exit).toBe(0);
    const text = lines(plain.stderr());
    expect(text).toHaveLength(7);
    expect(plain.stderr()).not.toContain(ESC);
    expect(text[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO +order\/[0-9a-f]{8} execution started$/);
    expect(text[1]).toMatch(
      /^\S+ DEBUG +order\/[0-9a-f]{8} fetch call http\.post BEGUN \{"url":"https:\/\/api\.example\.com\/orders","headers":\{"Authorization":"<redacted>"\},"body":\{"n":1\}\}$/,
    );
    expect(text[4]).toMatch(/^\S+ WARNING +order\/[0-9a-f]{8} warn \{"id":42\}$/);
    expect(text[6]).toMatch(/^\S+ INFO +order\/[0-9a-f]{8} SUCCEEDED in \d+ ms → 42$/);

    const warnings = cli([...args, '--log-level', 'warning'], { FORCE_COLOR: '0' });
    expect(await warnings.exit).toBe(0);
    expect(lines(warnings.stderr())).toEqual([
      expect.stringMatching(/ WARNING +order\/\S+ warn \{"id":42\}$/),
    ]);

    const coloured = cli([...args, '--log-level', 'WARNING'], { FORCE_COLOR: '1' });
    expect(await coloured.exit).toBe(0);
    expect(coloured.stderr()).toContain(`${ESC}33mWARNING`);
    const noColor = cli([...args, '--log-level', 'WARNING'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(await noColor.exit).toBe(0);
    expect(noColor.stderr()).not.toContain(ESC);
  }, 30_000);

  it('ends a failed execution with one line: state, duration and the error', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'fail.yaml'), FAIL);
    const p = cli(['run', join(dir, 'fail.yaml'), '--log-level', 'ERROR'], { FORCE_COLOR: '0' });
    expect(await p.exit).toBe(1);
    expect(lines(p.stderr())[0]).toMatch(
      /^\S+ ERROR +fail\/[0-9a-f]{8} FAILED in \d+ ms: kaboom \(at main\.explode\)$/,
    );
  }, 30_000);

  it('refuses an unknown --log-format, --log-level or --call-log-level', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'fail.yaml'), FAIL);
    const format = cli(['run', join(dir, 'fail.yaml'), '--log-format', 'xml']);
    expect(await format.exit).toBe(2);
    expect(format.stderr()).toMatch(/--log-format must be one of text, json, got "xml"/);
    const level = cli(['--port', '0', '--log-level', 'LOUD']);
    expect(await level.exit).toBe(2);
    expect(level.stderr()).toMatch(/--log-level must be a severity/);
    const call = cli(['run', join(dir, 'fail.yaml'), '--call-log-level', 'EVERYTHING']);
    expect(await call.exit).toBe(2);
    expect(call.stderr()).toMatch(/call_log_level/);
  }, 30_000);
});
