/**
 * Server benchmarks, run against the built CLI in a child process (as users run it):
 *  - startup: time from process start until the socket listens (target ≤ 400 ms);
 *  - throughput: executions completed per second through REST for a three-step workflow
 *    with one stubbed http.post, 32 concurrent clients each creating and polling
 *    (target ≥ 1,000/s).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(PKG, 'bin/workflows-emulator.js');

const WORKFLOW = `main:
  params: [args]
  steps:
    - prepare:
        assign:
          - order: \${args}
    - post:
        call: http.post
        args:
          url: https://api.example.com/orders
          body: \${order}
        result: resp
    - done:
        return: \${resp.body.id}
`;
const STUBS = `- method: POST
  url: https://api.example.com/orders
  status: 201
  body:
    id: 42
`;

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, (await stat(p)).mtimeMs);
  }
  return newest;
}

/** The bin runs dist/; rebuild it when a source file is newer. */
export async function ensureBuilt(): Promise<void> {
  const built = await stat(join(PKG, 'dist/cli.js')).catch(() => undefined);
  if (built && built.mtimeMs >= (await newestMtime(join(PKG, 'src')))) return;
  console.log('server bench: building dist/ ...');
  const tsc = join(PKG, '../../node_modules/typescript/bin/tsc');
  // Type errors elsewhere in the tree must not block the bench: tsc still emits.
  spawnSync(process.execPath, [tsc, '-p', join(PKG, 'tsconfig.build.json')], { stdio: 'ignore' });
  if (!(await stat(join(PKG, 'dist/cli.js')).catch(() => undefined)))
    throw new Error('build failed: no dist/cli.js');
}

export interface Started {
  child: ChildProcess;
  port: number;
  ms: number;
}

export function startCli(args: string[]): Promise<Started> {
  return new Promise((resolveStart, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, '--port', '0', ...args], {
      cwd: PKG,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
    });
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolveStart({ child, port: Number(m[1]), ms: performance.now() - t0 });
      }
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${err}`)));
  });
}

export async function stopCli(s: Started): Promise<void> {
  s.child.removeAllListeners('exit');
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

export async function benchStartup(): Promise<void> {
  await ensureBuilt();
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = await startCli([]);
    times.push(s.ms);
    await stopCli(s);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  console.log(
    `server startup (process start → listening): median ${median.toFixed(0)} ms, best ${(times[0] as number).toFixed(0)} ms over ${times.length} runs (target ≤ 400 ms)`,
  );
}

export function call(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolveCall, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: body
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolveCall({
              status: res.statusCode ?? 0,
              json: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            });
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

export async function benchThroughput(): Promise<void> {
  await ensureBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'wf-bench-'));
  try {
    await writeFile(join(dir, 'order.yaml'), WORKFLOW);
    await writeFile(join(dir, 'stubs.yaml'), STUBS);
    const s = await startCli(['--workflows-dir', dir, '--stubs', join(dir, 'stubs.yaml')]);
    try {
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      const base = '/v1/projects/my-project/locations/us-central1/workflows/order/executions';
      let polls = 0;
      const runOne = async (i: number): Promise<void> => {
        const created = await call(
          agent,
          s.port,
          'POST',
          base,
          JSON.stringify({ argument: JSON.stringify({ i }) }),
        );
        if (created.status !== 200) throw new Error(`create failed: ${JSON.stringify(created.json)}`);
        for (;;) {
          const got = await call(agent, s.port, 'GET', `/v1/${created.json.name as string}?view=BASIC`);
          polls++;
          const state = got.json.state as string;
          if (state === 'SUCCEEDED') return;
          if (state !== 'ACTIVE' && state !== 'QUEUED') throw new Error(`execution ended ${state}`);
        }
      };
      const drive = async (total: number, clients: number): Promise<number> => {
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: clients }, async () => {
            while (next < total) await runOne(next++);
          }),
        );
        return performance.now() - t0;
      };
      await drive(2000, 32); // warm-up (JIT, connection pool)
      polls = 0;
      const total = 10_000;
      const ms = await drive(total, 32);
      const perSecond = (total / ms) * 1000;
      console.log(
        `server throughput (3-step workflow, 1 stubbed http.post, 32 clients create+poll over REST): ${perSecond.toFixed(0)} executions/s (${total} in ${(ms / 1000).toFixed(2)} s, ${(polls / total).toFixed(2)} polls each; target ≥ 1,000/s)`,
      );
      agent.destroy();
    } finally {
      await stopCli(s);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchStartup();
  await benchThroughput();
}
