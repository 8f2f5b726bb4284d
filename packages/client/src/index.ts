export { Workflow } from './workflow.js';
export type {
  InvokeArgs,
  ListExecutionsOptions,
  WaitOptions,
  WorkflowClass,
  WorkflowOptions,
  WorkflowStatics,
} from './workflow.js';
export type {
  ExecutionErrorInfo,
  ExecutionInput,
  ExecutionState,
  ExecutionStatus,
  StackTraceElement,
  StepRef,
  WorkflowExecution,
} from './execution.js';
export { EXECUTION_STATES, isTerminalState, toExecutionStatus } from './execution.js';
export {
  ExecutionNotFoundError,
  InvalidWorkflowArgumentsError,
  InvalidWorkflowResultError,
  WorkflowConfigurationError,
  WorkflowError,
  WorkflowExecutionError,
  WorkflowExecutionFailedError,
  WorkflowNotFoundError,
  WorkflowWaitTimeoutError,
} from './errors.js';
export type { ApiStatus } from './errors.js';
export { EMULATOR_HOST_ENV } from './endpoint.js';
export type { AuthLike, EmulatorEndpoint, Endpoint, GoogleEndpoint } from './endpoint.js';
export const VERSION = '0.1.0';
