/**
 * The log entries executions wrote (`sys.log`, execution logs, call logs), oldest first, in
 * bounded memory: past `limit` entries the oldest are evicted (`--retain-logs`). Every entry
 * gets a sequence number, so that a page token stays valid while older entries are evicted.
 */
import { EXECUTION_ID_LABEL, severityRank, type WorkflowLogEntry } from '../runtime/logging.js';

export interface LogQuery {
  executionId?: string;
  workflowId?: string;
  location?: string;
  project?: string;
  /** Entries of at least this severity (Cloud Logging's order: DEFAULT lowest). */
  minSeverity?: string;
  /** Log IDs accepted (`Workflows`, `workflows.googleapis.com/engine_call`), any of them. */
  logIds?: ReadonlySet<string>;
  /** Only entries from this sequence number on (a page token's position). */
  fromSeq?: number;
}

interface Stored {
  seq: number;
  entry: WorkflowLogEntry;
  rank: number;
}

export class LogStore {
  private entries: (Stored | undefined)[] = [];
  private start = 0;
  private nextSeq = 1;
  private evictedCount = 0;

  constructor(public limit: number) {}

  append(entry: WorkflowLogEntry): void {
    this.entries.push({ seq: this.nextSeq++, entry, rank: severityRank(entry.severity) });
    while (this.entries.length - this.start > this.limit) {
      this.entries[this.start++] = undefined;
      this.evictedCount++;
    }
    // Drop the evicted slots now and then (amortized O(1) per entry).
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  /**
   * Up to `max` entries matching the query, oldest first, and the sequence number to go on from
   * when more may follow.
   */
  list(q: LogQuery, max: number): { entries: WorkflowLogEntry[]; next?: number } {
    const out: WorkflowLogEntry[] = [];
    const minRank = q.minSeverity === undefined ? -1 : severityRank(q.minSeverity);
    for (let i = this.indexOf(q.fromSeq ?? 0); i < this.entries.length; i++) {
      const s = this.entries[i] as Stored;
      if (s.rank < minRank || !matches(s.entry, q)) continue;
      if (out.length === max) return { entries: out, next: s.seq };
      out.push(s.entry);
    }
    return { entries: out };
  }

  /** The first index whose entry has a sequence number ≥ seq (entries are in sequence order). */
  private indexOf(seq: number): number {
    let lo = this.start;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid] as Stored).seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  size(): number {
    return this.entries.length - this.start;
  }

  evicted(): number {
    return this.evictedCount;
  }

  clear(): void {
    this.entries = [];
    this.start = 0;
    this.evictedCount = 0;
  }
}

/** `projects/P/logs/workflows.googleapis.com%2Fengine_call` → `workflows.googleapis.com/engine_call`. */
function logIdOf(name: string): string {
  const id = name.slice(name.indexOf('/logs/') + '/logs/'.length);
  return id.includes('%') ? decodeURIComponent(id) : id;
}

function matches(e: WorkflowLogEntry, q: LogQuery): boolean {
  if (q.executionId !== undefined && e.labels[EXECUTION_ID_LABEL] !== q.executionId) return false;
  const r = e.resource.labels;
  if (q.workflowId !== undefined && r.workflow_id !== q.workflowId) return false;
  if (q.location !== undefined && r.location !== q.location) return false;
  if (q.project !== undefined && r.project_id !== q.project) return false;
  if (q.logIds !== undefined && !q.logIds.has(logIdOf(e.logName))) return false;
  return true;
}
