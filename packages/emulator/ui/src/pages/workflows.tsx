/** Workflows: every deployed workflow by location, and the watched files that failed to deploy. */
import type { DeployProblem, ExecutionState, WorkflowSummary } from '../data/api.js';
import { EXECUTION_STATES, enc } from '../data/api.js';
import { useHref, useProject } from '../data/project.js';
import { PAGE_EVENTS, useLiveEvents, useResource } from '../data/store.js';
import { Loaded, PageHeader, useTitle } from '../components/common.js';
import { formatTime } from '../format.js';

export function DeployProblems({ problems }: { problems: DeployProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <section class="panel problems" aria-labelledby="problems-title" id="deploy-problems">
      <h2 id="problems-title">
        Deploy problems <span class="count">{problems.length}</span>
      </h2>
      <p class="muted">
        These files failed to deploy on their last save; the previous revision (if any) stays deployed.
      </p>
      {problems.map((p) => (
        <article class="problem" key={p.file} data-file={p.file}>
          <h3>
            <code>{p.file}</code>
          </h3>
          <div class="muted small">
            workflow <strong>{p.workflowId}</strong> in {p.location} · {formatTime(p.time)}
          </div>
          <ul>
            {p.problems.map((x, i) => (
              <li key={i}>
                {x.line !== undefined && (
                  <span class="pos">
                    line {x.line}, column {x.column}
                  </span>
                )}{' '}
                <span class="problem-message">{x.message}</span>
              </li>
            ))}
          </ul>
        </article>
      ))}
    </section>
  );
}

export function ExecutionCounts({
  counts,
  href,
}: {
  counts: Record<ExecutionState, number>;
  href: (state: ExecutionState) => string;
}) {
  const present = EXECUTION_STATES.filter((s) => counts[s] > 0);
  if (present.length === 0) return <span class="muted">none</span>;
  return (
    <span class="counts">
      {present.map((s) => (
        <a key={s} href={href(s)} class={`state state-${s.toLowerCase()}`} title={`${counts[s]} ${s}`}>
          {s.toLowerCase()} {counts[s]}
        </a>
      ))}
    </span>
  );
}

export function WorkflowsPage() {
  useTitle('Workflows');
  const project = useProject();
  const href = useHref();
  const list = useResource<{ workflows: WorkflowSummary[] }>(
    project ? `/emulator/v1/workflows?project=${enc(project)}` : null,
  );
  const problems = useResource<{ deployProblems: DeployProblem[] }>('/emulator/v1/deployProblems');
  useLiveEvents(PAGE_EVENTS);
  return (
    <>
      <PageHeader title="Workflows" kicker={project && `project ${project}`} />
      <Loaded resource={problems}>{(d) => <DeployProblems problems={d.deployProblems} />}</Loaded>
      <Loaded resource={list}>
        {({ workflows }) => {
          if (workflows.length === 0)
            return (
              <p class="empty">
                No workflows deployed in this project. Start the emulator with{' '}
                <code>--workflows-dir DIR</code> or create one with the Workflows API.
              </p>
            );
          const byLocation = new Map<string, WorkflowSummary[]>();
          for (const w of workflows) byLocation.set(w.location, [...(byLocation.get(w.location) ?? []), w]);
          return [...byLocation].map(([location, items]) => (
            <section class="panel" key={location} aria-labelledby={`loc-${location}`}>
              <h2 id={`loc-${location}`}>
                {location} <span class="count">{items.length}</span>
              </h2>
              <div class="table-wrap">
                <table class="list">
                  <thead>
                    <tr>
                      <th>Workflow</th>
                      <th>Revision</th>
                      <th class="opt">Deployed</th>
                      <th class="opt">Source file</th>
                      <th>Executions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((w) => (
                      <tr key={w.name} data-workflow={w.workflowId}>
                        <td class="nowrap">
                          <a href={href(`/console/workflows/workflow/${enc(location)}/${enc(w.workflowId)}`)}>
                            {w.workflowId}
                          </a>
                        </td>
                        <td>
                          <code>{w.revisionId}</code>
                          {w.revisionCount > 1 && (
                            <span class="muted small"> ({w.revisionCount} revisions)</span>
                          )}
                        </td>
                        <td class="opt">{formatTime(w.revisionCreateTime)}</td>
                        <td class="opt path">
                          {w.sourceFile ? <code>{w.sourceFile}</code> : <span class="muted">API</span>}
                        </td>
                        <td>
                          <ExecutionCounts
                            counts={w.executionCounts}
                            href={(state) =>
                              href('/console/workflows/executions', {
                                workflow: w.workflowId,
                                location,
                                state,
                              })
                            }
                          />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          ));
        }}
      </Loaded>
    </>
  );
}
