/**
 * What the emulator keeps and what it has evicted (`--retain-*`; the bounds are in
 * `AppConfig.retention`, the mechanics in the stores and the stub registry).
 */
import type { AppDeps, RetentionLimits } from './deps.js';

export type RetentionKind = keyof RetentionLimits;

/** The CLI flag that sets each bound, named in messages. */
export const RETENTION_FLAGS: Readonly<Record<RetentionKind, string>> = {
  executions: '--retain-executions',
  executionBytes: '--retain-executions-mb',
  operations: '--retain-operations',
  revisions: '--retain-revisions',
  requests: '--retain-requests',
  logs: '--retain-logs',
};

const MB = 1024 * 1024;

export interface RetentionEntry {
  /** The bound (for revisions, per workflow). */
  limit: number;
  /** How many are held now (for executions, the finished ones: running ones are never evicted). */
  retained: number;
  /** How many were evicted since the start or the last reset. */
  evicted: number;
}

export interface ExecutionRetentionEntry extends RetentionEntry {
  /** The memory bound of finished executions, in MB. */
  limitMb: number;
  /** About how much memory the finished executions take, in MB (one decimal). */
  approximateMb: number;
}

export function retentionInfo(deps: AppDeps): {
  executions: ExecutionRetentionEntry;
  operations: RetentionEntry;
  revisions: RetentionEntry;
  requests: RetentionEntry;
  logs: RetentionEntry;
} {
  const { store, stubs, config } = deps;
  const requests = stubs.requestLogSize();
  return {
    executions: {
      limit: config.retention.executions,
      retained: store.executions.finishedCount(),
      evicted: store.executions.evicted(),
      limitMb: config.retention.executionBytes / MB,
      approximateMb: Math.round((store.executions.finishedBytes() / MB) * 10) / 10,
    },
    operations: {
      limit: config.retention.operations,
      retained: store.operations.size(),
      evicted: store.operations.evicted(),
    },
    revisions: {
      limit: config.retention.revisions,
      retained: store.workflows.revisionCount(),
      evicted: store.workflows.evictedRevisions(),
    },
    // The registry may have been built by the caller with its own bound.
    requests: { limit: stubs.maxRecordedRequests, ...requests },
    logs: { limit: deps.logs.limit, retained: deps.logs.size(), evicted: deps.logs.evicted() },
  };
}

/**
 * Appended to a NOT_FOUND message once something of the kind has been evicted, so that a 404 for
 * a resource seen earlier in the day explains itself ('' before any eviction).
 */
export function evictionHint(deps: AppDeps, kind: 'executions' | 'operations' | 'revisions'): string {
  const { store, config } = deps;
  const r = config.retention;
  const [evicted, kept] =
    kind === 'executions'
      ? [
          store.executions.evicted(),
          `the ${r.executions} most recently finished executions in about ${r.executionBytes / MB} MB`,
        ]
      : kind === 'operations'
        ? [store.operations.evicted(), `the ${r.operations} most recent operations`]
        : [store.workflows.evictedRevisions(), `the ${r.revisions} most recent revisions of each workflow`];
  if (evicted === 0) return '';
  const flags =
    kind === 'executions'
      ? `${RETENTION_FLAGS.executions} and ${RETENTION_FLAGS.executionBytes}`
      : RETENTION_FLAGS[kind];
  return ` (it may have been evicted: the emulator keeps ${kept} and has evicted ${evicted}; see ${flags})`;
}

/** Checks bounds given in code (the CLI checks its flags itself, with usage errors). */
export function checkRetention(limits: RetentionLimits): void {
  for (const [kind, n] of Object.entries(limits)) {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new RangeError(`retention.${kind} must be a positive integer, got ${String(n)}`);
  }
}
