/**
 * Where an execution went, in its workflow's revision: the source with the steps it ran marked
 * (and the line where it failed highlighted), or the step graph with the path it took. Both
 * follow the step history as it grows.
 */
import { useMemo } from 'preact/hooks';
import type { Execution, StepTree, Workflow } from '../data/api.js';
import type { StepHistory } from '../data/steps.js';
import { failureOf, lineMarks, stepRuns } from '../data/step-status.js';
import { Loaded } from './common.js';
import { SourceView } from './source-view.js';
import { StepGraph } from './step-graph.js';
import { Tabs } from './tabs.js';
import type { Resource } from '../data/store.js';

export const RUN_VIEWS = ['source', 'graph'] as const;
export type RunView = (typeof RUN_VIEWS)[number];

export interface RunPathProps {
  execution: Execution;
  history: StepHistory;
  /** The execution's revision (its source) and that revision's step tree. */
  revision: Resource<Workflow> | undefined;
  tree: Resource<StepTree> | undefined;
  lines: ReadonlyMap<string, number> | undefined;
  view: RunView;
  onView: (view: RunView) => void;
  /** A line chosen in the graph or the step list. */
  markLine: number | undefined;
  onMarkLine: (line: number) => void;
}

export function RunPath({
  execution,
  history,
  revision,
  tree,
  lines,
  view,
  onView,
  markLine,
  onMarkLine,
}: RunPathProps) {
  const entries = history.entries.value;
  const runs = useMemo(() => stepRuns(entries), [entries]);
  const failure = failureOf(execution);
  const marks = useMemo(
    () => (lines ? lineMarks(runs, lines, failure) : undefined),
    [runs, lines, failure?.routine, failure?.step, failure?.line],
  );
  return (
    <section class="panel run-path" aria-labelledby="path-title">
      <h2 id="path-title">Path</h2>
      <p class="legend small muted" aria-hidden="true">
        <span class="lg lg-succeeded">✓ succeeded</span> <span class="lg lg-failed">✗ failed</span>{' '}
        <span class="lg lg-active">▶ running</span> <span class="lg">×N ran N times</span>
        {failure && <span class="lg lg-failing">the line where it failed</span>}
      </p>
      <Tabs
        id="path"
        label="Where the execution went"
        tabs={RUN_VIEWS}
        selected={view}
        onSelect={onView}
        title={(v) => (v === 'source' ? 'Source' : 'Graph')}
      >
        {view === 'source' && (
          <Loaded resource={revision}>
            {(wf) => (
              <SourceView
                source={wf.sourceContents ?? ''}
                runMarks={marks ?? new Map()}
                markLine={markLine}
                bounded
                label={`Source of revision ${wf.revisionId}, with the steps this execution ran`}
              />
            )}
          </Loaded>
        )}
        {view === 'graph' && (
          <Loaded resource={tree}>
            {(t) => (
              <>
                <p class="muted small">Select a step to see it in the source.</p>
                <StepGraph
                  tree={t}
                  runs={runs}
                  failure={failure}
                  selectedLine={markLine}
                  onSelect={(line) => {
                    onMarkLine(line);
                    onView('source');
                  }}
                />
              </>
            )}
          </Loaded>
        )}
      </Tabs>
    </section>
  );
}
