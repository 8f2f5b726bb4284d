/**
 * The logs of one execution (`sys.log`, call logs, its start and end), from
 * `GET /emulator/v1/logs?execution=NAME`, live, with a filter on the lowest severity shown and on
 * which logs (https://cloud.google.com/logging/docs/api/platform-logs#workflows).
 */
import { useState } from 'preact/hooks';
import { LOG_SEVERITIES, type LogEntry } from '../data/api.js';
import type { Resource } from '../data/store.js';
import { Loaded } from './common.js';
import { LogLines, logKind } from './log-lines.js';

export interface LogList {
  entries?: LogEntry[];
  nextPageToken?: string;
}

const KINDS = ['sys.log', 'call', 'execution'] as const;
const rank = (s: string | undefined) =>
  LOG_SEVERITIES.indexOf((s ?? 'DEFAULT') as (typeof LOG_SEVERITIES)[number]);

export function ExecutionLogs({ logs }: { logs: Resource<LogList> | undefined }) {
  const [min, setMin] = useState<string>('DEFAULT');
  const [kinds, setKinds] = useState<ReadonlySet<string>>(new Set(KINDS));
  return (
    <section class="panel" aria-labelledby="logs-title">
      <h2 id="logs-title">Logs</h2>
      <form class="filters" role="search" aria-label="Filter the logs" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="log-severity">Lowest severity</label>
          <select id="log-severity" value={min} onChange={(e) => setMin(e.currentTarget.value)}>
            {LOG_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s === 'DEFAULT' ? 'all (DEFAULT and up)' : s}
              </option>
            ))}
          </select>
        </div>
        <fieldset class="kinds">
          <legend>Logs</legend>
          {KINDS.map((k) => (
            <label key={k}>
              <input
                type="checkbox"
                name="log-kind"
                value={k}
                checked={kinds.has(k)}
                onChange={(e) => {
                  const next = new Set(kinds);
                  if (e.currentTarget.checked) next.add(k);
                  else next.delete(k);
                  setKinds(next);
                }}
              />
              {k === 'sys.log' ? 'sys.log' : k === 'call' ? 'call logs' : 'execution'}
            </label>
          ))}
        </fieldset>
      </form>
      <Loaded resource={logs}>
        {(d) => {
          const all = d.entries ?? [];
          const shown = all.filter((l) => rank(l.severity) >= rank(min) && kinds.has(logKind(l)));
          return (
            <>
              {shown.length === 0 ? (
                <p class="empty">
                  {all.length === 0
                    ? 'This execution has written no log entries.'
                    : 'No log entries for this filter.'}
                </p>
              ) : (
                <LogLines entries={shown} id="logs" />
              )}
              {d.nextPageToken && <p class="muted small">Showing the first {all.length} entries.</p>}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
