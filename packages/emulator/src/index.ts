/** Public API of `@workflows-kit/emulator`. Internals (store records, routes) stay private. */
export {
  startEmulator,
  type CallbackEndpoint,
  type DeliverCallbackOptions,
  type ExecutionJson,
  type ExecutionRef,
  type RunningEmulator,
  type StartEmulatorOptions,
  type StepEntryJson,
  type WorkflowJson,
  type WorkflowPlace,
} from './emulator.js';
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
  type UnhandledRequestPolicy,
  type UnhandledRequestVerdict,
} from './server/deps.js';
export { ApiError } from './server/api-error.js';
export { VERSION } from './server/version.js';
export { main, createConsoleLogger, type CliIo } from './cli.js';
export { formatDuration, formatTimestamp, parseDuration, parseTimestamp } from './server/wire.js';
export { createMemoryStore, type Store } from './store/index.js';
export { realClock, randomIds, silentLogger } from './runtime/default-seams.js';
export {
  TransportError,
  type BuiltinConnector,
  type CallOrigin,
  type Clock,
  type ConnectorHandler,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  type IdSource,
  type LogEntry,
  type LogSeverity,
  type Logger,
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
export { NO_STEP_ENTRIES, PART_STEP_TYPES, publicStepType } from './runtime/history.js';
export { startExecution } from './runtime/executor.js';
export type { StepRunResult, StepRunNext, StepRunRetry } from './runtime/step-run.js';
export type { SubworkflowRunRequest, StepRunRequest } from './server/direct-runs.js';
export {
  StepMocks,
  StepMockError,
  STEP_MOCK_FAULTS,
  type StepMockDefinition,
  type StepMockAnswer,
  type StepMockInfo,
  type MockedCall,
} from './runtime/step-mocks.js';
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
export { loadWorkflow, formatProblems, type LoadResult } from './source/index.js';
export type { SourceProblem, WorkflowDefinition } from './source/types.js';
export {
  StubRegistry,
  StubValidationError,
  createOutboundTransport,
  createConnectorHandler,
  loadStubsFile,
  loadStubsFileParts,
  type StubsFileParts,
  type ProgrammaticStub,
  type StubDefinition,
  type StubInfo,
  type StubRequest,
  type StubResponse,
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
export { WorkflowError, platformError, type ErrorTag } from './values/workflow-error.js';
