/**
 * Workflow coverage on disk and as reports: merging coverage objects (several runs, several test
 * workers), writing `coverage-final.json`, and the reports of the Istanbul libraries behind nyc and
 * vitest (istanbul-lib-coverage merges and summarizes, istanbul-lib-report and istanbul-reports
 * write `text`, `text-summary`, `html`, `lcov`, `cobertura`, ...). Any Istanbul coverage object
 * merges in, so a JavaScript `coverage-final.json` and the workflows' make one report.
 *
 * A workflow deployed from source text has no file: its source is written beside the report at
 * its virtual path (`<dir>/workflows/<location>/<workflow-id>.yaml`), which becomes its path in
 * the written coverage, so the HTML report and editors find it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import libCoverage from 'istanbul-lib-coverage';
import libReport from 'istanbul-lib-report';
import reports from 'istanbul-reports';
import type { IstanbulRange } from './runtime/coverage-map.js';
import { withSourceHash, type WorkflowCoverageData, type WorkflowFileCoverage } from './runtime/coverage.js';

export {
  WorkflowCoverage,
  virtualWorkflowPath,
  type DeployedWorkflow,
  type WorkflowCoverageData,
  type WorkflowCoverageOptions,
  type WorkflowFileCoverage,
} from './runtime/coverage.js';

/** The reporters of istanbul-reports. */
export const COVERAGE_REPORTERS = [
  'text',
  'text-summary',
  'html',
  'lcov',
  'lcovonly',
  'cobertura',
  'clover',
  'json',
  'json-summary',
  'teamcity',
  'none',
] as const;
export type CoverageReporter = (typeof COVERAGE_REPORTERS)[number];

export function isCoverageReporter(name: string): name is CoverageReporter {
  return (COVERAGE_REPORTERS as readonly string[]).includes(name);
}

/** Minimum percentages; below one of them, the check fails naming the file (or "all files") and the figure. */
export interface CoverageThresholds {
  statements?: number;
  branches?: number;
  functions?: number;
  lines?: number;
  /** Check each file instead of the total. Default false. */
  perFile?: boolean;
}

const METRICS = ['statements', 'branches', 'functions', 'lines'] as const;

const locKey = (r: IstanbulRange) => `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** The source of a file coverage: its own (`source`), or the file at its path. */
function sourceOf(file: WorkflowFileCoverage): string | undefined {
  if (file.source !== undefined) return file.source;
  try {
    return readFileSync(file.path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Merges coverage objects: the counts with istanbul-lib-coverage (statements, functions and
 * branches matched by location), the test names per statement by location. Workflows deployed
 * from source text meet by virtual path; when the same virtual path comes with different texts,
 * each text is kept under the path with a hash of the text added.
 */
export function mergeWorkflowCoverage(inputs: readonly WorkflowCoverageData[]): WorkflowCoverageData {
  /** Files by key, each with the sources seen for a virtual path. */
  const groups = new Map<string, WorkflowFileCoverage[]>();
  const virtualSources = new Map<string, Map<string, string>>();
  for (const data of inputs) {
    for (const [key, file] of Object.entries(data)) {
      if (file.virtualPath === undefined) {
        add(groups, key, file);
        continue;
      }
      const source = sourceOf(file) ?? '';
      let texts = virtualSources.get(file.virtualPath);
      if (!texts) virtualSources.set(file.virtualPath, (texts = new Map()));
      texts.set(sha(source), source);
      add(groups, `${file.virtualPath}\n${sha(source)}`, { ...file, source });
    }
  }
  const out: WorkflowCoverageData = {};
  for (const [key, files] of groups) {
    const first = files[0]!;
    let target = key;
    if (first.virtualPath !== undefined) {
      const texts = virtualSources.get(first.virtualPath)!;
      target = texts.size > 1 ? withSourceHash(first.virtualPath, first.source!) : first.virtualPath;
    }
    out[target] = mergeFiles(target, files);
  }
  return out;
}

function add(groups: Map<string, WorkflowFileCoverage[]>, key: string, file: WorkflowFileCoverage): void {
  const list = groups.get(key);
  if (list) list.push(file);
  else groups.set(key, [file]);
}

function mergeFiles(target: string, files: readonly WorkflowFileCoverage[]): WorkflowFileCoverage {
  const map = libCoverage.createCoverageMap({});
  for (const f of files) {
    const { tests: _t, source: _s, virtualPath: _v, ...istanbul } = f;
    map.addFileCoverage({ ...istanbul, path: target });
  }
  const merged = map.fileCoverageFor(target).toJSON() as WorkflowFileCoverage;
  const first = files[0]!;
  // Test names meet by the statement's location (the merge numbers statements anew).
  const names = new Map<string, Set<string>>();
  for (const f of files) {
    for (const [id, list] of Object.entries(f.tests ?? {})) {
      const loc = f.statementMap[id];
      if (!loc) continue;
      let set = names.get(locKey(loc));
      if (!set) names.set(locKey(loc), (set = new Set()));
      for (const n of list) set.add(n);
    }
  }
  const tests: Record<string, string[]> = {};
  for (const [id, loc] of Object.entries(merged.statementMap)) {
    const set = names.get(locKey(loc));
    if (set && set.size > 0) tests[id] = [...set].sort();
  }
  const out: WorkflowFileCoverage = {
    path: target,
    statementMap: merged.statementMap,
    fnMap: merged.fnMap,
    branchMap: merged.branchMap,
    s: merged.s,
    f: merged.f,
    b: merged.b,
  };
  if (Object.keys(tests).length > 0) out.tests = tests;
  if (first.virtualPath !== undefined) {
    out.virtualPath = first.virtualPath;
    if (first.source !== undefined) out.source = first.source;
  }
  return out;
}

/**
 * Reads coverage: a `coverage-final.json` (or any Istanbul JSON coverage object), or a directory
 * holding one, or a directory of them (every `*.json` in it, as test workers leave them).
 */
export async function readWorkflowCoverage(location: string): Promise<WorkflowCoverageData> {
  const files: string[] = [];
  if (statSync(location).isDirectory()) {
    const final = path.join(location, 'coverage-final.json');
    if (existsSync(final)) files.push(final);
    else
      files.push(
        ...readdirSync(location)
          .filter((n) => n.endsWith('.json'))
          .sort()
          .map((n) => path.join(location, n)),
      );
    if (files.length === 0)
      throw new Error(`${location}: no coverage-final.json and no *.json coverage file`);
  } else {
    files.push(location);
  }
  const all: WorkflowCoverageData[] = [];
  for (const file of files) {
    let data: unknown;
    try {
      data = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new Error(`${file}: not JSON coverage (${err instanceof Error ? err.message : String(err)})`, {
        cause: err,
      });
    }
    all.push(checkCoverageData(data, file));
  }
  return mergeWorkflowCoverage(all);
}

function checkCoverageData(data: unknown, file: string): WorkflowCoverageData {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(
      `${file}: not an Istanbul coverage object (expected an object of file coverages by path)`,
    );
  }
  for (const [key, value] of Object.entries(data)) {
    const v = value as Partial<WorkflowFileCoverage> | null;
    if (!v || typeof v !== 'object' || !v.statementMap || !v.s || !v.fnMap || !v.f || !v.branchMap || !v.b) {
      throw new Error(`${file}: the coverage of '${key}' lacks statementMap, s, fnMap, f, branchMap or b`);
    }
    if (typeof v.path !== 'string') v.path = key;
  }
  return data as WorkflowCoverageData;
}

/** Coverage whose files all have a path on disk: sources of virtual files are written under `dir`. */
async function materialize(dir: string, data: WorkflowCoverageData): Promise<WorkflowCoverageData> {
  const out: WorkflowCoverageData = {};
  for (const [key, file] of Object.entries(data)) {
    if (file.virtualPath === undefined) {
      out[key] = file;
      continue;
    }
    const target = path.resolve(dir, key);
    const source = sourceOf(file);
    if (source !== undefined) {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, source);
    }
    const { source: _s, ...rest } = file;
    out[target] = { ...rest, path: target };
  }
  return out;
}

export interface WriteCoverageOptions {
  /** Where reports go (created when missing). */
  dir: string;
  /** Default `['json']`: `coverage-final.json` alone. */
  reporters?: readonly CoverageReporter[];
  /** Where the text of `text` and `text-summary` goes. Default: standard output. */
  print?: (text: string) => void;
  /** Paths in lcov, cobertura and clover are relative to it. Default: the current directory. */
  projectRoot?: string;
}

/**
 * Writes the reports with istanbul-reports (and, with `json`, `coverage-final.json`); sources of
 * workflows deployed from text go beside them. The HTML report shows each YAML line's hits, the
 * statements and branches not taken, and the tests that ran each line (on hover and in a list).
 * Returns the coverage as written (virtual files at their path under `dir`).
 */
export async function writeCoverageReports(
  data: WorkflowCoverageData,
  options: WriteCoverageOptions,
): Promise<WorkflowCoverageData> {
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const written = await materialize(dir, data);
  const map = libCoverage.createCoverageMap({});
  for (const file of Object.values(written)) map.addFileCoverage(file);
  const context = (into: string) =>
    libReport.createContext({ dir: into, coverageMap: map, defaultSummarizer: 'nested' });
  const projectRoot = options.projectRoot ?? process.cwd();
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  for (const name of options.reporters ?? ['json']) {
    if (name === 'none') continue;
    if (name === 'text' || name === 'text-summary') {
      // These write to a file or to the console; a file lets `print` decide where the text goes.
      const tmp = await mkdtemp(path.join(tmpdir(), 'workflows-coverage-'));
      try {
        // Written to a file, the table would be cut to 80 columns: as wide as the terminal, or 120.
        const maxCols = Math.max(process.stdout.columns ?? 0, 120);
        reports
          .create(name, name === 'text' ? { file: 'report.txt', maxCols } : { file: 'report.txt' })
          .execute(context(tmp));
        print(await readFile(path.join(tmp, 'report.txt'), 'utf8'));
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      continue;
    }
    const ctx = context(dir);
    if (name === 'lcov' || name === 'lcovonly' || name === 'cobertura' || name === 'clover') {
      reports.create(name, { projectRoot }).execute(ctx);
    } else {
      reports.create(name).execute(ctx);
    }
    if (name === 'html' || name === 'lcov') await addTestNames(ctx, name === 'lcov' ? 'lcov-report' : '');
  }
  return written;
}

/**
 * Adds to each file page of the HTML report the tests that ran each line: a `title` on the
 * line's hit count (shown on hover) and a list under the source. istanbul-reports has no hook
 * for it, so its pages are completed once written; pages are found the way it names them
 * (the file's qualified name in the summary tree, plus `.html`).
 */
async function addTestNames(ctx: libReport.Context, subdir: string): Promise<void> {
  const pages: { page: string; file: WorkflowFileCoverage }[] = [];
  (ctx.getTree('nested') as libReport.Tree<libReport.ReportNode>).visit(
    ctx.getVisitor<libReport.ReportNode>({
      onDetail(node) {
        const file = node.getFileCoverage().toJSON() as WorkflowFileCoverage;
        if (file.tests)
          pages.push({ page: path.join(ctx.dir, subdir, `${node.getQualifiedName()}.html`), file });
      },
    }),
    ctx,
  );
  for (const { page, file } of pages) {
    let html: string;
    try {
      html = await readFile(page, 'utf8');
    } catch {
      continue;
    }
    await writeFile(page, withTestNames(html, file));
  }
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function withTestNames(html: string, file: WorkflowFileCoverage): string {
  const byLine = new Map<number, Set<string>>();
  for (const [id, names] of Object.entries(file.tests ?? {})) {
    const line = file.statementMap[id]?.start.line;
    if (line === undefined) continue;
    let set = byLine.get(line);
    if (!set) byLine.set(line, (set = new Set()));
    for (const n of names) set.add(n);
  }
  const cellStart = html.indexOf('<td class="line-coverage quiet">');
  const cellEnd = cellStart < 0 ? -1 : html.indexOf('</td>', cellStart);
  if (cellStart < 0 || cellEnd < 0) return html;
  const open = '<td class="line-coverage quiet">';
  const spans = html.slice(cellStart + open.length, cellEnd).split('\n');
  const marked = spans.map((span, i) => {
    const set = byLine.get(i + 1);
    if (!set) return span;
    const names = [...set].sort();
    return span.replace(
      '<span class="cline-any',
      `<span title="${escapeHtml(`Run by: ${names.join('; ')}`)}" data-tests="${escapeHtml(JSON.stringify(names))}" class="cline-any`,
    );
  });
  const lines = [...byLine.keys()].sort((a, b) => a - b);
  const list = [
    '<div class="pad1 workflow-tests">',
    '<h2>Tests that ran each step</h2>',
    '<ul>',
    ...lines.map(
      (line) =>
        `<li><a href="#L${line}">line ${line}</a>: ${[...byLine.get(line)!]
          .sort()
          .map((n) => `<span class="test-name">${escapeHtml(n)}</span>`)
          .join(', ')}</li>`,
    ),
    '</ul>',
    '</div>',
  ].join('');
  let out = html.slice(0, cellStart + open.length) + marked.join('\n') + html.slice(cellEnd);
  // Under the source table, which sits in a <pre>: after that <pre>.
  const tableEnd = out.indexOf('</table>', cellStart);
  const preEnd = tableEnd < 0 ? -1 : out.indexOf('</pre>', tableEnd);
  if (preEnd >= 0) out = out.slice(0, preEnd + '</pre>'.length) + list + out.slice(preEnd + '</pre>'.length);
  return out;
}

/**
 * Checks minimum percentages (istanbul-lib-coverage's summary): the messages of the figures
 * below their threshold, naming the file (or "all files") and the figure; empty when all pass.
 */
export function checkCoverageThresholds(
  data: WorkflowCoverageData,
  thresholds: CoverageThresholds,
): string[] {
  const map = libCoverage.createCoverageMap({});
  for (const file of Object.values(data)) {
    const { tests: _t, source: _s, virtualPath: _v, ...istanbul } = file;
    map.addFileCoverage(istanbul);
  }
  const failures: string[] = [];
  const check = (name: string, summary: libCoverage.CoverageSummary) => {
    for (const metric of METRICS) {
      const min = thresholds[metric];
      if (min === undefined) continue;
      const t = summary[metric];
      // A file with nothing of a kind (no branch) meets any threshold for it.
      if (t.total === 0) continue;
      if (t.pct < min) {
        failures.push(
          `${name}: ${metric} ${t.pct}% (${t.covered}/${t.total}) is below the threshold of ${min}%`,
        );
      }
    }
  };
  if (thresholds.perFile) {
    for (const file of map.files().sort()) {
      const name = path.isAbsolute(file) ? path.relative(process.cwd(), file) : file;
      check(name, map.fileCoverageFor(file).toSummary());
    }
  } else {
    check('all files', map.getCoverageSummary());
  }
  return failures;
}
