export {
  StubDefinitionSchema,
  StubResponseDefinitionSchema,
  StubValidationError,
  FaultSchema,
  FAULT_KINDS,
  parseStubDefinition,
  type StubDefinition,
  type StubResponseDefinition,
  type Fault,
} from './schema.js';
export {
  StubRegistry,
  StubEvaluationError,
  type StubRegistryOptions,
  type StubInfo,
  type StubMatch,
  type StubRequest,
  type StubResponse,
  type HttpStubRequest,
  type ConnectorStubRequest,
  type ProgrammaticStub,
  type RecordedRequest,
  type RequestOutcome,
} from './registry.js';
export { createOutboundTransport, type OutboundTransportOptions } from './outbound-transport.js';
export { createConnectorHandler, type ConnectorHandlerOptions } from './connector-handler.js';
export { loadStubsFile, loadStubsFileParts, type StubsFileParts } from './load-file.js';
export { globMatch, isLoopbackHost, hostAllowed, UrlPattern } from './pattern.js';
export { encodeStubBody } from './codec.js';
export {
  Recording,
  RecordingFileError,
  RECORD_MODES,
  defaultRecordMode,
  isRecordMode,
  type RecordMode,
  type RecordingOptions,
  type RecordingLookup,
  type OutboundRecording,
} from './recording.js';
export type { RedactionOptions, BodyMatchOptions } from './recording-format.js';
export { requestBodyMatches, IGNORED } from './request-body.js';
