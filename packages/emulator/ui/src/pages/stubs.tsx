/** Stubs and requests: the registered stubs (add from JSON, delete, hit counts) and the request log. */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { enc, request, type RecordedRequest, type Stub, type WorkflowSummary } from '../data/api.js';
import { useHref, useProject } from '../data/project.js';
import {
  applyRequestsCleared,
  applyStubsChanged,
  PAGE_EVENTS,
  useLiveEvents,
  useResource,
} from '../data/store.js';
import { ErrorMessage, Loaded, PageHeader, Pre, useTitle } from '../components/common.js';
import { JsonField, jsonProblem } from '../components/json-field.js';
import { formatTime, prettyJson, prettyValue } from '../format.js';

const EXAMPLE_STUB = `{
  "method": "GET",
  "url": "https://api.example.com/items/*",
  "status": 200,
  "body": { "id": 1, "name": "example" }
}`;

const OUTCOMES = ['stub', 'network', 'blocked', 'fault', 'emulated', 'replay', 'mocked'] as const;

function target(s: Stub): string {
  return s.kind === 'connector' ? (s.connector ?? '') : `${s.method ?? '*'} ${s.url ?? ''}`;
}

export function StubsPage() {
  useTitle('Stubs and requests');
  const href = useHref();
  const { query, route } = useLocation();
  const stubs = useResource<{ stubs: Stub[] }>('/emulator/v1/stubs');
  const filter = {
    executionId: query.executionId,
    workflowId: query.workflowId,
    stubId: query.stubId,
    kind: query.kind,
    outcome: query.outcome,
  };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
  const requests = useResource<{ requests: RecordedRequest[] }>(
    `/emulator/v1/requests${q.size ? `?${q}` : ''}`,
  );
  useLiveEvents(PAGE_EVENTS);
  const setFilter = (k: keyof typeof filter, v: string) =>
    route(href('/console/workflows/stubs', { ...filter, [k]: v.trim() || undefined }), true);

  return (
    <>
      <PageHeader title="Stubs and requests" />
      <section class="panel" aria-labelledby="stubs-title">
        <h2 id="stubs-title">Stubs</h2>
        <p class="muted small">
          Newest first wins: a stub added here overrides older ones for the calls it matches. Hits count the
          calls each stub answered.
        </p>
        <Loaded resource={stubs}>
          {(d) => <StubsTable stubs={[...d.stubs].reverse()} onFilter={(id) => setFilter('stubId', id)} />}
        </Loaded>
        <AddStubs />
      </section>
      <section class="panel" aria-labelledby="requests-title">
        <h2 id="requests-title">Request log</h2>
        <form
          class="filters"
          role="search"
          aria-label="Filter the request log"
          onSubmit={(e) => e.preventDefault()}
        >
          {(['executionId', 'workflowId', 'stubId'] as const).map((k) => (
            <div class="field" key={k}>
              <label for={`rf-${k}`}>
                {k === 'executionId' ? 'Execution' : k === 'workflowId' ? 'Workflow' : 'Stub'}
              </label>
              <input
                id={`rf-${k}`}
                type="search"
                value={filter[k] ?? ''}
                onChange={(e) => setFilter(k, e.currentTarget.value)}
                placeholder="any"
              />
            </div>
          ))}
          <div class="field">
            <label for="rf-kind">Kind</label>
            <select
              id="rf-kind"
              value={filter.kind ?? ''}
              onChange={(e) => setFilter('kind', e.currentTarget.value)}
            >
              <option value="">any</option>
              <option value="http">http</option>
              <option value="connector">connector</option>
            </select>
          </div>
          <div class="field">
            <label for="rf-outcome">Outcome</label>
            <select
              id="rf-outcome"
              value={filter.outcome ?? ''}
              onChange={(e) => setFilter('outcome', e.currentTarget.value)}
            >
              <option value="">any</option>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </div>
          <div class="field submit">
            <button
              type="button"
              class="secondary"
              onClick={() =>
                void request('DELETE', '/emulator/v1/requests').then(applyRequestsCleared, () => undefined)
              }
            >
              Clear log
            </button>
          </div>
        </form>
        <Loaded resource={requests}>
          {(d) =>
            d.requests.length === 0 ? (
              <p class="empty">No outbound calls recorded{q.size ? ' for this filter' : ''}.</p>
            ) : (
              <RequestsTable requests={[...d.requests].reverse()} showExecution />
            )
          }
        </Loaded>
      </section>
    </>
  );
}

function StubsTable({ stubs, onFilter }: { stubs: Stub[]; onFilter: (id: string) => void }) {
  const [error, setError] = useState<Error | undefined>(undefined);
  if (stubs.length === 0)
    return (
      <p class="empty">No stubs registered: every outbound call is blocked unless its host is allowed.</p>
    );
  return (
    <>
      <div class="table-wrap">
        <table class="list" id="stubs">
          <thead>
            <tr>
              <th>Stub</th>
              <th class="opt">Answers</th>
              <th>Hits</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {stubs.map((s) => (
              <tr key={s.id} data-stub={s.id}>
                <td class="path">
                  <code class="stub-id">{s.id}</code>
                  <div>
                    <code>{target(s)}</code>
                  </div>
                  {typeof s.match === 'string' && <div class="muted small">match {s.match}</div>}
                  {s.description && <div class="muted small">{s.description}</div>}
                </td>
                <td class="opt">
                  {s.programmatic ? 'code' : typeof s.fault === 'string' ? s.fault : `${s.status ?? 200}`}
                  {s.times !== undefined && <span class="muted small"> · {s.times}×</span>}
                </td>
                <td>
                  <button
                    type="button"
                    class="link hits"
                    title="Show the calls it answered"
                    onClick={() => onFilter(s.id)}
                  >
                    {s.calls}
                  </button>
                </td>
                <td>
                  <button
                    type="button"
                    class="secondary small"
                    aria-label={`Delete stub ${s.id}`}
                    onClick={() =>
                      void request('DELETE', `/emulator/v1/stubs/${enc(s.id)}`).then(
                        applyStubsChanged,
                        (err: Error) => setError(err),
                      )
                    }
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorMessage error={error} />
    </>
  );
}

function AddStubs() {
  const [text, setText] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [added, setAdded] = useState<string | undefined>(undefined);
  const [open, setOpen] = useState(false);
  const problem = jsonProblem(text, false);
  return (
    <details class="add-stubs" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Add stubs from JSON</summary>
      <form
        aria-label="Add stubs"
        onSubmit={(e) => {
          e.preventDefault();
          if (problem) return;
          setError(undefined);
          request<Stub | Stub[]>('POST', '/emulator/v1/stubs', text).then(
            (r) => {
              const ids = (Array.isArray(r) ? r : [r]).map((s) => s.id);
              setAdded(`Added ${ids.join(', ')}.`);
              setText('');
              applyStubsChanged();
            },
            (err: Error) => setError(err),
          );
        }}
      >
        <JsonField
          label="One stub or a list of stubs (the format of --stubs files)"
          name="stubs"
          value={text}
          onInput={(t) => {
            setText(t);
            setAdded(undefined);
          }}
          rows={8}
          placeholder={EXAMPLE_STUB}
        />
        <button type="submit" disabled={problem !== undefined}>
          Add
        </button>
        {added && (
          <p class="ok" role="status">
            {added}
          </p>
        )}
        <ErrorMessage error={error} />
      </form>
    </details>
  );
}

export function RequestsTable({
  requests,
  showExecution,
  id = 'requests',
}: {
  requests: readonly RecordedRequest[];
  showExecution: boolean;
  id?: string;
}) {
  const href = useHref();
  const project = useProject();
  // The log names the workflow but not its location: look it up among the deployed workflows.
  const workflows = useResource<{ workflows: WorkflowSummary[] }>(
    showExecution && project ? `/emulator/v1/workflows?project=${enc(project)}` : null,
  );
  const locationOf = (workflowId: string): string | undefined => {
    const found = workflows?.data.value?.workflows.filter((w) => w.workflowId === workflowId) ?? [];
    return found.length === 1 ? found[0]?.location : undefined;
  };
  return (
    <div class="table-wrap">
      <table class="list requests" id={id}>
        <thead>
          <tr>
            <th class="opt">Time</th>
            <th>Call</th>
            <th>Outcome</th>
            <th class="opt">{showExecution ? 'Execution · step' : 'Step'}</th>
          </tr>
        </thead>
        <tbody>
          {requests.map((r) => (
            <tr key={r.id} data-request={r.id}>
              <td class="opt nowrap">{formatTime(r.time)}</td>
              <td class="path">
                <details>
                  <summary>
                    <code>{r.kind === 'http' ? `${r.method ?? ''} ${r.url ?? ''}` : r.connector}</code>
                  </summary>
                  <div class="request-detail">
                    {Object.keys(r.headers).length > 0 && (
                      <>
                        <h4>Headers</h4>
                        <Pre>
                          {Object.entries(r.headers)
                            .map(([k, v]) => `${k}: ${v}`)
                            .join('\n')}
                        </Pre>
                      </>
                    )}
                    {r.body !== undefined && r.body !== null && (
                      <>
                        <h4>{r.kind === 'http' ? 'Body' : 'Arguments'}</h4>
                        <Pre>{prettyValue(r.body)}</Pre>
                      </>
                    )}
                    {r.response !== undefined && r.response !== '' && (
                      <>
                        <h4>Response</h4>
                        <Pre>{prettyJson(r.response)}</Pre>
                      </>
                    )}
                    {r.error && (
                      <>
                        <h4>Error</h4>
                        <Pre>{r.error}</Pre>
                      </>
                    )}
                    {r.notes && r.notes.length > 0 && (
                      <>
                        <h4>Notes</h4>
                        <Pre>{r.notes.join('\n')}</Pre>
                      </>
                    )}
                  </div>
                </details>
              </td>
              <td>
                <span class={`outcome outcome-${r.outcome}`}>{r.outcome}</span>
                {r.status !== null && <span class="status"> {r.status}</span>}
                {r.stubId && <div class="muted small">by {r.stubId}</div>}
              </td>
              <td class="opt">
                {showExecution && r.executionId && (
                  <div>
                    <ExecutionLink
                      href={href}
                      location={r.location ?? locationOf(r.workflowId)}
                      request={r}
                    />{' '}
                    <span class="muted small">{r.workflowId}</span>
                  </div>
                )}
                <span class="muted small">
                  {r.routine}.{r.step}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ExecutionLink({
  href,
  location,
  request: r,
}: {
  href: ReturnType<typeof useHref>;
  location: string | undefined;
  request: RecordedRequest;
}) {
  const short = r.executionId.slice(0, 8);
  if (location === undefined) return <span class="mono">{short}</span>;
  return (
    <a
      class="mono"
      href={href(
        `/console/workflows/workflow/${enc(location)}/${enc(r.workflowId)}/execution/${enc(r.executionId)}`,
      )}
    >
      {short}
    </a>
  );
}
