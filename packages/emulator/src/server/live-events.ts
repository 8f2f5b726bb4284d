/**
 * What publishes to the event bus (events.ts): the services call `publishExecution` and
 * `publishWorkflow` where they change a record; `connectEventSources` forwards the watched
 * files' deploy problems and the request log.
 */
import { redactRecord } from '../stubs/redact.js';
import type { StubRegistry } from '../stubs/registry.js';
import type { ExecutionRecord, WorkflowRecord } from '../store/types.js';
import type { EventBus, EventScope } from './events.js';
import type { StepEntries, StepEntry } from '../runtime/api.js';
import { executionName, workflowName } from './names.js';
import { currentRevision, executionJson, stepEntryJson } from './serialize.js';
import { formatTimestamp } from './wire.js';
import type { WorkflowFiles } from './workflow-files.js';

export function executionScope(rec: ExecutionRecord): EventScope {
  return {
    project: rec.workflow.project,
    location: rec.workflow.location,
    workflowId: rec.workflow.workflowId,
    executionId: rec.executionId,
  };
}

/**
 * An execution was created or changed. `soon`: for changes that come in bursts (the step it is
 * at), published once at the end of the current turn of the event loop with the state of then.
 */
export function publishExecution(bus: EventBus, rec: ExecutionRecord, soon = false): void {
  if (!bus.listening) return;
  const data = () => executionJson(rec, rec.projectAlias, 'FULL');
  if (soon) {
    bus.publishSoon(rec, 'execution', executionScope(rec), data);
  } else {
    bus.settle(rec);
    bus.publish('execution', executionScope(rec), data);
  }
}

/**
 * A step entry was created or changed: the entry in the basic view (no variables), with the
 * links of `history` (the execution's, read as the event goes out).
 */
export function publishStepEntry(
  bus: EventBus,
  rec: ExecutionRecord,
  entry: StepEntry,
  history: StepEntries,
  fineCallTypes: boolean,
): void {
  if (!bus.listening) return;
  bus.publish('stepEntry', executionScope(rec), () =>
    stepEntryJson(
      entry,
      executionName(rec.projectAlias, rec.workflow.location, rec.workflow.workflowId, rec.executionId),
      history,
      false,
      fineCallTypes,
    ),
  );
}

/**
 * A workflow was created, updated or deleted. Published at the end of the current task, so that
 * a deploy from a watched file has recorded its file by then (`WorkflowFiles.deployed` runs right
 * after the deploy returns) and the event can name it.
 */
export function publishWorkflow(
  bus: EventBus,
  files: WorkflowFiles,
  alias: string,
  rec: WorkflowRecord,
  change: 'created' | 'updated' | 'deleted',
): void {
  if (!bus.listening) return;
  const { key } = rec;
  const revisionId = currentRevision(rec).revisionId;
  queueMicrotask(() =>
    bus.publish(
      'workflow',
      { project: key.project, location: key.location, workflowId: key.workflowId },
      () => {
        const sourceFile = change === 'deleted' ? undefined : files.sourceFile(key, revisionId);
        return {
          change,
          name: workflowName(alias, key.location, key.workflowId),
          location: key.location,
          workflowId: key.workflowId,
          revisionId,
          ...(sourceFile !== undefined && { sourceFile }),
        };
      },
    ),
  );
}

/** Forwards deploy problems of watched files and the request log to the bus. */
export function connectEventSources(bus: EventBus, files: WorkflowFiles, stubs: StubRegistry): void {
  files.onChange((c) => {
    if (c.kind === 'problem') {
      const p = c.problem;
      const first = p.problems[0];
      bus.publish(
        'deployProblem',
        { project: p.project, location: p.location, workflowId: p.workflowId },
        () => ({
          file: p.file,
          location: p.location,
          workflowId: p.workflowId,
          ...(first?.line !== undefined && { line: first.line }),
          ...(first?.column !== undefined && { column: first.column }),
          ...(first && { message: first.message }),
          time: formatTimestamp(p.time),
          problems: p.problems.map((x) => ({ ...x })),
          cleared: false,
        }),
      );
    } else if (c.kind === 'fixed') {
      bus.publish(
        'deployProblem',
        { project: c.key.project, location: c.key.location, workflowId: c.key.workflowId },
        () => ({
          file: c.file,
          location: c.key.location,
          workflowId: c.key.workflowId,
          time: formatTimestamp(Date.now()),
          problems: [],
          cleared: true,
        }),
      );
    }
  });
  stubs.onRequest((rec) => {
    bus.publish(
      'request',
      {
        ...(rec.location !== undefined && { location: rec.location }),
        workflowId: rec.workflowId,
        executionId: rec.executionId,
      },
      () => redactRecord(structuredClone(rec)),
    );
  });
}
