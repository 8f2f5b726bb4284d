/**
 * The `workflows-emulator` command.
 *
 *   workflows-emulator [--host H] [--port P] [--project ID] [--location L]
 *                      [--workflows-dir [LOCATION=]DIR]... [--stubs FILE]... [--allow-host HOST]...
 *   workflows-emulator run FILE [--argument JSON] [--stubs FILE] [--allow-host HOST]...
 *   (both also take [--recording FILE] [--record-mode MODE])
 *   workflows-emulator coverage report DIR... [--reporter NAME]... [--out DIR]
 *
 * `main(argv)` resolves with the exit code (the `bin` sets `process.exitCode` from it).
 */
import type { FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, delimiter, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LOG_SEVERITIES, type LogEntry, type Logger } from './values/seams.js';
import { formatProblems, loadWorkflow } from './source/index.js';
import { StepMockError } from './runtime/step-mocks.js';
import {
  createOutboundTransport,
  loadStubsFileParts,
  StubRegistry,
  StubValidationError,
  type Recording,
} from './stubs/index.js';
import {
  describeRecording,
  openRecording,
  RECORDING_USAGE,
  recordingSettings,
  saveRecording,
  type RecordingSettings,
} from './cli-recording.js';
import { COVERAGE_USAGE, coverageCommand, CoverageUsageError, writeCoverageOnStop } from './cli-coverage.js';
import { colorWanted, createLogPrinter, isLogSeverity, LOG_FORMATS, type LogFormat } from './cli-logs.js';
import type { WorkflowLogEntry } from './runtime/logging.js';
import { startEmulator, type RunningEmulator } from './emulator.js';
import {
  createAppDeps,
  DEFAULT_LOCATION,
  DEFAULT_PORT,
  DEFAULT_PROJECT_ID,
  DEFAULT_PROJECT_NUMBER,
  DEFAULT_RETENTION,
  type AppDeps,
  type RetentionLimits,
} from './server/deps.js';
import { isValidWorkflowId } from './server/names.js';
import { VERSION } from './server/version.js';
import { uiBuilt } from './server/ui-static.js';
import { watchWorkflowsDirectory } from './server/workflow-files.js';
import { projectRef } from './server/workflows-service.js';
import { parseJson, stringifyJson } from './values/json.js';
import { typeName, type Value } from './values/types.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Whether stdout and stderr are terminals (log lines are coloured there); default neither. */
  isTTY?: { stdout?: boolean; stderr?: boolean };
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM by default). */
  waitForShutdown?: () => Promise<string>;
}

const defaultIo = (): CliIo => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  isTTY: { stdout: process.stdout.isTTY, stderr: process.stderr.isTTY },
});

const USAGE = `Usage:
  workflows-emulator [options]           start the emulator
  workflows-emulator run FILE [options]  run one workflow and print its result
  workflows-emulator coverage report DIR... [options]
                                         merge workflow coverage and write reports

Server options (environment variable in brackets):
  --host HOST            interface to listen on (WORKFLOWS_EMULATOR_LISTEN_HOST, default 127.0.0.1)
  --port PORT            port, 0 for any free port (WORKFLOWS_EMULATOR_PORT, default ${DEFAULT_PORT})
  --project ID           project ID (WORKFLOWS_EMULATOR_PROJECT, default ${DEFAULT_PROJECT_ID})
  --project-number N     project number (WORKFLOWS_EMULATOR_PROJECT_NUMBER, default ${DEFAULT_PROJECT_NUMBER})
  --location LOCATION    default location (WORKFLOWS_EMULATOR_LOCATION, default ${DEFAULT_LOCATION})
  --workflows-dir [LOCATION=]DIR
                         deploy every .yaml/.yml/.json file in DIR (to LOCATION, default --location)
                         and redeploy changed files; repeatable
                         (WORKFLOWS_EMULATOR_WORKFLOWS_DIR, several separated by '${delimiter}')
  --stubs FILE           load a YAML or JSON list of stubs, or a map of stubs, step mocks
                         (steps) and named test cases (cases); repeatable
                         (WORKFLOWS_EMULATOR_STUBS, several separated by '${delimiter}')
  --stubs-case NAME      also load the test case NAME of the stubs files (its stubs and step
                         mocks override the files' own) (WORKFLOWS_EMULATOR_STUBS_CASE)
  --allow-host HOST      let calls that no stub answers reach HOST; repeatable
                         (WORKFLOWS_EMULATOR_ALLOW_HOSTS, comma-separated)
  --accept-host HOST     accept requests addressed to HOST (e.g. http://workflows:8787 in a
                         container network) and from pages served there; loopback names and
                         IP addresses always are; .example.com for subdomains, * for any; repeatable
                         (WORKFLOWS_EMULATOR_ACCEPT_HOSTS, comma-separated)
  --retain-executions N  keep the N most recently finished executions; older ones are evicted,
                         running ones never (WORKFLOWS_EMULATOR_RETAIN_EXECUTIONS, default ${DEFAULT_RETENTION.executions})
  --retain-executions-mb MB
                         and only as many as fit in about MB megabytes (arguments, results, errors,
                         step histories) (WORKFLOWS_EMULATOR_RETAIN_EXECUTIONS_MB, default ${DEFAULT_RETENTION.executionBytes / (1024 * 1024)})
  --retain-operations N  keep the N most recent long-running operations
                         (WORKFLOWS_EMULATOR_RETAIN_OPERATIONS, default ${DEFAULT_RETENTION.operations})
  --retain-revisions N   keep N revisions of each workflow; the current one and those of running
                         executions always stay (WORKFLOWS_EMULATOR_RETAIN_REVISIONS, default ${DEFAULT_RETENTION.revisions})
  --retain-requests N    keep the N most recent records of the outbound request log
                         (WORKFLOWS_EMULATOR_RETAIN_REQUESTS, default ${DEFAULT_RETENTION.requests})
  --retain-logs N        keep the N most recent log entries (GET /emulator/v1/logs)
                         (WORKFLOWS_EMULATOR_RETAIN_LOGS, default ${DEFAULT_RETENTION.logs})
                         GET /emulator/v1/info counts what each has evicted
  --fine-call-step-types step entries of call steps take the finer types of the API's discovery
                         document (STEP_STD_LIB_CALL, STEP_CONNECTOR_CALL, STEP_SUBWORKFLOW_CALL)
                         instead of STEP_CALL (WORKFLOWS_EMULATOR_FINE_CALL_STEP_TYPES=true)
Log options (server and run; the server prints on stdout, run on stderr):
  --log-format FORMAT    text (one readable line per entry, coloured on a terminal unless
                         NO_COLOR is set) or json (one Cloud Logging LogEntry per line)
                         (WORKFLOWS_EMULATOR_LOG_FORMAT, default text)
  --log-level SEVERITY   print entries of at least SEVERITY: DEFAULT, DEBUG (call logs), INFO
                         (execution start and end), NOTICE, WARNING, ERROR, CRITICAL, ALERT,
                         EMERGENCY (WORKFLOWS_EMULATOR_LOG_LEVEL, default DEFAULT: everything)
${RECORDING_USAGE}
${COVERAGE_USAGE}
Run options:
  --argument JSON        the execution argument
  --call-log-level LEVEL log the call steps: LOG_ALL_CALLS, LOG_ERRORS_ONLY or LOG_NONE (default)
  --stubs FILE, --stubs-case NAME, --allow-host HOST, --recording FILE, --record-mode MODE, --redact NAME,
  --ignore-body-field NAME, --project ID, --location LOCATION as above

Exit codes of run: 0 succeeded, 1 failed or cancelled, 2 invalid workflow or usage.
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  try {
    if (argv[0] === 'run') return await runCommand(argv.slice(1), io);
    if (argv[0] === 'coverage') return await coverageCommand(argv.slice(1), io);
    return await serveCommand(argv, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof CoverageUsageError) {
      io.stderr(`workflows-emulator: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof StubValidationError) {
      io.stderr(`workflows-emulator: invalid stubs: ${err.message}\n`);
      return 2;
    }
    if (err instanceof StepMockError) {
      io.stderr(`workflows-emulator: ${err.message}\n`);
      return 2;
    }
    io.stderr(`workflows-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** Each `--retain-*` option, and what its number is multiplied by (megabytes to bytes). */
const RETAIN_OPTIONS = {
  executions: ['retain-executions', 1],
  executionBytes: ['retain-executions-mb', 1024 * 1024],
  operations: ['retain-operations', 1],
  revisions: ['retain-revisions', 1],
  requests: ['retain-requests', 1],
  logs: ['retain-logs', 1],
} as const satisfies Record<keyof RetentionLimits, readonly [string, number]>;

const SERVE_ONLY = [
  'host',
  'port',
  'workflows-dir',
  'accept-host',
  'coverage',
  'fine-call-step-types',
  ...Object.values(RETAIN_OPTIONS).map(([option]) => option),
] as const;
const RUN_ONLY = ['argument', 'call-log-level'] as const;

function parse(argv: readonly string[], mode: 'serve' | 'run') {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        project: { type: 'string' },
        'project-number': { type: 'string' },
        location: { type: 'string' },
        stubs: { type: 'string', multiple: true },
        'stubs-case': { type: 'string' },
        'allow-host': { type: 'string', multiple: true },
        'accept-host': { type: 'string', multiple: true },
        host: { type: 'string' },
        port: { type: 'string' },
        'workflows-dir': { type: 'string', multiple: true },
        'retain-executions': { type: 'string' },
        'retain-executions-mb': { type: 'string' },
        'retain-operations': { type: 'string' },
        'retain-revisions': { type: 'string' },
        'retain-requests': { type: 'string' },
        'retain-logs': { type: 'string' },
        'log-format': { type: 'string' },
        'log-level': { type: 'string' },
        coverage: { type: 'string' },
        'fine-call-step-types': { type: 'boolean' },
        argument: { type: 'string' },
        'call-log-level': { type: 'string' },
        recording: { type: 'string' },
        'record-mode': { type: 'string' },
        redact: { type: 'string', multiple: true },
        'ignore-body-field': { type: 'string', multiple: true },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const foreign = mode === 'serve' ? RUN_ONLY : SERVE_ONLY;
  for (const k of foreign) {
    if (parsed.values[k] !== undefined)
      throw new UsageError(`--${k} is not an option of ${mode === 'run' ? 'run' : 'the server'}`);
  }
  return parsed;
}

/**
 * sys.log lines: `[SEVERITY] executionId: payload` (a `Logger` for `createAppDeps`; the CLI
 * itself prints every log entry with `createLogPrinter`).
 */
export function createConsoleLogger(write: (text: string) => void): Logger {
  return {
    log(entry: LogEntry) {
      write(`[${entry.severity}] ${entry.executionId}: ${formatLogPayload(entry.payload)}\n`);
    },
  };
}

function formatLogPayload(payload: Value): string {
  if (typeof payload === 'string') return payload;
  try {
    return stringifyJson(payload);
  } catch {
    // Bytes (or NaN) cannot be JSON-encoded; show what kind of value it was.
    return `<${typeName(payload)}>`;
  }
}

interface CommonSettings {
  retention: RetentionLimits;
  logFormat: LogFormat;
  logLevel: string;
  projectId: string;
  projectNumber: string;
  location: string;
  stubsFiles: string[];
  stubsCase: string | undefined;
  allowHosts: string[];
  recording: RecordingSettings | undefined;
}

function commonSettings(values: Record<string, unknown>, env: CliIo['env']): CommonSettings {
  const str = (k: string) => {
    const v = values[k];
    return typeof v === 'string' ? v : undefined;
  };
  const list = (k: string) => (Array.isArray(values[k]) ? (values[k] as string[]) : undefined);
  let recording: RecordingSettings | undefined;
  try {
    recording = recordingSettings(
      {
        recording: str('recording'),
        'record-mode': str('record-mode'),
        redact: list('redact'),
        'ignore-body-field': list('ignore-body-field'),
      },
      env,
    );
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const logFormat = str('log-format') ?? (env.WORKFLOWS_EMULATOR_LOG_FORMAT || 'text');
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat))
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${logFormat}"`);
  const logLevel = (str('log-level') ?? (env.WORKFLOWS_EMULATOR_LOG_LEVEL || 'DEFAULT')).toUpperCase();
  if (!isLogSeverity(logLevel))
    throw new UsageError(`--log-level must be a severity (${LOG_SEVERITIES.join(', ')}), got "${logLevel}"`);
  return {
    recording,
    logFormat: logFormat as LogFormat,
    logLevel,
    retention: retentionSettings(values, env),
    projectId: str('project') ?? (env.WORKFLOWS_EMULATOR_PROJECT || DEFAULT_PROJECT_ID),
    projectNumber: str('project-number') ?? (env.WORKFLOWS_EMULATOR_PROJECT_NUMBER || DEFAULT_PROJECT_NUMBER),
    location: str('location') ?? (env.WORKFLOWS_EMULATOR_LOCATION || DEFAULT_LOCATION),
    stubsFiles: list('stubs') ?? (env.WORKFLOWS_EMULATOR_STUBS ?? '').split(delimiter).filter(Boolean),
    stubsCase: str('stubs-case') ?? (env.WORKFLOWS_EMULATOR_STUBS_CASE || undefined),
    allowHosts:
      list('allow-host') ??
      (env.WORKFLOWS_EMULATOR_ALLOW_HOSTS ?? '')
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
  };
}

/** A yes/no environment variable: `true`/`1` or `false`/`0` (any case), unset or empty for no. */
function envFlag(env: CliIo['env'], variable: string): boolean {
  const text = (env[variable] ?? '').trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw new UsageError(`${variable} must be true or false, got "${env[variable]}"`);
}

/** `--retain-*` flags, else `WORKFLOWS_EMULATOR_RETAIN_*`, else the defaults; each a positive integer. */
function retentionSettings(values: Record<string, unknown>, env: CliIo['env']): RetentionLimits {
  const limits = { ...DEFAULT_RETENTION };
  const options = Object.entries(RETAIN_OPTIONS) as [keyof RetentionLimits, readonly [string, number]][];
  for (const [kind, [option, unit]] of options) {
    const variable = `WORKFLOWS_EMULATOR_${option.toUpperCase().replaceAll('-', '_')}`;
    const flag = values[option];
    const text = typeof flag === 'string' ? flag : env[variable] || undefined;
    if (text === undefined) continue;
    const from = typeof flag === 'string' ? `--${option}` : variable;
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text)) || Number(text) < 1)
      throw new UsageError(`${from} must be a positive whole number, got "${text}"`);
    limits[kind] = Number(text) * unit;
  }
  return limits;
}

/**
 * The dependencies, with every `--stubs` file's stubs loaded (`loaded` says what came from where;
 * `steps` are the step mocks, registered once the workflows are deployed) and the `--recording`
 * opened.
 */
async function buildDeps(
  settings: CommonSettings,
  onLog: (entry: WorkflowLogEntry) => void,
  options: {
    autosave: boolean;
    onAutosaveError?: (error: unknown) => void;
    coverage?: boolean;
    fineCallStepTypes?: boolean;
  },
) {
  let recording: Recording | undefined;
  let outbound = {};
  if (settings.recording) {
    recording = await openRecording(settings.recording, options);
    const stubs = new StubRegistry({ maxRecordedRequests: settings.retention.requests });
    const transport = createOutboundTransport({ stubs, allowHosts: settings.allowHosts, recording });
    outbound = { stubs, transport };
  }
  const deps = createAppDeps({
    projectId: settings.projectId,
    projectNumber: settings.projectNumber,
    location: settings.location,
    allowHosts: settings.allowHosts,
    retention: settings.retention,
    onLog,
    ...outbound,
    ...(options.coverage && { coverage: true }),
    ...(options.fineCallStepTypes && { fineCallStepTypes: true }),
  });
  const loaded: { path: string; count: number; steps: unknown[] }[] = [];
  const caseName = settings.stubsCase;
  let caseFound = false;
  for (const file of settings.stubsFiles) {
    const path = resolve(file);
    const parts = await loadStubsFileParts(path, caseName);
    caseFound ||= parts.hasCase;
    deps.stubs.addAll(parts.stubs);
    loaded.push({ path, count: parts.stubs.length, steps: parts.steps });
  }
  if (caseName !== undefined && !caseFound)
    throw new UsageError(
      settings.stubsFiles.length === 0
        ? `--stubs-case ${caseName} needs a --stubs FILE`
        : `--stubs-case ${caseName}: no stubs file has that case`,
    );
  return { deps, loaded, recording };
}

/** Registers the step mocks of the stubs files (after the workflows they name are deployed). */
function registerStepMocks(deps: AppDeps, loaded: readonly { path: string; steps: unknown[] }[]): number {
  let count = 0;
  for (const { path, steps } of loaded) {
    if (steps.length === 0) continue;
    deps.stepMocks.addAll(steps, `step mock of ${path}`);
    count += steps.length;
  }
  return count;
}

async function serveCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, 'serve');
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unknown command: ${positionals[0]}`);
  const { env } = io;
  const settings = commonSettings(values, env);
  const host = values.host ?? (env.WORKFLOWS_EMULATOR_LISTEN_HOST || '127.0.0.1');
  const portText = values.port ?? (env.WORKFLOWS_EMULATOR_PORT || String(DEFAULT_PORT));
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new UsageError(`invalid port: ${portText}`);
  const dirs = (
    values['workflows-dir'] ?? (env.WORKFLOWS_EMULATOR_WORKFLOWS_DIR ?? '').split(delimiter).filter(Boolean)
  ).map((spec) => parseDirSpec(spec, settings.location));
  for (const { dir } of dirs) {
    const s = await stat(dir).catch(() => undefined);
    if (!s?.isDirectory()) throw new UsageError(`--workflows-dir ${dir}: not a directory`);
  }

  const coverageDir = values.coverage ?? (env.WORKFLOWS_EMULATOR_COVERAGE || undefined);
  if (coverageDir === '') throw new UsageError('--coverage needs a DIR');
  const printer = createLogPrinter({
    format: settings.logFormat,
    level: settings.logLevel,
    color: colorWanted(io.isTTY?.stdout, env),
    write: io.stdout,
  });
  const { deps, loaded, recording } = await buildDeps(settings, printer, {
    coverage: coverageDir !== undefined,
    fineCallStepTypes:
      values['fine-call-step-types'] ?? envFlag(env, 'WORKFLOWS_EMULATOR_FINE_CALL_STEP_TYPES'),
    autosave: true,
    onAutosaveError: (err) =>
      io.stderr(`could not save the recording: ${err instanceof Error ? err.message : String(err)}\n`),
  });
  deps.config.acceptHosts =
    values['accept-host'] ??
    (env.WORKFLOWS_EMULATOR_ACCEPT_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
  const emulator = await startEmulator({
    deps,
    host,
    port: Number(portText),
    onInternalError: (err) =>
      io.stderr(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`),
  });
  const watchers: FSWatcher[] = [];
  try {
    for (const { dir, location } of dirs)
      watchers.push(await deployDirectory(emulator, settings.projectId, resolve(dir), location, io));
    registerStepMocks(deps, loaded);
  } catch (err) {
    for (const w of watchers) w.close();
    await emulator.stop();
    throw err;
  }
  // Which answers the workflows' outbound calls will get: a stubs file left out (or an old one
  // picked up from WORKFLOWS_EMULATOR_STUBS) is the first thing to rule out when a call fails.
  for (const { path, count, steps } of loaded) {
    const mocks = steps.length > 0 ? ` and ${steps.length} step mock${steps.length === 1 ? '' : 's'}` : '';
    const chosen = settings.stubsCase !== undefined ? ` (case ${settings.stubsCase})` : '';
    io.stdout(`loaded ${count} stub${count === 1 ? '' : 's'}${mocks} from ${path}${chosen}\n`);
  }
  if (loaded.length === 0) io.stdout('no stubs files loaded (--stubs FILE)\n');
  if (recording) io.stdout(describeRecording(recording));
  if (coverageDir !== undefined)
    io.stdout(`collecting workflow coverage: written to ${resolve(coverageDir)} when the emulator stops\n`);
  // Printed once the directories are deployed: whoever waits for these lines finds the workflows.
  io.stdout(
    `workflows-emulator ${VERSION} listening on ${emulator.url} (project ${settings.projectId}, location ${settings.location})\n`,
  );
  io.stdout(`export WORKFLOWS_EMULATOR_HOST=${emulator.url.slice('http://'.length)}\n`);
  io.stdout(
    `developer UI: ${emulator.url}/${uiBuilt(deps.config.uiDir) ? '' : ' (not built: run pnpm build)'}\n`,
  );
  const r = settings.retention;
  io.stdout(
    `keeps the last ${r.executions} finished executions (in about ${r.executionBytes / (1024 * 1024)} MB), ${r.operations} operations, ${r.revisions} revisions per workflow, ${r.requests} outbound requests and ${r.logs} log entries (--retain-*; evictions counted in /emulator/v1/info)\n`,
  );

  const signal = await (io.waitForShutdown ?? waitForSignal)();
  io.stdout(`${signal}: shutting down\n`);
  for (const w of watchers) w.close();
  await emulator.stop();
  if (recording) {
    const saved = await saveRecording(recording);
    if (saved) io.stdout(saved);
  }
  if (coverageDir !== undefined && deps.coverage) {
    io.stdout(await writeCoverageOnStop(deps.coverage, resolve(coverageDir)));
  }
  return 0;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolveSignal) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolveSignal(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * `--workflows-dir [LOCATION=]DIR`: workflows live in one location, as on Google, so a directory
 * may name the location its workflows are deployed to (default: `--location`).
 */
function parseDirSpec(spec: string, defaultLocation: string): { dir: string; location: string } {
  const m = /^([a-z][a-z0-9-]*[0-9])=(.+)$/.exec(spec);
  return m ? { location: m[1] as string, dir: m[2] as string } : { location: defaultLocation, dir: spec };
}

/** Deploys every workflow file of a directory, then redeploys files as they change. */
function deployDirectory(
  emulator: RunningEmulator,
  project: string,
  dir: string,
  location: string,
  io: CliIo,
): Promise<FSWatcher> {
  return watchWorkflowsDirectory({
    dir,
    project: projectRef(emulator.deps, project).project,
    location,
    files: emulator.deps.files,
    deploy: (id, source) => emulator.deploy(id, source, { project, location }),
    onDeployed: ({ workflowId, revisionId, path }) =>
      io.stdout(`deployed ${workflowId} (revision ${revisionId}, location ${location}) from ${path}\n`),
    onFailed: ({ workflowId, path, message, skipped }) =>
      io.stderr(
        skipped
          ? `skipped ${path}: ${message}\n`
          : `could not deploy ${workflowId} from ${path}:\n${indent(message)}\n`,
      ),
  });
}

const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, 'run');
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('run expects exactly one workflow FILE');
  const file = positionals[0] as string;
  const source = await readFile(file, 'utf8').catch((err: Error) => {
    throw new UsageError(`cannot read ${file}: ${err.message}`);
  });
  const loaded = loadWorkflow(source);
  if (!loaded.ok) {
    const n = loaded.problems.length;
    io.stderr(`${file}: ${n} problem${n === 1 ? '' : 's'}\n${formatProblems(loaded.problems)}\n`);
    return 2;
  }
  if (values.argument !== undefined) {
    try {
      parseJson(values.argument);
    } catch (err) {
      io.stderr(`--argument is not valid JSON: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const settings = commonSettings(values, io.env);
  // Log lines go to stderr so stdout carries only the result.
  const printer = createLogPrinter({
    format: settings.logFormat,
    level: settings.logLevel,
    color: colorWanted(io.isTTY?.stderr, io.env),
    write: io.stderr,
  });
  const { deps, loaded: stubsFiles, recording } = await buildDeps(settings, printer, { autosave: false });
  // Listening (on a free loopback port) makes callback URLs reachable during the run.
  const emulator = await startEmulator({ deps, host: '127.0.0.1', port: 0 });
  try {
    const fromName = basename(file, extname(file));
    const workflowId = isValidWorkflowId(fromName) ? fromName : 'workflow';
    const ref = projectRef(deps, settings.projectId);
    emulator.services.workflows.create(ref, settings.location, workflowId, { sourceContents: source });
    registerStepMocks(deps, stubsFiles);
    let rec;
    try {
      rec = emulator.services.executions.create(ref, settings.location, workflowId, {
        argument: values.argument ?? '',
        ...(values['call-log-level'] !== undefined && { callLogLevel: values['call-log-level'] }),
      });
    } catch (err) {
      io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
      return 2;
    }
    await emulator.services.executions.whenSettled(rec);
    if (rec.state === 'SUCCEEDED') {
      io.stdout(`${rec.result ?? 'null'}\n`);
      return 0;
    }
    io.stderr(`execution ${rec.executionId} ${rec.state}\n`);
    if (rec.error) {
      io.stderr(`payload: ${rec.error.payload}\ncontext:\n${indent(rec.error.context)}\n`);
    }
    return 1;
  } finally {
    await emulator.stop();
    if (recording) {
      // On stderr: stdout carries only the result.
      const saved = await saveRecording(recording);
      if (saved) io.stderr(saved);
    }
  }
}
