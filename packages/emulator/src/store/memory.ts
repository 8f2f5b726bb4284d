import { StoreError } from './errors.js';
import type {
  ExecutionRecord,
  ExecutionStore,
  OperationRecord,
  OperationStore,
  Store,
  WorkflowKey,
  WorkflowRecord,
  WorkflowStore,
} from './types.js';

/** Workflow IDs cannot contain `/`, so this key is unambiguous. */
export const workflowKeyString = (k: WorkflowKey): string => `${k.project}/${k.location}/${k.workflowId}`;

export class InMemoryWorkflowStore implements WorkflowStore {
  private readonly byKey = new Map<string, WorkflowRecord>();

  insert(record: WorkflowRecord): void {
    const k = workflowKeyString(record.key);
    if (this.byKey.has(k))
      throw new StoreError('ALREADY_EXISTS', `workflow ${record.key.workflowId} already exists`);
    this.byKey.set(k, record);
  }

  get(key: WorkflowKey): WorkflowRecord | undefined {
    return this.byKey.get(workflowKeyString(key));
  }

  update(record: WorkflowRecord): void {
    const k = workflowKeyString(record.key);
    if (!this.byKey.has(k)) throw new StoreError('NOT_FOUND', `workflow ${record.key.workflowId} not found`);
    this.byKey.set(k, record);
  }

  list(project: string, location: string): WorkflowRecord[] {
    const out: WorkflowRecord[] = [];
    for (const r of this.byKey.values())
      if (r.key.project === project && r.key.location === location) out.push(r);
    return out;
  }

  all(): Iterable<WorkflowRecord> {
    return this.byKey.values();
  }

  delete(key: WorkflowKey): WorkflowRecord | undefined {
    const k = workflowKeyString(key);
    const r = this.byKey.get(k);
    this.byKey.delete(k);
    return r;
  }

  clear(): void {
    this.byKey.clear();
  }
}

export class InMemoryExecutionStore implements ExecutionStore {
  private readonly byWorkflow = new Map<string, Map<string, ExecutionRecord>>();
  private seq = 0;

  insert(record: ExecutionRecord): void {
    const k = workflowKeyString(record.workflow);
    let m = this.byWorkflow.get(k);
    if (!m) this.byWorkflow.set(k, (m = new Map()));
    if (m.has(record.executionId))
      throw new StoreError('ALREADY_EXISTS', `execution ${record.executionId} already exists`);
    m.set(record.executionId, record);
  }

  get(workflow: WorkflowKey, executionId: string): ExecutionRecord | undefined {
    return this.byWorkflow.get(workflowKeyString(workflow))?.get(executionId);
  }

  update(record: ExecutionRecord): void {
    // Records are shared objects in memory; nothing to write back.
    void record;
  }

  list(workflow: WorkflowKey): ExecutionRecord[] {
    const m = this.byWorkflow.get(workflowKeyString(workflow));
    return m ? [...m.values()] : [];
  }

  deleteForWorkflow(workflow: WorkflowKey): ExecutionRecord[] {
    const k = workflowKeyString(workflow);
    const m = this.byWorkflow.get(k);
    this.byWorkflow.delete(k);
    return m ? [...m.values()] : [];
  }

  *all(): Iterable<ExecutionRecord> {
    for (const m of this.byWorkflow.values()) yield* m.values();
  }

  nextSeq(): number {
    return ++this.seq;
  }

  clear(): void {
    this.byWorkflow.clear();
  }
}

export class InMemoryOperationStore implements OperationStore {
  private readonly byKey = new Map<string, OperationRecord>();
  private seq = 0;

  private static key(project: string, location: string, id: string): string {
    return `${project}/${location}/${id}`;
  }

  insert(record: OperationRecord): void {
    this.byKey.set(InMemoryOperationStore.key(record.project, record.location, record.operationId), record);
  }

  get(project: string, location: string, operationId: string): OperationRecord | undefined {
    return this.byKey.get(InMemoryOperationStore.key(project, location, operationId));
  }

  list(project: string, location: string): OperationRecord[] {
    const out: OperationRecord[] = [];
    for (const r of this.byKey.values()) if (r.project === project && r.location === location) out.push(r);
    return out;
  }

  delete(project: string, location: string, operationId: string): boolean {
    return this.byKey.delete(InMemoryOperationStore.key(project, location, operationId));
  }

  nextSeq(): number {
    return ++this.seq;
  }

  clear(): void {
    this.byKey.clear();
  }
}

export function createMemoryStore(): Store {
  return {
    workflows: new InMemoryWorkflowStore(),
    executions: new InMemoryExecutionStore(),
    operations: new InMemoryOperationStore(),
  };
}
