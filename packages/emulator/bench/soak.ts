/**
 * Soak: a whole day of executions through the listening emulator (the built CLI in a child
 * process, as users run it). 200,000 executions, each with a 30 KB argument, are created and
 * polled to completion over REST by 32 clients; the emulator's retention bound keeps memory flat.
 * Reports throughput, the process's peak RSS (VmHWM from /proc on Linux, else the highest
 * sample), the RSS along the way and what retention evicted.
 *
 * `SOAK_EXECUTIONS=N` runs another count; `SOAK_ARGS='--retain-executions 1000'` passes flags.
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, ensureBuilt, startCli, stopCli } from './server.js';

const WORKFLOW = `main:
  params: [args]
  steps:
    - count:
        assign:
          - n: \${len(args.lines)}
    - done:
        return:
          order: \${args.order}
          lines: \${n}
`;

/** About 30 KB of JSON: 300 lines of 100 characters, different for every execution. */
function argument(i: number): string {
  const lines: string[] = [];
  for (let j = 0; j < 300; j++) lines.push(`${i}-${j}-`.padEnd(98, 'x'));
  return JSON.stringify({ order: i, lines });
}

const MB = 1024 * 1024;

/** Peak resident set size of a process, from /proc (Linux); undefined elsewhere. */
async function peakRss(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const m = status && /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

export async function benchSoak(): Promise<void> {
  await ensureBuilt();
  const total = Number(process.env.SOAK_EXECUTIONS ?? 200_000);
  const extra = (process.env.SOAK_ARGS ?? '').split(' ').filter(Boolean);
  const dir = await mkdtemp(join(tmpdir(), 'wf-soak-'));
  try {
    await writeFile(join(dir, 'soak.yaml'), WORKFLOW);
    const s = await startCli(['--workflows-dir', dir, ...extra]);
    const pid = s.child.pid as number;
    try {
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      const base = '/v1/projects/my-project/locations/us-central1/workflows/soak/executions';
      const argBytes = Buffer.byteLength(argument(total));
      const info = async () => (await call(agent, s.port, 'GET', '/emulator/v1/info')).json;
      let maxSampled = 0;
      const samples: string[] = [];
      let done = 0;
      let nextMark = total / 4;
      const runOne = async (i: number): Promise<void> => {
        const body = JSON.stringify({ argument: argument(i) });
        const created = await call(agent, s.port, 'POST', base, body);
        if (created.status !== 200) throw new Error(`create failed: ${JSON.stringify(created.json)}`);
        for (;;) {
          const got = await call(agent, s.port, 'GET', `/v1/${created.json.name as string}?view=BASIC`);
          const state = got.json.state as string;
          if (state === 'SUCCEEDED') break;
          if (state !== 'ACTIVE' && state !== 'QUEUED') throw new Error(`execution ${i} ended ${state}`);
        }
        if (++done >= nextMark) {
          nextMark += total / 4;
          const rss = ((await info()).memory as { rssBytes: number }).rssBytes;
          maxSampled = Math.max(maxSampled, rss);
          samples.push(`${done.toLocaleString('en-US')}: ${(rss / MB).toFixed(0)} MB`);
        }
      };
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < total) await runOne(next++);
        }),
      );
      const ms = performance.now() - t0;
      const end = await info();
      const peak = (await peakRss(pid)) ?? maxSampled;
      const retention = end.retention as Record<string, { limit: number; retained: number; evicted: number }>;
      const ex = retention.executions as { limit: number; retained: number; evicted: number };
      console.log(
        `soak (${total.toLocaleString('en-US')} executions with ${(argBytes / 1024).toFixed(0)} KB arguments, 32 REST clients create+poll${extra.length ? `, ${extra.join(' ')}` : ''}): ` +
          `${((total / ms) * 1000).toFixed(0)} executions/s (${(ms / 1000).toFixed(0)} s), peak RSS ${(peak / MB).toFixed(0)} MB; ` +
          `RSS after ${samples.join(', ')}; retention kept ${ex.retained.toLocaleString('en-US')} finished executions (limit ${ex.limit.toLocaleString('en-US')}), evicted ${ex.evicted.toLocaleString('en-US')}`,
      );
      agent.destroy();
    } finally {
      await stopCli(s);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSoak();
