/**
 * Log entries as lines: time, severity, which log (`sys.log`, a call log, the execution's own
 * start and end), the step that wrote it, and what it says. The entries are Cloud Logging
 * LogEntry JSON (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry) as
 * `GET /emulator/v1/logs` gives them; the logs Workflows writes are listed at
 * https://cloud.google.com/logging/docs/api/platform-logs#workflows.
 */
import type { LogEntry } from '../data/api.js';

const timeOfDay = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hour12: false,
});

/** The log an entry is in, by its log ID. */
export function logKind(l: LogEntry): 'sys.log' | 'call' | 'execution' | 'other' {
  const id = decodeURIComponent(l.logName.slice(l.logName.lastIndexOf('/logs/') + 6));
  if (id === 'Workflows') return 'sys.log';
  if (id === 'workflows.googleapis.com/engine_call') return 'call';
  if (id === 'workflows.googleapis.com/executions_system') return 'execution';
  return 'other';
}

const compact = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** What an entry says, in one line of text. */
export function logText(l: LogEntry): string {
  if (l.textPayload !== undefined) return l.textPayload;
  const p = l.jsonPayload ?? {};
  switch (logKind(l)) {
    case 'call': {
      // EngineCallLog: state, callee, and the arguments, response or exception.
      const detail =
        (p.begun as { namedArgs?: unknown; args?: unknown } | undefined)?.namedArgs ??
        (p.begun as { args?: unknown } | undefined)?.args ??
        (p.succeeded as { response?: unknown } | undefined)?.response ??
        (p.exceptionRaised as { exception?: unknown } | undefined)?.exception ??
        (p.exceptionHandled as { exception?: unknown } | undefined)?.exception;
      return `${compact(p.state ?? '')} ${compact(p.callee ?? '')}${detail !== undefined ? ` ${compact(detail)}` : ''}`;
    }
    case 'execution':
      // ExecutionsSystemLog: an English message.
      return typeof p.message === 'string' ? p.message : compact(p);
    default: {
      const { '@type': _type, ...rest } = p;
      return compact(rest);
    }
  }
}

export function LogLines({ entries, id }: { entries: readonly LogEntry[]; id?: string }) {
  return (
    <ol class="log-lines" id={id}>
      {entries.map((l) => {
        const severity = l.severity ?? 'DEFAULT';
        const kind = logKind(l);
        return (
          <li
            key={l.insertId}
            class={`log-line sev-${severity.toLowerCase()}`}
            data-severity={severity}
            data-log={kind}
          >
            <time class="log-time muted" dateTime={l.timestamp}>
              {Number.isNaN(Date.parse(l.timestamp)) ? l.timestamp : timeOfDay.format(new Date(l.timestamp))}
            </time>
            <span class="log-severity">{severity}</span>
            <span class="log-kind muted">{kind}</span>
            {l.sourceLocation?.function && <code class="log-step muted">{l.sourceLocation.function}</code>}
            <span class="log-text">{logText(l)}</span>
          </li>
        );
      })}
    </ol>
  );
}
