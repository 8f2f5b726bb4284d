/**
 * The executor's public contract, used by the server (store/routes) and the testing package.
 * Implemented in runtime/executor.ts.
 */
import type { Value } from '../values/types.js';
import type { WorkflowDefinition } from '../source/types.js';
import type { Clock, ConnectorHandler, HttpTransport, IdSource, Logger } from '../values/seams.js';
import type { CallbackHub } from './callbacks.js';
import type { StepMocks } from './step-mocks.js';
import type { ExecutionTracer } from './tracer.js';
import type { CallLogLevel, ExecutionHistoryLevel, ProgressType, StepEntryState, StepType } from './enums.js';
import type { LogWriter } from './logging.js';

/** The identity of a running execution, also what `sys.get_env` reports. */
export interface ExecutionIdentity {
  projectId: string;
  projectNumber: string;
  location: string;
  workflowId: string;
  revisionId: string;
  executionId: string;
  /** `projects/{project}/serviceAccounts/{email}` */
  serviceAccount: string;
  userEnvVars: Record<string, string>;
}

/** `projects/{project}/locations/{location}/workflows/{workflow}/executions/{execution}` */
export function executionName(id: ExecutionIdentity): string {
  return `projects/${id.projectId}/locations/${id.location}/workflows/${id.workflowId}/executions/${id.executionId}`;
}

/**
 * What `sys.get_env` reads: the user's variables and the built-in ones
 * (https://cloud.google.com/workflows/docs/reference/environment-variables).
 */
export function executionEnv(id: ExecutionIdentity): Map<string, string> {
  return new Map<string, string>([
    ...Object.entries(id.userEnvVars),
    ['GOOGLE_CLOUD_PROJECT_ID', id.projectId],
    ['GOOGLE_CLOUD_PROJECT_NUMBER', id.projectNumber],
    ['GOOGLE_CLOUD_LOCATION', id.location],
    ['GOOGLE_CLOUD_WORKFLOW_ID', id.workflowId],
    ['GOOGLE_CLOUD_WORKFLOW_REVISION_ID', id.revisionId],
    ['GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID', id.executionId],
    ['GOOGLE_CLOUD_SERVICE_ACCOUNT_NAME', id.serviceAccount],
  ]);
}

export interface RuntimeDeps {
  transport: HttpTransport;
  connectors: ConnectorHandler;
  clock: Clock;
  ids: IdSource;
  /** Receives `sys.log` entries as `sys.log` gives them. */
  logger: Logger;
  /**
   * Receives every log entry an execution writes (`sys.log`, execution logs, call logs) as
   * Cloud Logging `LogEntry` JSON (see logging.ts); none are built when absent.
   */
  logs?: LogWriter;
  callbacks: CallbackHub;
  /** Step mocks: call steps answered without making their call (see step-mocks.ts). */
  stepMocks?: StepMocks;
  /** Limits; defaults are the documented values (see limits.ts). */
  limits?: Partial<RuntimeLimits>;
}

export interface RuntimeLimits {
  maxSteps: number;
  maxMemoryBytes: number;
  maxCallDepth: number;
  maxParallelNesting: number;
  maxHttpResponseBytes: number;
  maxConcurrentBranches: number;
  maxUnhandledBranchErrors: number;
}

export { PROGRESS_TYPES, STEP_ENTRY_STATES, STEP_TYPES } from './enums.js';
export type { ProgressType, StepEntryState, StepType } from './enums.js';

/** The `executionHistoryLevel` an execution runs with (https://cloud.google.com/workflows/docs/debug-steps). */
export type HistoryLevel = Exclude<ExecutionHistoryLevel, 'EXECUTION_HISTORY_LEVEL_UNSPECIFIED'>;

/**
 * One entry of the step history (stepEntries API); entries are mutated in place as they finish.
 * Links to other entries are entry numbers, 0 for none.
 */
export interface StepEntry {
  /** 1-based, in start order. */
  readonly entryId: number;
  readonly routine: string;
  readonly step: string;
  /** Call steps have the finer types (`STEP_STD_LIB_CALL`...); see `publicStepType` in history.ts. */
  readonly stepType: StepType;
  readonly state: StepEntryState;
  /** Epoch ms. */
  readonly createMs: number;
  readonly updateMs: number;
  readonly createTime: Date;
  readonly updateTime: Date;
  /** JSON text of the error value when the entry failed. */
  readonly exceptionPayload?: string | undefined;
  /** Thread of a parallel branch/iteration ("" for the main thread). */
  readonly threadId: string;
  /** The enclosing entry (iteration, branch, condition, try part, subworkflow call); 0 at the top. */
  readonly parent: number;
  /** The previous and next entries under the same parent. */
  readonly previous: number;
  readonly next: number;
  /** Set on iterations, matched conditions, retries and branches. */
  readonly progressType?: ProgressType | undefined;
  /** 1-based; 0 when the entry has no progress. */
  readonly progressNumber: number;
  /** The expected number of iterations (detailed level only); 0 when none. */
  readonly expectedIteration: number;
  /** The variables in scope when the entry ended, as a JSON map text (detailed level only). */
  readonly variables?: string | undefined;
  /**
   * Emulator extension: the step mock that answered the step's call instead of the call being
   * made, and the attempt it answered (the last one, when the step called more than once).
   */
  readonly stepMock?: { id: string; attempt: number } | undefined;
}

/**
 * An execution's step history: entries numbered from 1 to `length` in start order, read live
 * (an entry read while its step runs shows its new state once it ends).
 */
export interface StepEntries extends Iterable<StepEntry> {
  readonly length: number;
  /** The entry numbered `id`, or undefined. */
  get(id: number): StepEntry | undefined;
  /** The numbers of an entry's direct children, in order. */
  children(id: number): number[];
  /** About how many bytes of memory the history holds. */
  approximateBytes(): number;
}

export interface CurrentStep {
  routine: string;
  step: string;
}

export interface ExecutionErrorReport {
  /** JSON text of the error value (sorted keys). */
  payload: string;
  /** The message, then `in step "S", routine "R", line: N` frames, innermost first. */
  context: string;
  stackTrace: {
    elements: { step: string; routine: string; position: { line: number; column: number; length: number } }[];
  };
}

export type ExecutionOutcome =
  | { state: 'SUCCEEDED'; result: string }
  | { state: 'FAILED'; error: ExecutionErrorReport }
  | { state: 'CANCELLED'; error?: ExecutionErrorReport };

export interface StartExecutionOptions {
  definition: WorkflowDefinition;
  /** The decoded argument (null when none was given). */
  argument: Value;
  identity: ExecutionIdentity;
  /** The file the revision was deployed from, when known (reported to observers). */
  sourceFile?: string;
  /** The call log level in effect (the execution's, else the workflow's: see effectiveCallLogLevel). */
  callLogLevel?: CallLogLevel;
  /** Observers of the execution besides its step history (see tracer.ts). */
  tracers?: readonly ExecutionTracer[];
  /** Where an observer's failure is reported (once per observer); default `console.error`. */
  onTracerError?: (error: unknown, observer: ExecutionTracer) => void;
  /** Called whenever the set of running steps changes. */
  onCurrentSteps?(steps: CurrentStep[]): void;
  /**
   * Called when a step entry is created or changes state, with its number and the history that
   * holds it: on every step, so read the entry (`history.get(entryId)`) only when it is wanted.
   */
  onStepEntry?: (entryId: number, history: StepEntries) => void;
  /** Default `EXECUTION_HISTORY_BASIC`. */
  historyLevel?: HistoryLevel;
  /**
   * Emulator extension: run a subworkflow directly (`argument` is then the map of its
   * parameters), or one step of a routine with given variables, instead of the workflow.
   */
  entry?: ExecutionEntry;
}

/** What an execution runs when it is not the workflow from `main` (see `StartExecutionOptions.entry`). */
export interface ExecutionEntry {
  routine: string;
  /** Only this step (at any depth of the routine), in a scope holding `variables`. */
  step?: { name: string; variables: ReadonlyMap<string, Value> };
}

export interface RunningExecution {
  /** Settles with the outcome; never rejects. */
  readonly done: Promise<ExecutionOutcome>;
  /** Interrupts whatever the execution waits on; the outcome becomes CANCELLED. */
  cancel(): void;
  readonly history: StepEntries;
  currentSteps(): CurrentStep[];
}
