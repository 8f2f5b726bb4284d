/**
 * `@workflows-kit/emulator/seams`: the emulator's parts for advanced use (as msw has `msw/node`):
 * the express app and its wiring, the executor, the seam interfaces (clock, IDs, logger, HTTP
 * transport, connectors) with their defaults, the stub and recording machinery, and the workflow
 * loader. What most users need is in `@workflows-kit/emulator`.
 */
export type { DeliverCallbackOptions, WorkflowPlace } from './emulator.js';
export { createApp, type CreateAppOptions, type Services } from './server/app.js';
export {
  createAppDeps,
  DEFAULT_LOCATION,
  DEFAULT_PORT,
  DEFAULT_PROJECT_ID,
  DEFAULT_PROJECT_NUMBER,
  type AppConfig,
  type AppDeps,
  type CreateAppDepsOptions,
} from './server/deps.js';
export { main, createConsoleLogger, type CliIo } from './cli.js';
export { formatDuration, formatTimestamp, parseDuration, parseTimestamp } from './server/wire.js';
export { createMemoryStore, type Store } from './store/index.js';
export { realClock, randomIds, silentLogger } from './runtime/default-seams.js';
export {
  TransportError,
  type BuiltinConnector,
  type CallOrigin,
  type ConnectorHandler,
  type TransportRequest,
  type TransportResponse,
  type HttpTransport,
  type LogSeverity,
  type TransportFailureKind,
} from './values/seams.js';
export { CallbackHub, type CallbackInfo, type CallbackRequest } from './runtime/callbacks.js';
export type {
  CurrentStep,
  ExecutionErrorReport,
  ExecutionIdentity,
  ExecutionOutcome,
  RunningExecution,
  RuntimeDeps,
  RuntimeLimits,
  StartExecutionOptions,
  StepEntries,
  StepEntry,
  StepEntryState,
  StepType,
  ProgressType,
  HistoryLevel,
} from './runtime/api.js';
export { NO_STEP_ENTRIES, publicStepType } from './runtime/history.js';
export { PART_STEP_TYPES } from './runtime/enums.js';
export { startExecution } from './runtime/executor.js';
export { pausedExecutions } from './runtime/yielder.js';
export {
  effectiveCallLogLevel,
  EXECUTION_ID_LABEL,
  LOG_ENTRY_MAX_BYTES,
  LOG_IDS,
  logName,
  REVISION_ID_LABEL,
  severityRank,
  type CallLogLevel,
  type LogWriter,
  type WorkflowLogEntry,
} from './runtime/logging.js';
export { createLogPrinter, type LogFormat, type LogPrinterOptions } from './cli-logs.js';
export type { StepRunNext, StepRunRetry } from './runtime/step-run.js';
export type { SubworkflowRunRequest, StepRunRequest } from './server/direct-runs.js';
export {
  StepMocks,
  STEP_MOCK_FAULTS,
  type StepMockAnswer,
  type StepMockInfo,
  type MockedCall,
} from './runtime/step-mocks.js';
export { loadWorkflow, formatProblems, type LoadResult } from './source/index.js';
export type { SourceProblem, WorkflowDefinition } from './source/types.js';
export {
  StubRegistry,
  StubValidationError,
  createOutboundTransport,
  createConnectorHandler,
  loadStubsFileParts,
  type StubsFileParts,
  type ProgrammaticStub,
  type StubInfo,
  type RecordedRequest,
  globMatch,
  isLoopbackHost,
  hostAllowed,
  Recording,
  RecordingFileError,
  RECORD_MODES,
  defaultRecordMode,
  isRecordMode,
  type HttpStubRequest,
  type RecordMode,
  type RecordingOptions,
  type RedactionOptions,
  type BodyMatchOptions,
  type OutboundRecording,
} from './stubs/index.js';
export { RaisedError, platformError, type ErrorTag } from './values/raised-error.js';
import { RaisedError } from './values/raised-error.js';
import type { TransportRequest, TransportResponse } from './values/seams.js';
/** @deprecated Renamed `TransportRequest`; this alias goes in the next major version. */
export type HttpRequest = TransportRequest;
/**
 * @deprecated Renamed `TransportResponse` (the testing package's `HttpResponse` is its stub
 * response builder); this alias goes in the next major version.
 */
export type HttpResponse = TransportResponse;
/**
 * @deprecated Renamed `RaisedError` (the client package's `WorkflowError` is the base of the errors its
 * calls throw); this alias goes in the next major version.
 */
export const WorkflowError = RaisedError;
/** @deprecated Renamed `RaisedError`. */
export type WorkflowError = RaisedError;
