/**
 * Workflow coverage in the `workflows-emulator` command: `--coverage DIR` collects the coverage
 * of everything run until the emulator stops and writes it to DIR, and
 * `workflows-emulator coverage report DIR...` merges coverage directories into reports.
 *
 * The report module (and the Istanbul libraries) load only when coverage is used, so that they
 * cost nothing at start-up otherwise.
 */
import { parseArgs } from 'node:util';
import type { WorkflowCoverage } from './runtime/coverage.js';
import type { CoverageReporter, CoverageThresholds } from './coverage-report.js';

export const COVERAGE_USAGE = `Coverage:
  --coverage DIR         collect workflow coverage of every execution; when the emulator stops
                         (SIGINT/SIGTERM) write it to DIR/coverage-final.json
                         (WORKFLOWS_EMULATOR_COVERAGE); GET /emulator/v1/coverage reads it live
  workflows-emulator coverage report DIR... [--reporter NAME]... [--out DIR]
                         [--threshold METRIC=PERCENT]... [--per-file]
                         merge coverage (a DIR with coverage-final.json, a DIR of coverage
                         JSON files, or a JSON file) and write reports with istanbul-reports:
                         text, text-summary, html, lcov, lcovonly, cobertura, clover, json,
                         json-summary, teamcity (default: text-summary and html) into --out
                         (default the first DIR); METRIC is statements, branches, functions or
                         lines: below it, exit 1 naming the file and the figure
`;

/** Writes the collected coverage as `DIR/coverage-final.json` (sources of text deployments beside it). */
export async function writeCoverageOnStop(coverage: WorkflowCoverage, dir: string): Promise<string> {
  const { writeCoverageReports } = await import('./coverage-report.js');
  const data = coverage.toJSON();
  await writeCoverageReports(data, { dir, reporters: ['json'] });
  const n = Object.keys(data).length;
  return `wrote workflow coverage of ${n} file${n === 1 ? '' : 's'} to ${dir}/coverage-final.json\n`;
}

export class CoverageUsageError extends Error {
  override readonly name = 'CoverageUsageError';
}

/** `coverage report DIR... [options]`: returns the exit code. */
export async function coverageCommand(
  argv: readonly string[],
  io: { stdout: (t: string) => void; stderr: (t: string) => void },
): Promise<number> {
  if (argv[0] !== 'report') {
    throw new CoverageUsageError(
      `coverage: unknown command '${argv[0] ?? ''}' (expected: coverage report DIR...)`,
    );
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      strict: true,
      options: {
        reporter: { type: 'string', multiple: true },
        out: { type: 'string' },
        threshold: { type: 'string', multiple: true },
        'per-file': { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new CoverageUsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new CoverageUsageError('coverage report expects at least one DIR');
  const report = await import('./coverage-report.js');
  const reporters = values.reporter ?? ['text-summary', 'html'];
  for (const r of reporters) {
    if (!report.isCoverageReporter(r)) {
      throw new CoverageUsageError(
        `unknown reporter '${r}' (one of ${report.COVERAGE_REPORTERS.filter((n) => n !== 'none').join(', ')})`,
      );
    }
  }
  const thresholds: CoverageThresholds = {};
  for (const t of values.threshold ?? []) {
    const m = /^(statements|branches|functions|lines)=(\d+(?:\.\d+)?)$/.exec(t);
    if (!m || Number(m[2]) > 100) {
      throw new CoverageUsageError(
        `--threshold ${t}: expected METRIC=PERCENT, METRIC one of statements, branches, functions, lines`,
      );
    }
    thresholds[m[1] as 'statements'] = Number(m[2]);
  }
  if (values['per-file']) thresholds.perFile = true;
  const inputs = [];
  for (const dir of positionals) {
    try {
      inputs.push(await report.readWorkflowCoverage(dir));
    } catch (err) {
      io.stderr(`workflows-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
      return 2;
    }
  }
  const data = report.mergeWorkflowCoverage(inputs);
  const out = values.out ?? positionals[0]!;
  await report.writeCoverageReports(data, {
    dir: out,
    reporters: reporters as CoverageReporter[],
    print: io.stdout,
  });
  const written = reporters.filter((r) => r !== 'text' && r !== 'text-summary');
  if (written.length > 0) io.stdout(`wrote ${written.join(', ')} to ${out}\n`);
  const failures = report.checkCoverageThresholds(data, thresholds);
  for (const f of failures) io.stderr(`coverage threshold not met: ${f}\n`);
  return failures.length > 0 ? 1 : 0;
}
