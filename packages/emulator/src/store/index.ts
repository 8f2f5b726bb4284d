export * from './types.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export {
  createMemoryStore,
  InMemoryExecutionStore,
  InMemoryOperationStore,
  InMemoryWorkflowStore,
  workflowKeyString,
} from './memory.js';
export { LogStore, type LogQuery } from './logs.js';
