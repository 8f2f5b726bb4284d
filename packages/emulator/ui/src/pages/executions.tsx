/** Executions: all of them, newest first, filtered by workflow and state. */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import {
  EXECUTION_STATES,
  enc,
  get,
  parseExecutionName,
  type Execution,
  type WorkflowSummary,
} from '../data/api.js';
import { useHref, useProject } from '../data/project.js';
import { PAGE_EVENTS, useLiveEvents, useResource } from '../data/store.js';
import { ErrorMessage, Loaded, PageHeader, StateBadge, useTitle } from '../components/common.js';
import { formatDuration, formatTime } from '../format.js';

interface ExecutionList {
  executions: Execution[];
  nextPageToken?: string;
}

export function executionHref(href: ReturnType<typeof useHref>, name: string): string {
  const { location, workflowId, executionId } = parseExecutionName(name);
  return href(
    `/console/workflows/workflow/${enc(location)}/${enc(workflowId)}/execution/${enc(executionId)}`,
  );
}

export function ExecutionsTable({
  project,
  workflow,
  location,
  state,
  showWorkflow = true,
}: {
  project: string;
  workflow?: string | undefined;
  location?: string | undefined;
  state?: string | undefined;
  showWorkflow?: boolean;
}) {
  const href = useHref();
  const q = new URLSearchParams({ project });
  if (workflow) q.set('workflow', workflow);
  if (location) q.set('location', location);
  if (state) q.set('state', state);
  q.set('pageSize', '50');
  const url = `/emulator/v1/executions?${q.toString()}`;
  const list = useResource<ExecutionList>(url);
  // Further pages, fetched on request ("Show more"), reset when the filter changes.
  const [more, setMore] = useState<{ url: string; items: Execution[]; token?: string | undefined }>({
    url,
    items: [],
  });
  const [moreError, setMoreError] = useState<Error | undefined>(undefined);
  const extra = more.url === url ? more : { url, items: [] as Execution[], token: undefined };
  return (
    <Loaded resource={list}>
      {(d) => {
        const rows = [...d.executions, ...extra.items];
        const token = extra.items.length > 0 ? extra.token : d.nextPageToken;
        if (rows.length === 0) return <p class="empty">No executions{state ? ` in state ${state}` : ''}.</p>;
        return (
          <>
            <div class="table-wrap">
              <table class="list" id="executions">
                <thead>
                  <tr>
                    <th>Execution</th>
                    {showWorkflow && <th>Workflow</th>}
                    <th>State</th>
                    <th class="opt">Started</th>
                    <th class="opt">Duration</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((e) => {
                    const n = parseExecutionName(e.name);
                    return (
                      <tr key={e.name} data-execution={n.executionId}>
                        <td>
                          <a href={executionHref(href, e.name)} class="mono">
                            {n.executionId.slice(0, 8)}
                          </a>
                        </td>
                        {showWorkflow && (
                          <td>
                            <a
                              href={href(
                                `/console/workflows/workflow/${enc(n.location)}/${enc(n.workflowId)}`,
                              )}
                            >
                              {n.workflowId}
                            </a>
                            <span class="muted small"> {n.location}</span>
                          </td>
                        )}
                        <td>
                          <StateBadge state={e.state} />
                        </td>
                        <td class="opt">{formatTime(e.startTime)}</td>
                        <td class="opt">{formatDuration(e.duration)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            {token && (
              <button
                type="button"
                class="secondary"
                onClick={() => {
                  const next = new URLSearchParams(q);
                  next.set('pageToken', token);
                  get<ExecutionList>(`/emulator/v1/executions?${next.toString()}`).then(
                    (page) =>
                      setMore({
                        url,
                        items: [...extra.items, ...page.executions],
                        token: page.nextPageToken,
                      }),
                    (err: Error) => setMoreError(err),
                  );
                }}
              >
                Show more
              </button>
            )}
            <ErrorMessage error={moreError} />
          </>
        );
      }}
    </Loaded>
  );
}

export function ExecutionsPage() {
  useTitle('Executions');
  const project = useProject();
  const href = useHref();
  const { query, route } = useLocation();
  const workflows = useResource<{ workflows: WorkflowSummary[] }>(
    project ? `/emulator/v1/workflows?project=${enc(project)}` : null,
  );
  useLiveEvents(PAGE_EVENTS);
  const filter = { workflow: query.workflow, location: query.location, state: query.state };
  const set = (k: keyof typeof filter, v: string) => {
    const next = { ...filter, [k]: v || undefined };
    if (k === 'workflow') {
      const [loc, id] = v ? v.split('/') : [];
      next.location = loc;
      next.workflow = id;
    }
    route(href('/console/workflows/executions', next), true);
  };
  const wfValue = filter.workflow ? `${filter.location ?? ''}/${filter.workflow}` : '';
  return (
    <>
      <PageHeader title="Executions" kicker={project && `project ${project}`} />
      <form class="filters" role="search" aria-label="Filter executions" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="filter-workflow">Workflow</label>
          <select
            id="filter-workflow"
            value={wfValue}
            onChange={(e) => set('workflow', e.currentTarget.value)}
          >
            <option value="">All workflows</option>
            {workflows?.data.value?.workflows.map((w) => (
              <option key={w.name} value={`${w.location}/${w.workflowId}`}>
                {w.workflowId} ({w.location})
              </option>
            ))}
            {filter.workflow &&
              !workflows?.data.value?.workflows.some((w) => w.workflowId === filter.workflow) && (
                <option value={wfValue}>{filter.workflow}</option>
              )}
          </select>
        </div>
        <div class="field">
          <label for="filter-state">State</label>
          <select
            id="filter-state"
            value={filter.state ?? ''}
            onChange={(e) => set('state', e.currentTarget.value)}
          >
            <option value="">All states</option>
            {EXECUTION_STATES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </div>
      </form>
      {project && (
        <ExecutionsTable
          project={project}
          workflow={filter.workflow}
          location={filter.location}
          state={filter.state}
        />
      )}
    </>
  );
}
