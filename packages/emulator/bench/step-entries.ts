/**
 * Paging through a long step history over HTTP: one execution of about 100,000 step entries
 * (a for loop of 50,000 iterations, each an iteration entry and an assign), then
 * `stepEntries.list` page by page (1,000 a page) without a filter, with filters, and with an
 * `orderBy`. Target: under 50 ms a page. Each figure is the time from request to the whole
 * body received (median and slowest page).
 */
import { startEmulator } from '../src/emulator.js';

const ITERATIONS = 49_995;
const WORKFLOW = `main:
  steps:
    - init:
        assign:
          - total: 0
    - loop:
        for:
          value: i
          range: [1, ${ITERATIONS}]
          steps:
            - add:
                assign:
                  - total: \${total + i}
    - done:
        return: \${total}
`;

interface PageFigures {
  pages: number;
  entries: number;
  medianMs: number;
  maxMs: number;
}

async function pageThrough(
  base: string,
  query: Record<string, string>,
  maxPages = 200,
): Promise<PageFigures> {
  const times: number[] = [];
  let entries = 0;
  let token: string | undefined;
  do {
    const params = new URLSearchParams({ ...query, pageSize: '1000', ...(token && { pageToken: token }) });
    const t0 = performance.now();
    const res = await fetch(`${base}/stepEntries?${params.toString()}`);
    const text = await res.text();
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`stepEntries.list answered ${res.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { stepEntries?: unknown[]; nextPageToken?: string };
    entries += body.stepEntries?.length ?? 0;
    token = body.nextPageToken;
  } while (token !== undefined && times.length < maxPages);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    pages: times.length,
    entries,
    medianMs: sorted[Math.floor(sorted.length / 2)] as number,
    maxMs: sorted[sorted.length - 1] as number,
  };
}

export async function benchStepEntries(): Promise<void> {
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  try {
    emulator.deploy('long', WORKFLOW);
    const { name } = emulator.execute('long');
    await emulator.whenSettled(name);
    const base = `${emulator.url}/v1/${name}`;
    const cases: [string, Record<string, string>][] = [
      ['no filter', {}],
      ['stepType="STEP_ASSIGN"', { filter: 'stepType="STEP_ASSIGN"' }],
      ['step="add" AND state="SUCCEEDED"', { filter: 'step="add" AND state="SUCCEEDED"' }],
      ['stepType=… AND entryId>50000', { filter: 'stepType="STEP_FOR_ITERATION" AND entryId>50000' }],
      ['parent=3 (few matches)', { filter: 'parent=3' }],
      ['orderBy step desc', { orderBy: 'step desc' }],
    ];
    // One warm-up pass, so the figures are of compiled code.
    await pageThrough(base, { filter: 'stepType="STEP_ASSIGN"' }, 5);
    console.log(
      `stepEntries.list of a ${emulator.stepEntries(name).length}-entry execution, pages of 1,000:`,
    );
    for (const [label, query] of cases) {
      const f = await pageThrough(base, query);
      console.log(
        `  ${label.padEnd(36)} ${String(f.pages).padStart(3)} pages, ${String(f.entries).padStart(6)} entries: ` +
          `median ${f.medianMs.toFixed(1)} ms, slowest ${f.maxMs.toFixed(1)} ms a page`,
      );
    }
  } finally {
    await emulator.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchStepEntries();
