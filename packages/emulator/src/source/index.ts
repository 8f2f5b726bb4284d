export type * from './types.js';
export {
  loadWorkflow,
  loadWorkflowOrThrow,
  formatProblems,
  MAX_SOURCE_BYTES,
  WorkflowSourceError,
  type LoadOptions,
  type LoadResult,
} from './load.js';
export { validateDefinition, defaultIsBlocking, type ValidateOptions } from './validate.js';
export {
  WorkflowSourceSchema,
  ACTION_KEYS,
  MAX_ASSIGNMENTS,
  MAX_CONDITIONS,
  MAX_BRANCHES,
  MIN_BRANCHES,
} from './schema.js';
export { SourceText } from './source-text.js';
