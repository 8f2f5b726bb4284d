/**
 * The enums of the Workflows and Executions APIs (v1), by name, each defined once as a const
 * tuple whose index is the enum's number; their types are derived from them. This module imports
 * nothing, so the developer UI's bundle shares it too.
 */

/** https://cloud.google.com/workflows/docs/reference/rest/v1/projects.locations.workflows#CallLogLevel */
export const CALL_LOG_LEVELS = [
  'CALL_LOG_LEVEL_UNSPECIFIED',
  'LOG_ALL_CALLS',
  'LOG_ERRORS_ONLY',
  'LOG_NONE',
] as const;
export type CallLogLevel = (typeof CALL_LOG_LEVELS)[number];

/** https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions#ExecutionHistoryLevel */
export const EXECUTION_HISTORY_LEVELS = [
  'EXECUTION_HISTORY_LEVEL_UNSPECIFIED',
  'EXECUTION_HISTORY_BASIC',
  'EXECUTION_HISTORY_DETAILED',
] as const;
export type ExecutionHistoryLevel = (typeof EXECUTION_HISTORY_LEVELS)[number];

/** https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions#State */
export const EXECUTION_STATES = [
  'STATE_UNSPECIFIED',
  'ACTIVE',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'UNAVAILABLE',
  'QUEUED',
] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];

/**
 * The states an execution can be in, in the order it can reach them (queued before active):
 * the order of the developer UI's counts and state filter.
 */
export const LIFECYCLE_STATES: readonly Exclude<ExecutionState, 'STATE_UNSPECIFIED'>[] = [
  'QUEUED',
  ...EXECUTION_STATES.filter(
    (s): s is Exclude<ExecutionState, 'STATE_UNSPECIFIED' | 'QUEUED'> =>
      s !== 'STATE_UNSPECIFIED' && s !== 'QUEUED',
  ),
];

/** https://cloud.google.com/workflows/docs/reference/rest/v1/projects.locations.workflows#State */
export const WORKFLOW_STATES = ['STATE_UNSPECIFIED', 'ACTIVE', 'UNAVAILABLE'] as const;
export type WorkflowState = (typeof WORKFLOW_STATES)[number];

/** https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries#steptype */
export const STEP_TYPES = [
  'STEP_TYPE_UNSPECIFIED',
  'STEP_ASSIGN',
  'STEP_STD_LIB_CALL',
  'STEP_CONNECTOR_CALL',
  'STEP_SUBWORKFLOW_CALL',
  'STEP_CALL',
  'STEP_SWITCH',
  'STEP_CONDITION',
  'STEP_FOR',
  'STEP_FOR_ITERATION',
  'STEP_PARALLEL_FOR',
  'STEP_PARALLEL_BRANCH',
  'STEP_PARALLEL_BRANCH_ENTRY',
  'STEP_TRY_RETRY_EXCEPT',
  'STEP_TRY',
  'STEP_RETRY',
  'STEP_EXCEPT',
  'STEP_RETURN',
  'STEP_RAISE',
  'STEP_GOTO',
] as const;
/** The step types the executor records (every one but the unspecified value). */
export type StepType = Exclude<(typeof STEP_TYPES)[number], 'STEP_TYPE_UNSPECIFIED'>;

/**
 * The entries of a part of a step, named after the step: an iteration, the matched condition of
 * a switch, a try attempt, a retry, an except block, a parallel branch. They are not runs of
 * the step.
 */
export const PART_STEP_TYPES: ReadonlySet<StepType> = new Set<StepType>([
  'STEP_CONDITION',
  'STEP_FOR_ITERATION',
  'STEP_PARALLEL_BRANCH_ENTRY',
  'STEP_TRY',
  'STEP_RETRY',
  'STEP_EXCEPT',
]);

/** https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries#state */
export const STEP_ENTRY_STATES = [
  'STATE_UNSPECIFIED',
  'STATE_IN_PROGRESS',
  'STATE_SUCCEEDED',
  'STATE_FAILED',
  'STATE_CANCELLED',
] as const;
export type StepEntryState = Exclude<(typeof STEP_ENTRY_STATES)[number], 'STATE_UNSPECIFIED'>;

/** https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries#progresstype */
export const PROGRESS_TYPES = [
  'PROGRESS_TYPE_UNSPECIFIED',
  'PROGRESS_TYPE_FOR',
  'PROGRESS_TYPE_SWITCH',
  'PROGRESS_TYPE_RETRY',
  'PROGRESS_TYPE_PARALLEL_FOR',
  'PROGRESS_TYPE_PARALLEL_BRANCH',
] as const;
export type ProgressType = Exclude<(typeof PROGRESS_TYPES)[number], 'PROGRESS_TYPE_UNSPECIFIED'>;
