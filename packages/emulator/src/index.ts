/**
 * `@workflows-kit/emulator`: what a user needs to run workflows in-process (`startEmulator`), stub
 * their calls and read their executions. The parts for advanced use (the express app, the
 * executor, the seams and the stub machinery) are at `@workflows-kit/emulator/seams`.
 */
export {
  startEmulator,
  type CallbackEndpoint,
  type ExecutionJson,
  type ExecutionRef,
  type RunningEmulator,
  type StartEmulatorOptions,
  type StepEntryJson,
  type WorkflowJson,
} from './emulator.js';
export type { CallLogLevel, ExecutionHistoryLevel } from './store/types.js';
export type { UnhandledRequestPolicy, UnhandledRequestVerdict } from './server/deps.js';
export { ApiError } from './server/api-error.js';
export { VERSION } from './server/version.js';
export type { Clock, IdSource, LogEntry, Logger } from './values/seams.js';
export { StepMockError, type StepMockDefinition, type StepMocks } from './runtime/step-mocks.js';
export type { StepRunResult } from './runtime/step-run.js';
export {
  loadStubsFile,
  type StubDefinition,
  type StubRegistry,
  type StubRequest,
  type StubResponse,
} from './stubs/index.js';
