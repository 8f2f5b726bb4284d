/**
 * `--coverage DIR` of the real CLI process (from source): executions over REST, coverage read live
 * and written when the process stops; then `workflows-emulator coverage report` on what it wrote.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowCoverageData } from '../../src/runtime/coverage.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = join(PKG, 'src/cli-entry.ts');

const lcovParse = createRequire(import.meta.url)('lcov-parse') as (
  input: string,
  cb: (err: string | null, data?: { file: string; lines: { found: number; hit: number } }[]) => void,
) => void;

const ORDER = `main:
  params: [order]
  steps:
    - check:
        switch:
          - condition: \${order.total > 100}
            next: review
    - ship:
        return: "shipped"
    - review:
        return: "review"
`;

const INLINE = `main:
  steps:
    - hello:
        return: "hi"
`;

interface Proc {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const procs: Proc[] = [];
const dirs: string[] = [];

function cli(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    cwd: PKG,
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
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
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'wf-cli-cov-'));
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

async function execute(hostPort: string, workflow: string, argument: unknown): Promise<string> {
  const api = `http://${hostPort}/v1/projects/my-project/locations/us-central1/workflows/${workflow}/executions`;
  const created = (await (
    await fetch(api, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ argument: JSON.stringify(argument) }),
    })
  ).json()) as { name: string };
  const done = await waitFor(async () => {
    const e = (await (await fetch(`http://${hostPort}/v1/${created.name}`)).json()) as {
      state: string;
      result?: string;
    };
    return e.state === 'ACTIVE' ? undefined : e;
  }, 'the execution');
  expect(done.state).toBe('SUCCEEDED');
  return done.result!;
}

describe('workflows-emulator --coverage', () => {
  it('collects the coverage of every execution and writes it when stopped; coverage report turns it into reports', async () => {
    const dir = await tempDir();
    const covDir = join(await tempDir(), 'cov');
    const orderFile = join(dir, 'order.yaml');
    await writeFile(orderFile, ORDER);
    const p = cli(['--port', '0', '--workflows-dir', dir, '--coverage', covDir]);
    const hostPort = await waitFor(
      () => /^export WORKFLOWS_EMULATOR_HOST=(\S+)$/m.exec(p.stdout())?.[1],
      'the export line',
    );
    expect(p.stdout()).toContain(
      `collecting workflow coverage: written to ${covDir} when the emulator stops`,
    );
    // A workflow deployed through the API, from source text, never run.
    const deployed = await fetch(
      `http://${hostPort}/v1/projects/my-project/locations/us-central1/workflows?workflowId=inline`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sourceContents: INLINE }),
      },
    );
    expect(deployed.status).toBe(200);
    expect(await execute(hostPort, 'order', { total: 10 })).toBe('"shipped"');
    expect(await execute(hostPort, 'order', { total: 500 })).toBe('"review"');
    expect(await execute(hostPort, 'order', { total: 7 })).toBe('"shipped"');

    const live = (await (
      await fetch(`http://${hostPort}/emulator/v1/coverage`)
    ).json()) as WorkflowCoverageData;
    expect(Object.keys(live).sort()).toEqual([orderFile, 'workflows/us-central1/inline.yaml'].sort());
    expect(live[orderFile]!.s).toEqual({ 0: 3, 1: 2, 2: 1 });
    expect(live[orderFile]!.b).toEqual({ 0: [1, 2], 1: [1] });

    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect(p.stdout()).toContain(`wrote workflow coverage of 2 files to ${covDir}/coverage-final.json`);
    const written = JSON.parse(
      await readFile(join(covDir, 'coverage-final.json'), 'utf8'),
    ) as WorkflowCoverageData;
    const inlinePath = join(covDir, 'workflows/us-central1/inline.yaml');
    expect(Object.keys(written).sort()).toEqual([orderFile, inlinePath].sort());
    expect(written[orderFile]!.s).toEqual({ 0: 3, 1: 2, 2: 1 });
    expect(written[inlinePath]!.s).toEqual({ 0: 0 });
    expect(await readFile(inlinePath, 'utf8')).toBe(INLINE);

    const out = join(await tempDir(), 'report');
    const report = cli([
      'coverage',
      'report',
      covDir,
      '--reporter',
      'text',
      '--reporter',
      'lcovonly',
      '--out',
      out,
    ]);
    expect(await report.exit).toBe(0);
    expect(report.stdout()).toMatch(/order\.yaml\s+\|\s+100\s+\|\s+100\s+\|\s+100\s+\|\s+100\s+\|/);
    expect(report.stdout()).toMatch(/inline\.yaml\s+\|\s+0\s+\|\s+100\s+\|\s+0\s+\|\s+0\s+\|\s+3/);
    expect(report.stdout()).toContain(`wrote lcovonly to ${out}`);
    const records = await new Promise<{ file: string; lines: { found: number; hit: number } }[]>((res, rej) =>
      lcovParse(join(out, 'lcov.info'), (err, data) => (err ? rej(new Error(err)) : res(data!))),
    );
    expect(records.map((r) => [r.file.endsWith('order.yaml'), r.lines.found, r.lines.hit]).sort()).toEqual(
      [
        [false, 1, 0],
        [true, 3, 3],
      ].sort(),
    );

    const strict = cli([
      'coverage',
      'report',
      covDir,
      '--reporter',
      'none',
      '--threshold',
      'statements=90',
      '--per-file',
    ]);
    expect(await strict.exit).toBe(1);
    // A workflow deployed from text is named by its virtual path.
    expect(strict.stderr()).toBe(
      'coverage threshold not met: workflows/us-central1/inline.yaml: statements 0% (0/1) is below the threshold of 90%\n',
    );
  }, 60_000);

  it('refuses bad report input with a message and exit code 2', async () => {
    const missing = cli(['coverage', 'report']);
    expect(await missing.exit).toBe(2);
    expect(missing.stderr()).toContain('coverage report expects at least one DIR');
    const bogus = cli(['coverage', 'report', '.', '--reporter', 'bogus']);
    expect(await bogus.exit).toBe(2);
    expect(bogus.stderr()).toContain("unknown reporter 'bogus' (one of text, text-summary, html, lcov");
    const nothing = cli(['coverage', 'report', join(await tempDir(), 'none')]);
    expect(await nothing.exit).toBe(2);
    expect(nothing.stderr()).toMatch(/workflows-emulator: ENOENT|no such file/);
  }, 60_000);
});
