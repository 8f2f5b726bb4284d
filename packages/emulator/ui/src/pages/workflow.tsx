/** Workflow: its source, revisions, step graph, recent executions and the Execute form. */
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import {
  CALL_LOG_LEVELS,
  HISTORY_LEVELS,
  enc,
  request,
  workflowPath,
  type Execution,
  type StepTree,
  type Workflow,
} from '../data/api.js';
import { useHref, useProject } from '../data/project.js';
import { applyExecution, PAGE_EVENTS, useLiveEvents, useResource } from '../data/store.js';
import { ErrorMessage, Loaded, PageHeader, useTitle } from '../components/common.js';
import { JsonField, jsonProblem } from '../components/json-field.js';
import { SourceView } from '../components/source-view.js';
import { Tabs } from '../components/tabs.js';
import { StepGraph } from '../components/step-graph.js';
import { formatTime, lastSegment } from '../format.js';
import { ExecutionsTable } from './executions.js';

const TABS = ['source', 'graph', 'revisions', 'executions'] as const;
type Tab = (typeof TABS)[number];

export function WorkflowPage() {
  const { params } = useRoute();
  const { query, route } = useLocation();
  const project = useProject();
  const href = useHref();
  const location = params.location ?? '';
  const workflowId = params.workflow ?? '';
  useTitle(workflowId);
  const tab: Tab = (TABS as readonly string[]).includes(query.tab ?? '') ? (query.tab as Tab) : 'source';
  const revision = query.revision;
  const path = project ? workflowPath(project, location, workflowId) : null;
  const workflow = useResource<Workflow>(
    path ? `/v1/${path}${revision ? `?revisionId=${enc(revision)}` : ''}` : null,
  );
  const current = useResource<Workflow>(revision && path ? `/v1/${path}` : null);
  const [markLine, setMarkLine] = useState<number | undefined>(undefined);
  useLiveEvents(PAGE_EVENTS);

  const go = (next: Partial<Record<'tab' | 'revision', string | undefined>>) =>
    route(
      href(`/console/workflows/workflow/${enc(location)}/${enc(workflowId)}`, {
        tab: 'tab' in next ? next.tab : tab === 'source' ? undefined : tab,
        revision: 'revision' in next ? next.revision : revision,
      }),
    );

  const latest = (current ?? workflow)?.data.value?.revisionId;
  return (
    <>
      <PageHeader title={workflowId} kicker={<a href={href('/')}>Workflows</a>} />
      <Loaded resource={workflow}>
        {(wf) => (
          <>
            <dl class="facts">
              <div>
                <dt>Location</dt>
                <dd>{location}</dd>
              </div>
              <div>
                <dt>Revision</dt>
                <dd>
                  <code>{wf.revisionId}</code>
                  {revision && revision !== latest && (
                    <>
                      {' '}
                      (not the current one:{' '}
                      <a
                        href={href(`/console/workflows/workflow/${enc(location)}/${enc(workflowId)}`, {
                          tab,
                        })}
                      >
                        {latest}
                      </a>
                      )
                    </>
                  )}
                </dd>
              </div>
              <div>
                <dt>Deployed</dt>
                <dd>{formatTime(wf.revisionCreateTime)}</dd>
              </div>
              {wf.description && (
                <div>
                  <dt>Description</dt>
                  <dd>{wf.description}</dd>
                </div>
              )}
            </dl>
            {path && <ExecuteForm workflowPath={path} />}
            <Tabs
              id="workflow"
              label="Workflow views"
              tabs={TABS}
              selected={tab}
              onSelect={(t) => go({ tab: t === 'source' ? undefined : t })}
            >
              {tab === 'source' && <SourceView source={wf.sourceContents ?? ''} markLine={markLine} />}
              {tab === 'graph' && path && (
                <GraphTab
                  path={path}
                  revisionId={wf.revisionId}
                  onSelect={(line) => {
                    setMarkLine(line);
                    go({ tab: undefined });
                  }}
                  selectedLine={markLine}
                />
              )}
              {tab === 'revisions' && path && (
                <RevisionsTab
                  path={path}
                  shown={wf.revisionId}
                  onShow={(r) => go({ revision: r === latest ? undefined : r, tab: undefined })}
                />
              )}
              {tab === 'executions' && project && (
                <ExecutionsTable
                  project={project}
                  workflow={workflowId}
                  location={location}
                  showWorkflow={false}
                />
              )}
            </Tabs>
          </>
        )}
      </Loaded>
    </>
  );
}

function GraphTab({
  path,
  revisionId,
  onSelect,
  selectedLine,
}: {
  path: string;
  revisionId: string;
  onSelect: (line: number) => void;
  selectedLine: number | undefined;
}) {
  const tree = useResource<StepTree>(`/emulator/v1/${path}/stepTree?revisionId=${enc(revisionId)}`);
  return (
    <Loaded resource={tree}>
      {(t) => (
        <>
          <p class="muted small">Select a step to see it in the source.</p>
          <StepGraph tree={t} onSelect={onSelect} selectedLine={selectedLine} />
        </>
      )}
    </Loaded>
  );
}

function RevisionsTab({
  path,
  shown,
  onShow,
}: {
  path: string;
  shown: string;
  onShow: (revisionId: string) => void;
}) {
  const revisions = useResource<{ workflows: Workflow[] }>(`/v1/${path}:listRevisions?pageSize=100`);
  return (
    <Loaded resource={revisions}>
      {({ workflows }) => (
        <div class="table-wrap">
          <table class="list" id="revisions">
            <thead>
              <tr>
                <th>Revision</th>
                <th>Created</th>
                <th class="opt">Lines</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {workflows.map((r) => (
                <tr key={r.revisionId} class={r.revisionId === shown ? 'current' : undefined}>
                  <td>
                    <code>{r.revisionId}</code>
                  </td>
                  <td>{formatTime(r.revisionCreateTime)}</td>
                  <td class="opt">{(r.sourceContents ?? '').split('\n').length}</td>
                  <td>
                    {r.revisionId === shown ? (
                      <span class="muted">shown</span>
                    ) : (
                      <button type="button" class="link" onClick={() => onShow(r.revisionId)}>
                        View source
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Loaded>
  );
}

/** The Execute form: argument JSON (validated as typed), history level and call-log level. */
export function ExecuteForm({ workflowPath: path }: { workflowPath: string }) {
  const href = useHref();
  const { route } = useLocation();
  const [argument, setArgument] = useState('');
  const [history, setHistory] = useState('');
  const [callLog, setCallLog] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const problem = jsonProblem(argument, true);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (problem) return;
    setBusy(true);
    setError(undefined);
    try {
      const body: Record<string, string> = {};
      // Sent as typed: the emulator parses it (JSON.parse here would round big integers).
      if (argument.trim() !== '') body.argument = argument.trim();
      if (history) body.executionHistoryLevel = history;
      if (callLog) body.callLogLevel = callLog;
      const ex = await request<Execution>('POST', `/v1/${path}/executions`, body);
      applyExecution(ex);
      const [, , , location, , workflowId] = ex.name.split('/');
      route(href(`/console/workflows/workflow/${location}/${workflowId}/execution/${lastSegment(ex.name)}`));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    // Open where there is room; on a phone the source comes first.
    <details class="panel execute" open={!window.matchMedia('(max-width: 640px)').matches}>
      <summary>
        <h2>Execute</h2>
      </summary>
      <form onSubmit={(e) => void submit(e)} aria-label="Execute the workflow">
        <JsonField
          label="Argument (JSON, empty for none)"
          name="argument"
          value={argument}
          onInput={setArgument}
          allowEmpty
          rows={4}
          placeholder='{"name": "Ada"}'
        />
        <div class="field-row">
          <div class="field">
            <label for="history-level">History level</label>
            <select
              id="history-level"
              name="executionHistoryLevel"
              value={history}
              onChange={(e) => setHistory(e.currentTarget.value)}
            >
              <option value="">Workflow's default</option>
              {HISTORY_LEVELS.map((l) => (
                <option key={l} value={l}>
                  {l.replace('EXECUTION_HISTORY_', '').toLowerCase()}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="call-log-level">Call-log level</label>
            <select
              id="call-log-level"
              name="callLogLevel"
              value={callLog}
              onChange={(e) => setCallLog(e.currentTarget.value)}
            >
              <option value="">Workflow's default</option>
              {CALL_LOG_LEVELS.map((l) => (
                <option key={l} value={l}>
                  {l.replace('LOG_', '').replace(/_/g, ' ').toLowerCase()}
                </option>
              ))}
            </select>
          </div>
          <div class="field submit">
            <button type="submit" disabled={busy || problem !== undefined}>
              {busy ? 'Starting…' : 'Execute'}
            </button>
          </div>
        </div>
        <ErrorMessage error={error} />
      </form>
    </details>
  );
}
