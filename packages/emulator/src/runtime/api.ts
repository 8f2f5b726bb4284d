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
import type { CallLogLevel, LogWriter } from './logging.js';

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

export type StepType =
  | 'STEP_ASSIGN'
  | 'STEP_STD_LIB_CALL'
  | 'STEP_CONNECTOR_CALL'
  | 'STEP_SUBWORKFLOW_CALL'
  | 'STEP_CALL'
  | 'STEP_SWITCH'
  | 'STEP_CONDITION'
  | 'STEP_FOR'
  | 'STEP_FOR_ITERATION'
  | 'STEP_PARALLEL_FOR'
  | 'STEP_PARALLEL_BRANCH'
  | 'STEP_PARALLEL_BRANCH_ENTRY'
  | 'STEP_TRY_RETRY_EXCEPT'
  | 'STEP_TRY'
  | 'STEP_RETRY'
  | 'STEP_EXCEPT'
  | 'STEP_RETURN'
  | 'STEP_RAISE'
  | 'STEP_GOTO';

export type StepEntryState = 'STATE_IN_PROGRESS' | 'STATE_SUCCEEDED' | 'STATE_FAILED' | 'STATE_CANCELLED';

/** One entry of the step history (stepEntries API); entries are mutated in place as they finish. */
export interface StepEntry {
  /** 1-based, in start order. */
  entryId: number;
  routine: string;
  step: string;
  stepType: StepType;
  state: StepEntryState;
  createTime: Date;
  updateTime: Date;
  /** JSON text of the error value when the step failed. */
  exceptionPayload?: string;
  /** Thread of a parallel branch/iteration ("" for the main thread). */
  threadId: string;
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
  /** Called when an entry is created or changes state. */
  onStepEntry?: (entry: StepEntry) => void;
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
  readonly history: readonly StepEntry[];
  currentSteps(): CurrentStep[];
}
