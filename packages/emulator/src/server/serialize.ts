/** Internal records → the REST JSON the official clients read (lowerCamelCase, proto3 JSON mapping). */
import type { CallbackInfo, CallbackRequest } from '../runtime/callbacks.js';
import { stringifyJson } from '../values/json.js';
import type { Value } from '../values/types.js';
import type { ExecutionErrorReport, StepEntries, StepEntry } from '../runtime/api.js';
import { publicStepType } from '../runtime/history.js';
import type { ExecutionRecord, OperationRecord, RevisionRecord, WorkflowRecord } from '../store/types.js';
import { executionName, workflowName } from './names.js';
import { formatDuration, formatTimestamp } from './wire.js';

export type Json = Record<string, unknown>;

export const WORKFLOW_TYPE = 'type.googleapis.com/google.cloud.workflows.v1.Workflow';
export const OPERATION_METADATA_TYPE = 'type.googleapis.com/google.cloud.workflows.v1.OperationMetadata';
export const EMPTY_TYPE = 'type.googleapis.com/google.protobuf.Empty';

/**
 * `project` is the project segment the caller used. The real service answers with the
 * project number whatever the caller sent; echoing the caller's segment keeps names
 * predictable in tests and lets them round-trip through the client's path helpers.
 */
/** The revision new executions run; a workflow always has at least one. */
export function currentRevision(rec: WorkflowRecord): RevisionRecord {
  const rev = rec.revisions[rec.revisions.length - 1];
  if (!rev) throw new Error(`workflow ${rec.key.workflowId} has no revision`);
  return rev;
}

export function workflowJson(rec: WorkflowRecord, project: string, revision?: RevisionRecord): Json {
  const rev = revision ?? currentRevision(rec);
  const out: Json = { name: workflowName(project, rec.key.location, rec.key.workflowId) };
  if (rec.description) out.description = rec.description;
  out.state = rec.state;
  out.revisionId = rev.revisionId;
  out.createTime = formatTimestamp(rec.createTime);
  out.updateTime = formatTimestamp(rec.updateTime);
  out.revisionCreateTime = formatTimestamp(rev.revisionCreateTime);
  out.labels = { ...rec.labels };
  out.serviceAccount = rev.serviceAccount;
  out.sourceContents = rev.sourceContents;
  if (rec.callLogLevel !== 'CALL_LOG_LEVEL_UNSPECIFIED') out.callLogLevel = rec.callLogLevel;
  if (Object.keys(rec.userEnvVars).length > 0) out.userEnvVars = { ...rec.userEnvVars };
  if (rec.executionHistoryLevel !== 'EXECUTION_HISTORY_LEVEL_UNSPECIFIED') {
    out.executionHistoryLevel = rec.executionHistoryLevel;
  }
  if (rec.cryptoKeyName) out.cryptoKeyName = rec.cryptoKeyName;
  return out;
}

export function errorReportJson(e: ExecutionErrorReport): Json {
  return {
    payload: e.payload,
    context: e.context,
    stackTrace: {
      // int64 fields are JSON strings in the proto3 mapping.
      elements: e.stackTrace.elements.map((el) => ({
        step: el.step,
        routine: el.routine,
        position: {
          line: String(el.position.line),
          column: String(el.position.column),
          length: String(el.position.length),
        },
      })),
    },
  };
}

export type ExecutionView = 'BASIC' | 'FULL';

export function executionJson(rec: ExecutionRecord, project: string, view: ExecutionView): Json {
  const out: Json = {
    name: executionName(project, rec.workflow.location, rec.workflow.workflowId, rec.executionId),
    startTime: formatTimestamp(rec.startTime),
  };
  if (rec.endTime !== undefined) {
    out.endTime = formatTimestamp(rec.endTime);
    out.duration = formatDuration(rec.endTime - rec.startTime);
  }
  out.state = rec.state;
  if (view === 'BASIC') {
    out.workflowRevisionId = rec.revisionId;
    return out;
  }
  out.argument = rec.argument;
  if (rec.result !== undefined) out.result = rec.result;
  if (rec.error) out.error = errorReportJson(rec.error);
  out.workflowRevisionId = rec.revisionId;
  if (rec.callLogLevel !== 'CALL_LOG_LEVEL_UNSPECIFIED') out.callLogLevel = rec.callLogLevel;
  out.status = { currentSteps: rec.currentSteps.map((s) => ({ routine: s.routine, step: s.step })) };
  out.labels = { ...rec.labels };
  out.createTime = formatTimestamp(rec.createTime);
  if (rec.disableConcurrencyQuotaOverflowBuffering) out.disableConcurrencyQuotaOverflowBuffering = true;
  if (rec.executionHistoryLevel !== 'EXECUTION_HISTORY_LEVEL_UNSPECIFIED') {
    out.executionHistoryLevel = rec.executionHistoryLevel;
  }
  return out;
}

export function operationJson(op: OperationRecord): Json {
  const out: Json = {
    name: op.name,
    metadata: {
      '@type': OPERATION_METADATA_TYPE,
      createTime: formatTimestamp(op.createTime),
      endTime: formatTimestamp(op.endTime),
      target: op.target,
      verb: op.verb,
      apiVersion: 'v1',
    },
    done: true,
  };
  if (op.error) out.error = { code: op.error.code, message: op.error.message, details: [] };
  else out.response = { '@type': op.responseType, ...(op.response ?? {}) };
  return out;
}

/**
 * A step entry as the REST API shows it
 * (https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries):
 * int64 fields (ids, links, progress) as JSON strings, fields without a value left out.
 * `history` is the execution's history (to read the entry's children); `variables: false` leaves
 * out `variableData` (`view=EXECUTION_ENTRY_VIEW_BASIC`); `fineCallTypes` shows call steps with
 * their finer types.
 */
export function stepEntryJson(
  entry: StepEntry,
  execName: string,
  history: StepEntries,
  variables = true,
  fineCallTypes = false,
): Json {
  const out: Json = {
    name: `${execName}/stepEntries/${entry.entryId}`,
    createTime: formatTimestamp(entry.createMs),
    updateTime: formatTimestamp(entry.updateMs),
    routine: entry.routine,
    step: entry.step,
    stepType: publicStepType(entry.stepType, fineCallTypes),
    state: entry.state,
  };
  if (entry.exceptionPayload !== undefined) out.exception = { payload: entry.exceptionPayload };
  out.entryId = String(entry.entryId);
  const nav: Json = {};
  const children = history.children(entry.entryId);
  if (children.length > 0) nav.children = children.map(String);
  if (entry.parent > 0) nav.parent = String(entry.parent);
  if (entry.next > 0) nav.next = String(entry.next);
  if (entry.previous > 0) nav.previous = String(entry.previous);
  if (children.length > 0 || entry.parent > 0 || entry.next > 0 || entry.previous > 0) {
    out.navigationInfo = nav;
  }
  const meta: Json = {};
  if (entry.threadId) meta.threadId = entry.threadId;
  if (entry.progressType !== undefined) {
    meta.progressType = entry.progressType;
    meta.progressNumber = String(entry.progressNumber);
    if (entry.expectedIteration > 0) meta.expectedIteration = String(entry.expectedIteration);
  }
  if (Object.keys(meta).length > 0) out.stepEntryMetadata = meta;
  if (variables && entry.variables !== undefined) {
    out.variableData = { variables: JSON.parse(entry.variables) as unknown };
  }
  // Google's StepEntry has no field for it: an emulator extension, named so.
  if (entry.stepMock) out.emulatorStepMock = { id: entry.stepMock.id, attempt: entry.stepMock.attempt };
  return out;
}

/**
 * https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions: the documented Callback name uses the singular `callback` segment.
 * `availablePayloads` lists the requests not yet awaited; each is shown as the JSON text of
 * its body [?] (the service documents the field as strings without their format).
 */
export function callbackJson(
  info: CallbackInfo,
  execName: string,
  pending: readonly CallbackRequest[],
): Json {
  return {
    name: `${execName}/callback/${info.id}`,
    method: info.method,
    availablePayloads: pending.map((r) => (typeof r.body === 'string' ? r.body : safeJson(r.body))),
    waiters: String(info.waiters),
  };
}

function safeJson(v: Value): string {
  try {
    return stringifyJson(v, { sortKeys: true });
  } catch {
    return '';
  }
}
