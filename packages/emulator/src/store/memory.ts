import { StoreError } from './errors.js';
import type {
  ExecutionRecord,
  ExecutionStore,
  OperationRecord,
  OperationStore,
  RevisionRecord,
  Store,
  WorkflowKey,
  WorkflowRecord,
  WorkflowStore,
} from './types.js';

/** Workflow IDs cannot contain `/`, so this key is unambiguous. */
export const workflowKeyString = (k: WorkflowKey): string => `${k.project}/${k.location}/${k.workflowId}`;

export class InMemoryWorkflowStore implements WorkflowStore {
  private readonly byKey = new Map<string, WorkflowRecord>();
  private evictedRevisionCount = 0;

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

  trimRevisions(key: WorkflowKey, keep: number, inUse: ReadonlySet<string>): RevisionRecord[] {
    const rec = this.byKey.get(workflowKeyString(key));
    if (!rec || rec.revisions.length <= keep) return [];
    const current = rec.revisions[rec.revisions.length - 1];
    let excess = rec.revisions.length - keep;
    const evicted: RevisionRecord[] = [];
    rec.revisions = rec.revisions.filter((r) => {
      if (excess === 0 || r === current || inUse.has(r.revisionId)) return true;
      excess--;
      evicted.push(r);
      return false;
    });
    this.evictedRevisionCount += evicted.length;
    return evicted;
  }

  revisionCount(): number {
    let n = 0;
    for (const r of this.byKey.values()) n += r.revisions.length;
    return n;
  }

  evictedRevisions(): number {
    return this.evictedRevisionCount;
  }

  clear(): void {
    this.byKey.clear();
    this.evictedRevisionCount = 0;
  }
}

/**
 * About how many bytes of heap a finished execution holds: its argument, result and error texts
 * (a byte a character, as V8 stores ASCII), what its step history says it holds (about 100 bytes
 * an entry, plus error and variable texts), and 1.75 KB for the record itself (measured on Node
 * 20: 10,000 one-step executions take about 20 MB). A loop of 100,000 steps keeps about 10 MB of
 * history, which is why retention counts bytes as well as executions.
 */
export function approximateBytes(r: ExecutionRecord): number {
  let n = 1792 + r.argument.length + (r.result?.length ?? 0) + r.history.approximateBytes();
  if (r.error)
    n += r.error.payload.length + r.error.context.length + r.error.stackTrace.elements.length * 128;
  return n;
}

export class InMemoryExecutionStore implements ExecutionStore {
  private readonly byWorkflow = new Map<string, Map<string, ExecutionRecord>>();
  /** Finished executions, in the order they finished (a Map keeps insertion order), with their size. */
  private readonly finished = new Map<ExecutionRecord, number>();
  private finishedTotal = 0;
  private evictedCount = 0;
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
    if (!m) return [];
    for (const r of m.values()) this.forget(r);
    return [...m.values()];
  }

  *all(): Iterable<ExecutionRecord> {
    for (const m of this.byWorkflow.values()) yield* m.values();
  }

  nextSeq(): number {
    return ++this.seq;
  }

  markFinished(record: ExecutionRecord): void {
    if (this.finished.has(record) || this.get(record.workflow, record.executionId) !== record) return;
    const bytes = approximateBytes(record);
    this.finished.set(record, bytes);
    this.finishedTotal += bytes;
  }

  private forget(record: ExecutionRecord): void {
    const bytes = this.finished.get(record);
    if (bytes === undefined) return;
    this.finished.delete(record);
    this.finishedTotal -= bytes;
  }

  trimFinished(keep: { count: number; bytes: number }): ExecutionRecord[] {
    const evicted: ExecutionRecord[] = [];
    for (const r of this.finished.keys()) {
      const over = this.finished.size > keep.count || this.finishedTotal > keep.bytes;
      if (!over || this.finished.size <= 1) break;
      this.forget(r);
      this.byWorkflow.get(workflowKeyString(r.workflow))?.delete(r.executionId);
      evicted.push(r);
    }
    this.evictedCount += evicted.length;
    return evicted;
  }

  finishedCount(): number {
    return this.finished.size;
  }

  finishedBytes(): number {
    return this.finishedTotal;
  }

  evicted(): number {
    return this.evictedCount;
  }

  clear(): void {
    this.byWorkflow.clear();
    this.finished.clear();
    this.finishedTotal = 0;
    this.evictedCount = 0;
  }
}

export class InMemoryOperationStore implements OperationStore {
  /** In insertion order, which is creation order: the first entries are the oldest. */
  private readonly byKey = new Map<string, OperationRecord>();
  private evictedCount = 0;
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

  trim(keep: number): OperationRecord[] {
    const evicted: OperationRecord[] = [];
    for (const [k, r] of this.byKey) {
      if (this.byKey.size <= keep) break;
      this.byKey.delete(k);
      evicted.push(r);
    }
    this.evictedCount += evicted.length;
    return evicted;
  }

  size(): number {
    return this.byKey.size;
  }

  evicted(): number {
    return this.evictedCount;
  }

  clear(): void {
    this.byKey.clear();
    this.evictedCount = 0;
  }
}

export function createMemoryStore(): Store {
  return {
    workflows: new InMemoryWorkflowStore(),
    executions: new InMemoryExecutionStore(),
    operations: new InMemoryOperationStore(),
  };
}
