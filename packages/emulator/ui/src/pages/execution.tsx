/**
 * Execution: the page `getConsoleUrl()` opens. State, times, argument, result or error with its
 * stack; cancel, run again (same or edited argument), deliver a request to a callback the
 * execution waits on; its outbound calls from the request log; where it went (the source with
 * the steps it ran marked and the line where it failed, the graph with the path it took) and the
 * steps it took. The page follows the execution live.
 */
import { useMemo, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import {
  callbackUrl,
  enc,
  request,
  workflowPath,
  type Callback,
  type Execution,
  type LogEntry,
  type RecordedRequest,
  type StepTree,
  type Workflow,
} from '../data/api.js';
import { stepKey, stepLines } from '../data/step-status.js';
import { RunPath, type RunView } from '../components/run-path.js';
import { useHref, useProject } from '../data/project.js';
import { applyExecution, useLiveEvents, useResource } from '../data/store.js';
import { MAX_STEP_ENTRIES, useStepHistory, type StepHistory } from '../data/steps.js';
import { ErrorMessage, Loaded, PageHeader, Pre, StateBadge, useTitle } from '../components/common.js';
import { ExecutionLogs, type LogList } from '../components/execution-logs.js';
import { StepDetails } from '../components/step-details.js';
import { StepTreeView } from '../components/step-tree.js';
import { JsonField, jsonProblem } from '../components/json-field.js';
import { formatDuration, formatTime, lastSegment, prettyJson } from '../format.js';
import { RequestsTable } from './stubs.js';

const RUNNING = new Set(['ACTIVE', 'QUEUED']);

export function ExecutionPage() {
  const { params } = useRoute();
  const { query, route, url } = useLocation();
  const project = useProject();
  const href = useHref();
  const location = params.location ?? '';
  const workflowId = params.workflow ?? '';
  const executionId = params.execution ?? '';
  useTitle(`Execution ${executionId} · ${workflowId}`);
  const wfPath = project ? workflowPath(project, location, workflowId) : null;
  const name = wfPath ? `${wfPath}/executions/${enc(executionId)}` : null;
  const execution = useResource<Execution>(name ? `/v1/${name}` : null);
  const callbacks = useResource<{ callbacks?: Callback[] }>(
    name && RUNNING.has(execution?.data.value?.state ?? 'ACTIVE') ? `/v1/${name}/callbacks` : null,
  );
  // Read once the execution is known to exist (a missing one gets one message, not three).
  const found = execution?.data.value !== undefined;
  const requests = useResource<{ requests: RecordedRequest[] }>(
    found ? `/emulator/v1/requests?executionId=${enc(executionId)}` : null,
  );
  const steps = useStepHistory(found && name ? name : null);
  // Its log entries (`sys.log`, call logs, its start and end), as Cloud Logging would list them.
  const logs = useResource<LogList>(
    found && name ? `/emulator/v1/logs?execution=${enc(name)}&pageSize=1000` : null,
  );
  // This execution's changes, outbound calls and log entries, as they happen.
  useLiveEvents(name ? { execution: name, types: ['execution', 'request', 'log', 'stepEntry'] } : null);
  // Its revision's source and step tree (revisions never change).
  const revisionId = execution?.data.value?.workflowRevisionId;
  const revisionQuery = revisionId ? `?revisionId=${enc(revisionId)}` : null;
  const revision = useResource<Workflow>(wfPath && revisionQuery ? `/v1/${wfPath}${revisionQuery}` : null);
  const tree = useResource<StepTree>(
    wfPath && revisionQuery ? `/emulator/v1/${wfPath}/stepTree${revisionQuery}` : null,
  );
  const treeData = tree?.data.value;
  const lines = useMemo(() => (treeData ? stepLines(treeData) : undefined), [treeData]);
  const [view, setView] = useState<RunView>('source');
  const [markLine, setMarkLine] = useState<number | undefined>(undefined);
  const showLine = (line: number) => {
    setMarkLine(line);
    setView('source');
    requestAnimationFrame(() => document.getElementById('path-title')?.scrollIntoView({ block: 'start' }));
  };

  return (
    <>
      <PageHeader
        title={
          <>
            Execution <span class="mono id">{executionId}</span>
          </>
        }
        kicker={
          <>
            <a href={href('/')}>Workflows</a> ›{' '}
            <a href={href(`/console/workflows/workflow/${enc(location)}/${enc(workflowId)}`)}>{workflowId}</a>{' '}
            ›{' '}
            <a href={href('/console/workflows/executions', { workflow: workflowId, location })}>executions</a>
          </>
        }
      />
      <Loaded resource={execution}>
        {(ex) => (
          <>
            <section class="panel summary" aria-label="Summary">
              <div class="summary-state">
                <StateBadge state={ex.state} />
                {ex.status?.currentSteps && ex.status.currentSteps.length > 0 && RUNNING.has(ex.state) && (
                  <span class="muted">
                    at {ex.status.currentSteps.map((s) => `${s.routine}.${s.step}`).join(', ')}
                  </span>
                )}
              </div>
              <dl class="facts">
                <div>
                  <dt>Workflow</dt>
                  <dd>
                    <a href={href(`/console/workflows/workflow/${enc(location)}/${enc(workflowId)}`)}>
                      {workflowId}
                    </a>{' '}
                    <span class="muted">{location}</span>
                  </dd>
                </div>
                <div>
                  <dt>Revision</dt>
                  <dd>
                    <a
                      href={href(`/console/workflows/workflow/${enc(location)}/${enc(workflowId)}`, {
                        revision: ex.workflowRevisionId,
                      })}
                    >
                      <code>{ex.workflowRevisionId}</code>
                    </a>
                  </dd>
                </div>
                <div>
                  <dt>Created</dt>
                  <dd>{formatTime(ex.createTime)}</dd>
                </div>
                <div>
                  <dt>Started</dt>
                  <dd>{formatTime(ex.startTime)}</dd>
                </div>
                {ex.endTime && (
                  <div>
                    <dt>Ended</dt>
                    <dd>{formatTime(ex.endTime)}</dd>
                  </div>
                )}
                {ex.duration && (
                  <div>
                    <dt>Duration</dt>
                    <dd>{formatDuration(ex.duration)}</dd>
                  </div>
                )}
                {ex.executionHistoryLevel && (
                  <div>
                    <dt>History</dt>
                    <dd>{ex.executionHistoryLevel.replace('EXECUTION_HISTORY_', '').toLowerCase()}</dd>
                  </div>
                )}
                {ex.callLogLevel && (
                  <div>
                    <dt>Call log</dt>
                    <dd>{ex.callLogLevel.replace('LOG_', '').replace(/_/g, ' ').toLowerCase()}</dd>
                  </div>
                )}
                {ex.labels && Object.keys(ex.labels).length > 0 && (
                  <div>
                    <dt>Labels</dt>
                    <dd>
                      {Object.entries(ex.labels)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(', ')}
                    </dd>
                  </div>
                )}
              </dl>
              {wfPath && <Actions execution={ex} workflowPath={wfPath} />}
            </section>
            <div class="columns">
              <section class="panel" aria-labelledby="argument-title">
                <h2 id="argument-title">Argument</h2>
                <Pre id="argument" label="Argument">
                  {prettyJson(ex.argument ?? 'null')}
                </Pre>
              </section>
              {ex.result !== undefined && (
                <section class="panel" aria-labelledby="result-title">
                  <h2 id="result-title">Result</h2>
                  <Pre id="result" label="Result">
                    {prettyJson(ex.result)}
                  </Pre>
                </section>
              )}
              {ex.error && (
                <section class="panel failed" aria-labelledby="error-title">
                  <h2 id="error-title">Error</h2>
                  <h3>Payload</h3>
                  <Pre id="error-payload" label="Error payload">
                    {prettyJson(ex.error.payload)}
                  </Pre>
                  {ex.error.stackTrace?.elements && ex.error.stackTrace.elements.length > 0 && (
                    <>
                      <h3>Stack</h3>
                      <ol class="stack" id="error-stack">
                        {ex.error.stackTrace.elements.map((el, i) => (
                          <li key={i}>
                            step <strong>{el.step}</strong> in routine <strong>{el.routine}</strong>
                            {el.position?.line && (
                              <span class="muted">
                                {' '}
                                at line {el.position.line}, column {el.position.column}
                              </span>
                            )}
                          </li>
                        ))}
                      </ol>
                    </>
                  )}
                  {ex.error.context && (
                    <>
                      <h3>Context</h3>
                      <Pre id="error-context" label="Error context">
                        {ex.error.context}
                      </Pre>
                    </>
                  )}
                </section>
              )}
            </div>
            {RUNNING.has(ex.state) && callbacks && (
              <Loaded resource={callbacks}>{(d) => <Callbacks callbacks={d.callbacks ?? []} />}</Loaded>
            )}
            {steps && (
              <RunPath
                execution={ex}
                history={steps}
                revision={revision}
                tree={tree}
                lines={lines}
                view={view}
                onView={setView}
                markLine={markLine}
                onMarkLine={setMarkLine}
              />
            )}
          </>
        )}
      </Loaded>
      {found && (
        <>
          <section class="panel" aria-labelledby="calls-title">
            <h2 id="calls-title">Outbound calls</h2>
            <Loaded resource={requests}>
              {(d) =>
                d.requests.length === 0 ? (
                  <p class="empty">
                    This execution made no HTTP or connector calls (or they left the request log).
                  </p>
                ) : (
                  <RequestsTable requests={d.requests} showExecution={false} />
                )
              }
            </Loaded>
          </section>
          <section class="panel" aria-labelledby="steps-title">
            <h2 id="steps-title">Steps</h2>
            {steps && execution?.data.value && (
              <Steps
                history={steps}
                execution={execution.data.value}
                requests={requests?.data.value?.requests}
                logs={logs?.data.value?.entries ?? (logs?.data.value ? [] : undefined)}
                lines={lines}
                onShowLine={showLine}
                selected={query.step}
                onSelect={(id) => {
                  const u = new URL(url, window.location.origin);
                  u.searchParams.set('step', id);
                  route(`${u.pathname}${u.search}`, true);
                }}
              />
            )}
          </section>
          <ExecutionLogs logs={logs} />
        </>
      )}
    </>
  );
}

interface StepsProps {
  history: StepHistory;
  execution: Execution;
  requests: readonly RecordedRequest[] | undefined;
  logs: readonly LogEntry[] | undefined;
  /** Where each step is in the source, by `stepKey`. */
  lines: ReadonlyMap<string, number> | undefined;
  onShowLine: (line: number) => void;
  /** The entry ID of the step shown in detail. */
  selected: string | undefined;
  onSelect: (entryId: string) => void;
}

/** The steps as a tree, and the selected one in detail beside it. */
function Steps({ history, execution, requests, logs, lines, onShowLine, selected, onSelect }: StepsProps) {
  const entries = history.entries.value;
  const total = history.total.value ?? entries.length;
  const entry = selected === undefined ? undefined : entries.find((e) => e.entryId === selected);
  const line = entry?.routine && entry.step ? lines?.get(stepKey(entry.routine, entry.step)) : undefined;
  return (
    <>
      <ErrorMessage error={history.error.value} />
      {!history.loaded.value ? (
        <p class="muted">Loading…</p>
      ) : (
        <div class="steps-layout">
          <div class="steps-tree-wrap">
            <StepTreeView roots={history.tree.value} selected={selected} onSelect={onSelect} />
            {total > entries.length && (
              <p class="muted small">
                Showing the first {entries.length} of {total} steps
                {entries.length >= MAX_STEP_ENTRIES ? ` (the page reads at most ${MAX_STEP_ENTRIES})` : ''}.
              </p>
            )}
          </div>
          {entry ? (
            <StepDetails
              key={entry.entryId}
              entry={entry}
              entries={entries}
              execution={execution}
              line={line}
              onShowLine={onShowLine}
              onSelect={onSelect}
              requests={requests}
              logs={logs}
            />
          ) : (
            entries.length > 0 && (
              <p class="muted step-hint">
                Select a step to see its variables, log lines and outbound calls (arrow keys move in the list,
                Enter opens).
              </p>
            )
          )}
        </div>
      )}
    </>
  );
}

function Actions({ execution, workflowPath: path }: { execution: Execution; workflowPath: string }) {
  const href = useHref();
  const { route } = useLocation();
  const [editing, setEditing] = useState(false);
  const [argument, setArgument] = useState(prettyJson(execution.argument ?? 'null'));
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);

  const act = async (what: string, fn: () => Promise<void>) => {
    setBusy(what);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(undefined);
    }
  };
  const runAgain = (argumentText: string | undefined) =>
    act('run', async () => {
      const body: Record<string, string> = {};
      if (argumentText !== undefined && argumentText.trim() !== '') body.argument = argumentText.trim();
      if (execution.executionHistoryLevel) body.executionHistoryLevel = execution.executionHistoryLevel;
      if (execution.callLogLevel) body.callLogLevel = execution.callLogLevel;
      const ex = await request<Execution>('POST', `/v1/${path}/executions`, body);
      applyExecution(ex);
      setEditing(false);
      const [, , , location, , workflowId] = ex.name.split('/');
      route(href(`/console/workflows/workflow/${location}/${workflowId}/execution/${lastSegment(ex.name)}`));
    });
  const problem = jsonProblem(argument, true);
  return (
    <div class="actions">
      <div class="button-row">
        {RUNNING.has(execution.state) && (
          <button
            type="button"
            class="danger"
            disabled={busy !== undefined}
            onClick={() =>
              void act('cancel', async () => {
                applyExecution(await request<Execution>('POST', `/v1/${execution.name}:cancel`, {}));
              })
            }
          >
            {busy === 'cancel' ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        <button type="button" disabled={busy !== undefined} onClick={() => void runAgain(execution.argument)}>
          {busy === 'run' && !editing ? 'Starting…' : 'Run again'}
        </button>
        <button type="button" class="secondary" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          Edit argument and run
        </button>
      </div>
      {editing && (
        <form
          class="rerun"
          aria-label="Run again with an edited argument"
          onSubmit={(e) => {
            e.preventDefault();
            if (!problem) void runAgain(argument);
          }}
        >
          <JsonField
            label="Argument (JSON)"
            name="argument"
            value={argument}
            onInput={setArgument}
            allowEmpty
            rows={6}
          />
          <button type="submit" disabled={busy !== undefined || problem !== undefined}>
            {busy === 'run' ? 'Starting…' : 'Run with this argument'}
          </button>
        </form>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}

/** Callbacks the execution created and may wait on; a request can be delivered to each. */
function Callbacks({ callbacks }: { callbacks: Callback[] }) {
  return (
    <section class="panel" aria-labelledby="callbacks-title">
      <h2 id="callbacks-title">Callbacks</h2>
      {callbacks.length === 0 ? (
        <p class="empty">This execution has created no callback.</p>
      ) : (
        callbacks.map((c) => <CallbackForm key={c.name} callback={c} />)
      )}
    </section>
  );
}

function CallbackForm({ callback }: { callback: Callback }) {
  const [body, setBody] = useState('{}');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const url = callbackUrl(callback.name);
  const method = callback.method === '' ? 'POST' : callback.method.toUpperCase();
  const sendsBody = method !== 'GET' && method !== 'HEAD' && method !== 'DELETE';
  const problem = sendsBody ? jsonProblem(body, true) : undefined;
  return (
    <form
      class="callback"
      aria-label={`Deliver a request to callback ${lastSegment(callback.name)}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (problem) return;
        setBusy(true);
        setError(undefined);
        request<unknown>(method, url, sendsBody && body.trim() !== '' ? body : undefined).then(
          () => {
            setDone(true);
            setBusy(false);
          },
          (err: Error) => {
            setError(err);
            setBusy(false);
          },
        );
      }}
    >
      <div class="callback-head">
        <span class="method">{method}</span> <code class="path">{url}</code>
        {Number(callback.waiters ?? 0) > 0 && <span class="state state-active">waiting</span>}
        {(callback.availablePayloads?.length ?? 0) > 0 && (
          <span class="muted small"> {callback.availablePayloads?.length} request(s) queued</span>
        )}
      </div>
      {sendsBody && (
        <JsonField
          label="Request body (JSON)"
          name="callback-body"
          value={body}
          onInput={setBody}
          allowEmpty
          rows={3}
        />
      )}
      <button type="submit" disabled={busy || problem !== undefined}>
        {busy ? 'Delivering…' : 'Deliver'}
      </button>
      {done && (
        <p class="ok" role="status">
          Delivered.
        </p>
      )}
      <ErrorMessage error={error} />
    </form>
  );
}
