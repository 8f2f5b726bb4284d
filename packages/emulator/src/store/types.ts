/**
 * What the emulator keeps: workflows with their revisions, executions and long-running
 * operations. Plain data behind interfaces, so a persistent store can replace the
 * in-memory one without touching the executor or the routes.
 */
import type { WorkflowDefinition } from '../source/types.js';
import type {
  CurrentStep,
  ExecutionEntry,
  ExecutionErrorReport,
  RunningExecution,
  StepEntries,
} from '../runtime/api.js';
import type { ExecutionTracer } from '../runtime/tracer.js';

export {
  CALL_LOG_LEVELS,
  EXECUTION_HISTORY_LEVELS,
  EXECUTION_STATES,
  WORKFLOW_STATES,
} from '../runtime/enums.js';
export type { CallLogLevel, ExecutionHistoryLevel, ExecutionState, WorkflowState } from '../runtime/enums.js';
import type { CallLogLevel, ExecutionHistoryLevel, ExecutionState, WorkflowState } from '../runtime/enums.js';

/** Identifies a workflow. `project` is the canonical project ID (a project number is mapped to the ID). */
export interface WorkflowKey {
  project: string;
  location: string;
  workflowId: string;
}

/** The parts of a workflow that belong to one revision: changing any of them makes a new revision. */
export interface RevisionRecord {
  revisionId: string;
  /** 1-based ordinal, the `000001` part of the ID. */
  ordinal: number;
  /** Milliseconds since the epoch (sub-millisecond precision allowed). */
  revisionCreateTime: number;
  sourceContents: string;
  serviceAccount: string;
  definition: WorkflowDefinition;
}

export interface WorkflowRecord {
  key: WorkflowKey;
  description: string;
  labels: Record<string, string>;
  state: WorkflowState;
  callLogLevel: CallLogLevel;
  executionHistoryLevel: ExecutionHistoryLevel;
  userEnvVars: Record<string, string>;
  cryptoKeyName: string;
  createTime: number;
  updateTime: number;
  /** Oldest first; the last one is the current revision. Never empty. */
  revisions: RevisionRecord[];
}

export interface ExecutionRecord {
  workflow: WorkflowKey;
  executionId: string;
  /** The project segment the creator used, echoed in names built for the runtime (callbacks). */
  projectAlias: string;
  /** Creation order, to keep a stable order among equal timestamps. */
  seq: number;
  revisionId: string;
  /** JSON text of the argument (`null` when none was given). */
  argument: string;
  labels: Record<string, string>;
  callLogLevel: CallLogLevel;
  executionHistoryLevel: ExecutionHistoryLevel;
  disableConcurrencyQuotaOverflowBuffering: boolean;
  state: ExecutionState;
  createTime: number;
  startTime: number;
  endTime?: number;
  result?: string;
  error?: ExecutionErrorReport;
  currentSteps: CurrentStep[];
  /** The step history, mutated in place by the executor while the execution runs. */
  history: StepEntries;
  /** The live handle while the execution runs; never persisted. */
  running?: RunningExecution;
  /**
   * Emulator extension: a subworkflow run directly, or one step run alone, instead of the
   * workflow from main (`POST /emulator/v1/subworkflowRuns`, `/emulator/v1/stepRuns`).
   */
  entry?: ExecutionEntry;
  /** Observers of this execution besides the emulator's own; never persisted. */
  observers?: readonly ExecutionTracer[];
}

export type OperationVerb = 'create' | 'update' | 'delete';

export interface OperationRecord {
  /** Full resource name as first reported: `projects/{p}/locations/{l}/operations/{id}`. */
  name: string;
  project: string;
  location: string;
  operationId: string;
  seq: number;
  verb: OperationVerb;
  /** The workflow's resource name. */
  target: string;
  createTime: number;
  endTime: number;
  /** The REST JSON of the response (a Workflow, or Empty for delete), without `@type`. */
  response?: Record<string, unknown>;
  responseType: string;
  error?: { code: number; message: string };
}

export interface WorkflowStore {
  /** Throws StoreError ALREADY_EXISTS when the ID is taken. */
  insert(record: WorkflowRecord): void;
  get(key: WorkflowKey): WorkflowRecord | undefined;
  /** Persists changes made to a record returned by `get`. */
  update(record: WorkflowRecord): void;
  /** Workflows of a project and location, in creation order. */
  list(project: string, location: string): WorkflowRecord[];
  /** Every workflow of every project and location, in creation order. */
  all(): Iterable<WorkflowRecord>;
  delete(key: WorkflowKey): WorkflowRecord | undefined;
  /**
   * Evicts the oldest revisions of a workflow while it has more than `keep`, never the current one
   * nor those in `inUse`; returns the evicted ones and counts them.
   */
  trimRevisions(key: WorkflowKey, keep: number, inUse: ReadonlySet<string>): RevisionRecord[];
  /** Revisions of every workflow. */
  revisionCount(): number;
  /** Revisions evicted by `trimRevisions` since the store was created or cleared. */
  evictedRevisions(): number;
  clear(): void;
}

export interface ExecutionStore {
  insert(record: ExecutionRecord): void;
  get(workflow: WorkflowKey, executionId: string): ExecutionRecord | undefined;
  update(record: ExecutionRecord): void;
  /** Executions of a workflow, in creation order. */
  list(workflow: WorkflowKey): ExecutionRecord[];
  /** Removes and returns every execution of a workflow. */
  deleteForWorkflow(workflow: WorkflowKey): ExecutionRecord[];
  all(): Iterable<ExecutionRecord>;
  nextSeq(): number;
  /**
   * Records that an execution has finished: its state is terminal and nothing runs it any more.
   * Only finished executions are ever evicted.
   */
  markFinished(record: ExecutionRecord): void;
  /**
   * Evicts the executions that finished first while more than `keep.count` finished ones remain or
   * they take more than about `keep.bytes` of memory; the most recently finished one always stays.
   * Returns the evicted ones.
   */
  trimFinished(keep: { count: number; bytes: number }): ExecutionRecord[];
  /** Finished executions held. */
  finishedCount(): number;
  /** About how much memory the finished executions take (see `approximateBytes`). */
  finishedBytes(): number;
  /** Executions evicted by `trimFinished` since the store was created or cleared. */
  evicted(): number;
  clear(): void;
}

export interface OperationStore {
  insert(record: OperationRecord): void;
  get(project: string, location: string, operationId: string): OperationRecord | undefined;
  list(project: string, location: string): OperationRecord[];
  delete(project: string, location: string, operationId: string): boolean;
  nextSeq(): number;
  /** Evicts the oldest operations while more than `keep` remain; returns them. */
  trim(keep: number): OperationRecord[];
  size(): number;
  /** Operations evicted by `trim` since the store was created or cleared. */
  evicted(): number;
  clear(): void;
}

export interface Store {
  workflows: WorkflowStore;
  executions: ExecutionStore;
  operations: OperationStore;
}
