/**
 * `@workflows-kit/testing`: deterministic integration tests of Google Cloud Workflows, with
 * an in-process emulator, msw-style HTTP and connector stubs, and virtual time.
 */
export {
  createTestEnvironment,
  TestEnvironment,
  WorkflowDeployError,
  ExecutionNotFoundInEnvironmentError,
  TestEnvironmentTimeoutError,
  type TestEnvironmentOptions,
  type HistoryStep,
  type WaitForExecutionOptions,
  type InvokeOptions,
  type SendCallbackOptions,
  type CallbackResponse,
  type StepMockHandle,
} from './test-environment.js';
export { StepMockError, type StepMockDefinition, type StepRunResult } from '@workflows-kit/emulator';
export {
  type StepMockAnswer,
  type StepMockInfo,
  type StepRunNext,
  type StepRunRetry,
} from '@workflows-kit/emulator/seams';
export {
  http,
  connector,
  HttpStub,
  ConnectorStub,
  type Stub,
  type StubCall,
  type StubOptions,
  type HttpMethod,
  type HttpResolver,
  type HttpResolverInfo,
  type ConnectorResolver,
  type ConnectorResolverInfo,
} from './http-stubs.js';
export { HttpResponse, type HttpResponseInit, type NetworkErrorKind } from './http-response.js';
export { EnvironmentStubs, type RecordedCall } from './env-stubs.js';
export {
  UnhandledRequestError,
  type UnhandledRequest,
  type UnhandledRequestCallback,
  type UnhandledRequestPrint,
  type UnhandledRequestStrategy,
} from './unhandled.js';
export {
  defaultRecordingFile,
  RECORD_MODE_VARIABLE,
  type RecordingSetup,
  type TestRecording,
  type RecordMode,
  type RedactionOptions,
} from './recording.js';
export {
  finishCoverageRun,
  DEFAULT_COVERAGE_DIR,
  type CoverageSetup,
  type CoverageRunResult,
  type FinishCoverageOptions,
} from './coverage.js';
export { VirtualClock, type TestClock, type ClockMode } from './virtual-clock.js';
export { toMilliseconds, InvalidDurationError, type Duration } from './duration.js';
export { createSeededIds } from './seeded-ids.js';
export { InvalidUrlPatternError } from './url-pattern.js';
export type { StepVariablesOptions } from './history-matchers.js';
export type { LogExpectation } from './log-matchers.js';
export const VERSION = '0.1.0';
