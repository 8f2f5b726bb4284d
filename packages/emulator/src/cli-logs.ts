/**
 * How the CLI shows log entries: one readable line per entry (time, severity, workflow and short
 * execution ID, step, message), coloured on a terminal, or one Cloud Logging `LogEntry` JSON per
 * line (`--log-format json`); entries below `--log-level` are left out. An execution's start and
 * end (its `executions_system` entries) read as one line each, the end with the state, the
 * duration and the result or the error.
 */
import { EXECUTION_ID_LABEL, LOG_IDS, severityRank, type WorkflowLogEntry } from './runtime/logging.js';
import { LOG_SEVERITIES } from './values/seams.js';

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogPrinterOptions {
  format: LogFormat;
  /** The lowest severity printed (default DEFAULT: everything). */
  level?: string;
  /** ANSI colours (text format only). */
  color: boolean;
  write: (text: string) => void;
}

/** Whether to colour a stream: on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it (https://no-color.org). */
export function colorWanted(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return isTTY === true;
}

export function isLogSeverity(s: string): boolean {
  return (LOG_SEVERITIES as readonly string[]).includes(s);
}

/** The entry printer: feed it every entry (`onLog`). */
export function createLogPrinter(options: LogPrinterOptions): (entry: WorkflowLogEntry) => void {
  const min = severityRank(options.level ?? 'DEFAULT');
  const line = textLines(options.color);
  return (entry) => {
    const shown = severityRank(entry.severity) >= min;
    if (options.format === 'json') {
      if (shown) options.write(`${JSON.stringify(entry)}\n`);
      return;
    }
    // Formatted even when filtered out: an execution's start gives the duration at its end.
    const text = line(entry);
    if (shown) options.write(`${text}\n`);
  };
}

const ESC = '\u001b[';
const paint = (code: string) => (s: string) => `${ESC}${code}m${s}${ESC}0m`;
const STYLES = {
  dim: paint('2'),
  bold: paint('1'),
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
  blue: paint('34'),
  cyan: paint('36'),
  gray: paint('90'),
};
const plain = (s: string) => s;

function severityStyle(severity: string): (s: string) => string {
  const rank = severityRank(severity);
  if (rank >= severityRank('ERROR')) return STYLES.red;
  if (rank >= severityRank('WARNING')) return STYLES.yellow;
  if (rank >= severityRank('INFO')) return STYLES.cyan;
  if (rank === severityRank('DEBUG')) return STYLES.gray;
  return plain;
}

/** Longest message shown on a line (the JSON format has everything). */
const MAX_MESSAGE = 500;

function clip(s: string): string {
  const one = s.replace(/\s*\n\s*/g, ' ');
  return one.length > MAX_MESSAGE ? `${one.slice(0, MAX_MESSAGE - 1)}…` : one;
}

/** Formats entries as text lines; remembers when each execution started, to give its duration at the end. */
function textLines(color: boolean): (entry: WorkflowLogEntry) => string {
  const style = (f: (s: string) => string) => (color ? f : plain);
  const startedAt = new Map<string, number>();
  return (entry) => {
    const executionId = entry.labels[EXECUTION_ID_LABEL] ?? '';
    const time = entry.timestamp.slice(11, 23);
    const who = `${entry.resource.labels.workflow_id}/${executionId.slice(0, 8)}`;
    const fn = entry.sourceLocation?.function;
    const step = fn === undefined ? '' : fn.startsWith('main.') ? fn.slice('main.'.length) : fn;
    let message: string;
    let messageStyle = plain;
    const p = entry.jsonPayload;
    const logId = decodeURIComponent(entry.logName.slice(entry.logName.indexOf('/logs/') + 6));
    if (logId === LOG_IDS.executionsSystem && p) {
      const state = String(p.state);
      const time = Date.parse(entry.timestamp);
      if (state === 'ACTIVE') {
        startedAt.set(executionId, time);
        const arg = (p.start as { argument?: string } | undefined)?.argument;
        message = `execution started${arg && arg !== 'null' ? ` with ${arg}` : ''}`;
      } else {
        const began = startedAt.get(executionId);
        startedAt.delete(executionId);
        const took = began === undefined ? '' : ` in ${formatMs(time - began)}`;
        if (state === 'SUCCEEDED') {
          message = `SUCCEEDED${took} → ${(p.success as { result?: string } | undefined)?.result ?? 'null'}`;
          messageStyle = STYLES.green;
        } else if (state === 'FAILED') {
          const f = (p.failure ?? {}) as { exception?: string; source?: string };
          message = `FAILED${took}: ${f.exception ?? ''}${f.source ? ` (at ${f.source})` : ''}`;
          messageStyle = STYLES.red;
        } else {
          message = `${state}${took}`;
          messageStyle = STYLES.yellow;
        }
      }
    } else if (logId === LOG_IDS.engineCall && p) {
      message = `call ${String(p.callee)} ${String(p.state)}${callDetail(p)}`;
    } else {
      message = entry.textPayload ?? JSON.stringify(p ?? null);
    }
    const parts = [
      style(STYLES.dim)(time),
      style(severityStyle(entry.severity))(entry.severity.padEnd(9)),
      style(STYLES.bold)(who),
      ...(step ? [style(STYLES.blue)(step)] : []),
      style(messageStyle)(clip(message)),
    ];
    return parts.join(' ');
  };
}

function callDetail(p: Record<string, unknown>): string {
  const d = (p.begun ?? p.succeeded ?? p.exceptionRaised ?? p.exceptionHandled ?? {}) as Record<
    string,
    unknown
  >;
  if (d.namedArgs !== undefined) return ` ${JSON.stringify(d.namedArgs)}`;
  if (Array.isArray(d.args))
    return ` [${(d.args as { argument: string }[]).map((a) => a.argument).join(', ')}]`;
  if (typeof d.response === 'string') return ` → ${d.response}`;
  if (typeof d.exception === 'string')
    return `: ${d.exception}${typeof d.origin === 'string' ? ` (at ${d.origin})` : ''}`;
  return '';
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
