/**
 * One step entry of an execution, opened from the step tree: what it was and how it ended, its
 * variables (read with the entry, at the detailed history level), the log lines written while it
 * ran and its outbound calls (the request, the response, which stub answered or that it went out).
 *
 * Log lines and calls are the step's when they name its routine and step; a step that runs many
 * times (a loop, a retry) shows each run's own (see step-items.ts).
 */
import { useEffect } from 'preact/hooks';
import type { Execution, LogEntry, RecordedRequest, StepEntry } from '../data/api.js';
import { stepCalls, stepLogs } from '../data/step-items.js';
import { useResource } from '../data/store.js';
import { formatTime, prettyValue } from '../format.js';
import { RequestsTable } from '../pages/stubs.js';
import { ErrorMessage, Pre, StateBadge } from './common.js';
import { LogLines } from './log-lines.js';
import { entryDuration, entryTitle, stepTypeText } from './step-tree.js';

export interface StepDetailsProps {
  /** The entry as the list gave it (basic view). */
  entry: StepEntry;
  /** All the execution's entries (to tell the runs of a step apart). */
  entries: readonly StepEntry[];
  execution: Execution;
  /** Where its step is in the source. */
  line: number | undefined;
  onShowLine: (line: number) => void;
  onSelect: (entryId: string) => void;
  requests: readonly RecordedRequest[] | undefined;
  /** The execution's log entries (none: the section is left out). */
  logs: readonly LogEntry[] | undefined;
}

export function StepDetails({
  entry,
  entries,
  execution,
  line,
  onShowLine,
  onSelect,
  requests,
  logs,
}: StepDetailsProps) {
  // The entry with its variables (the list leaves them out); read again when it changes.
  const full = useResource<StepEntry>(`/v1/${entry.name}`);
  useEffect(() => {
    void full?.reload();
  }, [entry.updateTime, entry.state]);
  const variables = full?.data.value?.variableData?.variables;
  const detailed = execution.executionHistoryLevel === 'EXECUTION_HISTORY_DETAILED';
  const meta = entry.stepEntryMetadata;
  const parent = entry.navigationInfo?.parent;
  const calls = requests ? stepCalls(entry, entries, requests) : undefined;
  const lines = logs ? stepLogs(entry, entries, logs) : undefined;
  return (
    <section class="step-details" id="step-details" aria-labelledby="step-details-title">
      <h3 id="step-details-title">
        {entryTitle(entry)} <span class="muted small">entry {entry.entryId}</span>
      </h3>
      <dl class="facts compact">
        <div>
          <dt>State</dt>
          <dd>
            <StateBadge state={entry.state} />
          </dd>
        </div>
        <div>
          <dt>Type</dt>
          <dd>{stepTypeText(entry.stepType)}</dd>
        </div>
        <div>
          <dt>Step</dt>
          <dd>
            <code>
              {entry.routine}.{entry.step}
            </code>
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatTime(entry.createTime)}</dd>
        </div>
        {entryDuration(entry) && (
          <div>
            <dt>Took</dt>
            <dd>{entryDuration(entry)}</dd>
          </div>
        )}
        {meta?.threadId && (
          <div>
            <dt>Thread</dt>
            <dd>{meta.threadId}</dd>
          </div>
        )}
        {meta?.progressNumber && (
          <div>
            <dt>
              {meta.progressType === 'PROGRESS_TYPE_RETRY'
                ? 'Retry'
                : meta.progressType === 'PROGRESS_TYPE_PARALLEL_BRANCH'
                  ? 'Branch'
                  : 'Iteration'}
            </dt>
            <dd>
              {meta.progressNumber}
              {meta.expectedIteration ? ` of ${meta.expectedIteration}` : ''}
            </dd>
          </div>
        )}
      </dl>
      <div class="button-row">
        {line !== undefined && (
          <button type="button" class="link" onClick={() => onShowLine(line)}>
            Show line {line} in the source
          </button>
        )}
        {parent !== undefined && (
          <button type="button" class="link" onClick={() => onSelect(parent)}>
            Go to its parent (entry {parent})
          </button>
        )}
      </div>
      {entry.exception?.payload && (
        <>
          <h4>Exception</h4>
          <Pre id="step-exception" label="Exception">
            {entry.exception.payload}
          </Pre>
        </>
      )}
      <h4>Variables</h4>
      <ErrorMessage error={full?.error.value} />
      {variables !== undefined && Object.keys(variables).length > 0 ? (
        <div class="table-wrap">
          <table class="list variables" id="step-variables">
            <thead>
              <tr>
                <th>Name</th>
                <th>Value after the step</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(variables)
                .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                .map(([name, value]) => (
                  <tr key={name} data-variable={name}>
                    <td>
                      <code>{name}</code>
                    </td>
                    <td class="value">
                      <pre>{prettyValue(value)}</pre>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="empty" id="step-variables-none">
          {variables !== undefined
            ? 'No variables in scope.'
            : detailed
              ? full?.data.value
                ? 'No variables recorded for this entry.'
                : 'Loading…'
              : 'Variables are recorded at the detailed history level: run it again with history level “detailed”.'}
        </p>
      )}
      {lines !== undefined && (
        <>
          <h4>Log lines</h4>
          {lines.length === 0 ? (
            <p class="empty">This step wrote no log lines.</p>
          ) : (
            <LogLines entries={lines} id="step-logs" />
          )}
        </>
      )}
      <h4>Outbound calls</h4>
      {calls === undefined ? (
        <p class="muted small">Loading…</p>
      ) : calls.length === 0 ? (
        <p class="empty">This step made no HTTP or connector calls.</p>
      ) : (
        <RequestsTable requests={calls} showExecution={false} id="step-calls" />
      )}
    </section>
  );
}
