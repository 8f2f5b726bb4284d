/** Workflow Executions API v1 behaviour: start, observe, cancel, step entries, callbacks. */
import type {
  ExecutionEntry,
  ExecutionIdentity,
  ExecutionOutcome,
  HistoryLevel,
  RunningExecution,
  StepEntries,
} from '../runtime/api.js';
import type { ExecutionTracer } from '../runtime/tracer.js';
import { startExecution as defaultStartExecution } from '../runtime/executor.js';
import { effectiveCallLogLevel } from '../runtime/logging.js';
import { entryColumns, NO_STEP_ENTRIES, publicStepType, type EntryColumns } from '../runtime/history.js';
import { RaisedError } from '../values/raised-error.js';
import type { Value } from '../values/types.js';
import { parseJson, stringifyJson } from '../values/json.js';
import type {
  ExecutionHistoryLevel,
  ExecutionRecord,
  ExecutionState,
  RevisionRecord,
  WorkflowKey,
} from '../store/types.js';
import { excerpt, failedPrecondition, invalidArgument, notFound, resourceExhausted } from './api-error.js';
import type { AppDeps } from './deps.js';
import { compileFilter, compileOrderBy, type FieldSpecs } from './filter.js';
import { publishExecution, publishStepEntry } from './live-events.js';
import { executionName, workflowName } from './names.js';
import { evictionHint } from './retention.js';
import { ExecutionInputSchema, parseBody } from './schemas.js';
import {
  callbackJson,
  currentRevision,
  executionJson,
  stepEntryJson,
  type ExecutionView,
  type Json,
} from './serialize.js';
import {
  CALL_LOG_LEVELS,
  decodeEnum,
  EXECUTION_HISTORY_LEVELS,
  EXECUTION_STATES,
  EXECUTION_VIEWS,
  paginate,
  queryString,
  STEP_ENTRY_STATES,
  STEP_ENTRY_VIEWS,
  STEP_TYPES,
  decodePageToken,
  encodePageToken,
  validateLabels,
} from './wire.js';
import type { WorkflowsService } from './workflows-service.js';
import { type ProjectRef } from './workflows-service.js';

/** https://cloud.google.com/workflows/quotas: 32 KB, checked on the UTF-8 text. */
export const MAX_ARGUMENT_BYTES = 32 * 1024;

const TERMINAL: ReadonlySet<ExecutionState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'UNAVAILABLE']);

const EXECUTION_FIELDS: FieldSpecs<ExecutionRecord> = {
  executionId: { type: 'string', get: (e) => e.executionId },
  state: { type: 'enum', get: (e) => e.state, enumNames: EXECUTION_STATES },
  createTime: { type: 'timestamp', get: (e) => e.createTime },
  startTime: { type: 'timestamp', get: (e) => e.startTime },
  endTime: { type: 'timestamp', get: (e) => e.endTime },
  duration: { type: 'duration', get: (e) => (e.endTime === undefined ? undefined : e.endTime - e.startTime) },
  workflowRevisionId: { type: 'string', get: (e) => e.revisionId },
  // [?] The service documents `stepName` without its semantics; here it matches the steps the
  // execution is at (or ended at), i.e. `status.currentSteps`.
  stepName: { type: 'string', get: (e) => e.currentSteps.map((s) => s.step) },
  label: { type: 'map', get: (e) => e.labels },
  labels: { type: 'map', get: (e) => e.labels },
  disableConcurrencyQuotaOverflowBuffering: {
    type: 'bool',
    get: (e) => e.disableConcurrencyQuotaOverflowBuffering,
  },
};

/**
 * The fields `stepEntries.list` filters and orders on
 * (https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries/list).
 * `state` is accepted with or without its `STATE_` prefix: the documented example filters on
 * `state="SUCCEEDED"` while the enum's names carry the prefix.
 */
const stepEntryFields = (cols: EntryColumns, fineCallTypes: boolean): FieldSpecs<number> => ({
  // Read by entry number from the history's columns (see EntryColumns).
  entryId: { type: 'number', get: (id) => id },
  createTime: { type: 'timestamp', get: (id) => cols.createMs(id) },
  updateTime: { type: 'timestamp', get: (id) => cols.updateMs(id) },
  routine: { type: 'string', get: (id) => cols.routine(id) },
  step: { type: 'string', get: (id) => cols.step(id) },
  stepType: {
    type: 'enum',
    get: (id) => publicStepType(cols.stepType(id), fineCallTypes),
    enumNames: STEP_TYPES,
  },
  state: {
    type: 'enum',
    get: (id) => cols.state(id),
    enumNames: STEP_ENTRY_STATES,
    normalize: (v) => (/^\d+$/.test(v) || v.startsWith('STATE_') ? v : `STATE_${v}`),
  },
  // `navigationInfo.parent`: the enclosing entry's number.
  parent: {
    type: 'number',
    get: (id) => {
      const p = cols.parent(id);
      return p > 0 ? p : undefined;
    },
  },
});

/** `pageSize` of stepEntries.list: "the default max is 1000"; 0, negative or absent take the default. */
const STEP_ENTRY_PAGE_SIZE = 1000;

/** Concurrency quotas are per project and location (https://cloud.google.com/workflows/quotas). */
const quotaSlot = (project: string, location: string): string => `${project}/${location}`;

/** Backlogged executions per project+location, oldest first (https://cloud.google.com/workflows/quotas). */
interface Scheduler {
  active: Map<string, number>;
  queued: Map<string, { rec: ExecutionRecord; rev: RevisionRecord; argument: Value }[]>;
}

export class ExecutionsService {
  private readonly scheduler: Scheduler = { active: new Map(), queued: new Map() };
  /**
   * The last `orderBy` order of a finished execution's history (entry numbers, sorted), so that
   * paging through it sorts once: a finished history no longer changes.
   */
  private readonly sortedHistories = new WeakMap<StepEntries, { orderBy: string; ids: Int32Array }>();

  constructor(
    private readonly deps: AppDeps,
    private readonly workflows: WorkflowsService,
  ) {}

  private now(): number {
    return this.deps.runtime.clock.now();
  }

  getRecord(ref: ProjectRef, location: string, workflowId: string, executionId: string): ExecutionRecord {
    const rec = this.deps.store.executions.get({ project: ref.project, location, workflowId }, executionId);
    if (!rec) {
      const name = executionName(ref.alias, location, workflowId, executionId);
      throw notFound(`Resource '${name}' was not found${evictionHint(this.deps, 'executions')}`);
    }
    return rec;
  }

  /**
   * Starts an execution. `direct`: run a subworkflow or one step instead of the workflow (see
   * direct-runs.ts), watched by `observers` besides the emulator's own.
   */
  create(
    ref: ProjectRef,
    location: string,
    workflowId: string,
    body: unknown,
    direct?: { entry: ExecutionEntry; observers?: readonly ExecutionTracer[] },
  ): ExecutionRecord {
    const wf = this.workflows.getRecord(ref, location, workflowId);
    const input = parseBody(ExecutionInputSchema, body, 'execution');
    const argText = input.argument ?? '';
    const bytes = Buffer.byteLength(argText, 'utf8');
    if (bytes > MAX_ARGUMENT_BYTES) {
      throw invalidArgument(
        `The execution argument is ${bytes} bytes; the limit is ${MAX_ARGUMENT_BYTES} bytes (32 KB)`,
      );
    }
    let argument: Value = null;
    if (argText.trim() !== '') {
      try {
        argument = parseJson(argText);
      } catch (err) {
        const why = err instanceof RaisedError ? err.message : String(err);
        throw invalidArgument(`The execution argument is not valid JSON: ${why}`, { cause: err });
      }
    }
    if (input.labels) validateLabels(input.labels);
    const callLogLevel =
      decodeEnum('execution.call_log_level', input.callLogLevel, CALL_LOG_LEVELS) ??
      'CALL_LOG_LEVEL_UNSPECIFIED';
    const executionHistoryLevel =
      decodeEnum(
        'execution.execution_history_level',
        input.executionHistoryLevel,
        EXECUTION_HISTORY_LEVELS,
      ) ?? 'EXECUTION_HISTORY_LEVEL_UNSPECIFIED';
    const disableBuffering = input.disableConcurrencyQuotaOverflowBuffering ?? false;

    const slot = quotaSlot(ref.project, location);
    const sched = this.scheduler;
    const overQuota = (sched.active.get(slot) ?? 0) >= this.deps.config.maxActiveExecutions;
    if (overQuota && disableBuffering) {
      throw resourceExhausted(
        `Quota exceeded: at most ${this.deps.config.maxActiveExecutions} executions may be active at once in ${location}`,
      );
    }

    const rev = currentRevision(wf);
    const now = this.now();
    const rec: ExecutionRecord = {
      workflow: wf.key,
      executionId: this.deps.runtime.ids.uuid(),
      projectAlias: ref.alias,
      seq: this.deps.store.executions.nextSeq(),
      revisionId: rev.revisionId,
      // [?] The service seems to store the argument re-serialized with sorted keys
      // (a choice: Google does not document the order); normalizing also makes `argument` compact.
      argument: stringifyJson(argument, { sortKeys: true }),
      // https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions: labels are inherited from the workflow; the execution's own win.
      labels: { ...wf.labels, ...(input.labels ?? {}) },
      callLogLevel,
      executionHistoryLevel,
      disableConcurrencyQuotaOverflowBuffering: disableBuffering,
      state: overQuota ? 'QUEUED' : 'ACTIVE',
      createTime: now,
      startTime: now,
      currentSteps: [],
      history: NO_STEP_ENTRIES,
      ...(direct && { entry: direct.entry }),
      ...(direct?.observers && { observers: direct.observers }),
    };
    this.deps.store.executions.insert(rec);
    if (overQuota) {
      let q = sched.queued.get(slot);
      if (!q) sched.queued.set(slot, (q = []));
      q.push({ rec, rev, argument });
      // (A started execution is published by `run`.)
      publishExecution(this.deps.events, rec);
    } else {
      this.run(rec, rev, argument);
    }
    return rec;
  }

  private run(rec: ExecutionRecord, rev: RevisionRecord, argument: Value): void {
    const wf = this.deps.store.workflows.get(rec.workflow);
    const { config } = this.deps;
    const identity: ExecutionIdentity = {
      projectId: rec.workflow.project,
      projectNumber: config.projectNumber,
      location: rec.workflow.location,
      workflowId: rec.workflow.workflowId,
      revisionId: rev.revisionId,
      executionId: rec.executionId,
      serviceAccount: rev.serviceAccount,
      userEnvVars: { ...(wf?.userEnvVars ?? {}) },
    };
    const slot = quotaSlot(rec.workflow.project, rec.workflow.location);
    const sched = this.scheduler;
    sched.active.set(slot, (sched.active.get(slot) ?? 0) + 1);
    // A backlogged execution starts later; one started at once keeps startTime == createTime.
    if (rec.state === 'QUEUED') rec.startTime = this.now();
    rec.state = 'ACTIVE';
    const start = this.deps.startExecution ?? defaultStartExecution;
    let running: RunningExecution | undefined;
    try {
      const sourceFile = this.deps.files.sourceFile(rec.workflow, rev.revisionId);
      const tracers = [...this.deps.executionObservers.map((create) => create()), ...(rec.observers ?? [])];
      running = start(this.deps.runtime, {
        definition: rev.definition,
        argument,
        identity,
        callLogLevel: effectiveCallLogLevel(rec.callLogLevel, wf?.callLogLevel),
        historyLevel: historyLevel(rec.executionHistoryLevel, wf?.executionHistoryLevel),
        ...(sourceFile !== undefined && { sourceFile }),
        ...(tracers.length > 0 && { tracers }),
        ...(rec.entry && { entry: rec.entry }),
        onCurrentSteps: (steps) => {
          rec.currentSteps = steps;
          publishExecution(this.deps.events, rec, true);
        },
        onStepEntry: (entryId, history) => {
          if (!this.deps.events.listening) return;
          // Entries that started as the execution started come before `running` is known;
          // after deleteExecutionHistory, later entries are not in the listed history either.
          if (running !== undefined && rec.history !== running.history) return;
          const entry = history.get(entryId);
          if (entry)
            publishStepEntry(this.deps.events, rec, entry, history, this.deps.config.fineCallStepTypes);
        },
      });
    } catch (err) {
      // The executor promises not to throw; if it does, the execution fails like an internal error.
      const message = err instanceof Error ? err.message : String(err);
      this.finish(rec, {
        state: 'FAILED',
        error: {
          payload: stringifyJson(
            new Map<string, Value>([
              ['message', message],
              ['tags', ['SystemError']],
            ]),
          ),
          context: message,
          stackTrace: { elements: [] },
        },
      });
      return;
    }
    rec.running = running;
    rec.history = running.history;
    this.deps.store.executions.update(rec);
    publishExecution(this.deps.events, rec);
    running.done
      .then((outcome) => this.finish(rec, outcome))
      // Never an unhandled rejection: a bug in finishing one execution must not take the server down.
      .catch((err: unknown) =>
        console.error('workflows-emulator: internal error finishing an execution:', err),
      );
  }

  private finish(rec: ExecutionRecord, outcome: ExecutionOutcome): void {
    const slot = quotaSlot(rec.workflow.project, rec.workflow.location);
    const sched = this.scheduler;
    delete rec.running;
    delete rec.observers;
    if (!TERMINAL.has(rec.state)) {
      rec.state = outcome.state;
      rec.endTime = this.now();
      if (outcome.state === 'SUCCEEDED') rec.result = outcome.result;
      else if (outcome.error) rec.error = outcome.error;
    } else if (rec.state === 'CANCELLED' && outcome.state === 'CANCELLED' && outcome.error && !rec.error) {
      // Cancelled through the API: the state was set at once, the error report arrives now.
      rec.error = outcome.error;
    }
    this.deps.store.executions.update(rec);
    publishExecution(this.deps.events, rec);
    // `finish` runs once per `run`, which counted the execution as active.
    const n = (sched.active.get(slot) ?? 1) - 1;
    if (n <= 0) sched.active.delete(slot);
    else sched.active.set(slot, n);
    this.settlers.get(rec)?.();
    this.settlers.delete(rec);
    this.retire(rec);
    this.startQueued(slot);
  }

  /**
   * The execution is over and nothing runs it any more: it joins the finished executions, of
   * which the emulator keeps `retention.executions`, in about `retention.executionBytes` (the ones
   * that finished first go first), so a whole day of use stays in bounded memory. Google
   * documents no such bound; see the README.
   */
  private retire(rec: ExecutionRecord): void {
    const { executions } = this.deps.store;
    executions.markFinished(rec);
    const { retention } = this.deps.config;
    for (const old of executions.trimFinished({
      count: retention.executions,
      bytes: retention.executionBytes,
    })) {
      const { project, location, workflowId } = old.workflow;
      this.deps.runtime.callbacks.clearExecution(
        executionName(project, location, workflowId, old.executionId),
      );
    }
  }

  private readonly settlers = new Map<ExecutionRecord, () => void>();
  private readonly settling = new WeakMap<ExecutionRecord, Promise<void>>();

  /**
   * Resolves once the execution has finished and its outcome is stored (state, result or error):
   * for callers that hold a record (the CLI's `run`, the testing package) and need its final state.
   */
  whenSettled(rec: ExecutionRecord): Promise<void> {
    if (TERMINAL.has(rec.state) && !rec.running) return Promise.resolve();
    let p = this.settling.get(rec);
    if (!p) {
      p = new Promise<void>((resolve) => this.settlers.set(rec, resolve));
      this.settling.set(rec, p);
    }
    return p;
  }

  private startQueued(slot: string): void {
    const sched = this.scheduler;
    const q = sched.queued.get(slot);
    while (q && q.length > 0 && (sched.active.get(slot) ?? 0) < this.deps.config.maxActiveExecutions) {
      const next = q.shift();
      if (next && next.rec.state === 'QUEUED') this.run(next.rec, next.rev, next.argument);
    }
    if (q && q.length === 0) sched.queued.delete(slot);
  }

  get(
    ref: ProjectRef,
    location: string,
    workflowId: string,
    executionId: string,
    query: Record<string, unknown>,
  ): Json {
    const rec = this.getRecord(ref, location, workflowId, executionId);
    return executionJson(rec, ref.alias, readView(query, 'FULL'));
  }

  list(ref: ProjectRef, location: string, workflowId: string, query: Record<string, unknown>): Json {
    const wf = this.workflows.getRecord(ref, location, workflowId);
    const view = readView(query, 'BASIC');
    const filter = queryString(query, 'filter');
    const orderBy = queryString(query, 'orderBy');
    const pred = compileFilter(filter, EXECUTION_FIELDS);
    // https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions: newest first by default.
    const cmp = compileOrderBy(
      orderBy,
      EXECUTION_FIELDS,
      (a, b) => b.createTime - a.createTime || b.seq - a.seq,
    );
    const selected = this.deps.store.executions.list(wf.key).filter(pred).sort(cmp);
    const { page, nextPageToken } = paginate(selected, query, {
      defaultSize: 100,
      maxSize: view === 'FULL' ? 100 : 1000,
      fingerprint: `${filter ?? ''}\n${orderBy ?? ''}`,
    });
    const out: Json = { executions: page.map((e) => executionJson(e, ref.alias, view)) };
    if (nextPageToken) out.nextPageToken = nextPageToken;
    return out;
  }

  cancel(ref: ProjectRef, location: string, workflowId: string, executionId: string): Json {
    const rec = this.getRecord(ref, location, workflowId, executionId);
    if (TERMINAL.has(rec.state)) {
      throw failedPrecondition(
        `Execution '${executionName(ref.alias, location, workflowId, executionId)}' is not active (state ${rec.state}) and cannot be cancelled`,
      );
    }
    this.cancelRecord(rec);
    return executionJson(rec, ref.alias, 'FULL');
  }

  /** Terminal at once (the API answers with state CANCELLED); the executor unwinds in the background. */
  private cancelRecord(rec: ExecutionRecord): void {
    if (TERMINAL.has(rec.state)) return;
    const wasQueued = rec.state === 'QUEUED';
    rec.state = 'CANCELLED';
    rec.endTime = this.now();
    this.deps.store.executions.update(rec);
    publishExecution(this.deps.events, rec);
    if (wasQueued) {
      const slot = quotaSlot(rec.workflow.project, rec.workflow.location);
      const q = this.scheduler.queued.get(slot);
      const i = q ? q.findIndex((x) => x.rec === rec) : -1;
      if (q && i >= 0) q.splice(i, 1);
      // It never ran, so `finish` will not run for it: settle it here.
      this.settlers.get(rec)?.();
      this.settlers.delete(rec);
      this.retire(rec);
      return;
    }
    rec.running?.cancel();
  }

  /** Cancels and removes every execution of a workflow (workflow deletion). */
  removeForWorkflow(key: WorkflowKey): void {
    for (const rec of this.deps.store.executions.deleteForWorkflow(key)) {
      this.cancelRecord(rec);
      this.deps.runtime.callbacks.clearExecution(
        executionName(key.project, key.location, key.workflowId, rec.executionId),
      );
    }
  }

  /** Cancels everything that runs (reset and shutdown). */
  cancelAll(): void {
    for (const rec of this.deps.store.executions.all()) this.cancelRecord(rec);
    const sched = this.scheduler;
    sched.queued.clear();
  }

  /**
   * stepEntries.list
   * (https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries/list):
   * ordered by `entryId` unless `orderBy` says otherwise; `skip` counts from the start of the
   * page the token asks for; `totalSize` counts the entries the filter matches. Without a filter
   * and in entry order (the common case, and the UI's) a page costs its own size, not the history's.
   * With a filter, the filter is compiled once and evaluated on the history's columns by entry
   * number; only the page's entries are read as entries. (`totalSize` needs every match counted,
   * so each page scans the history once: at 100,000 entries about a millisecond.)
   */
  listStepEntries(
    ref: ProjectRef,
    location: string,
    workflowId: string,
    executionId: string,
    query: Record<string, unknown>,
  ): Json {
    const rec = this.getRecord(ref, location, workflowId, executionId);
    const filter = queryString(query, 'filter');
    const orderBy = queryString(query, 'orderBy');
    const variables = entryViewHasVariables(query);
    const skip = readCount(query, 'skip');
    const size = readStepEntryPageSize(query);
    // [?] The token carries the filter and order, which must match; `skip` may change between pages.
    const fingerprint = `${filter ?? ''}\n${orderBy ?? ''}`;
    const from = decodePageToken(queryString(query, 'pageToken'), fingerprint);
    const history = rec.history;
    const fields = stepEntryFields(entryColumns(history), this.deps.config.fineCallStepTypes);
    const pred = compileFilter(filter, fields);
    const order = (orderBy ?? '').trim();
    const inOrder = order === '' || /^entryId(\s+asc)?$/.test(order);
    const start = from + skip;
    const n = history.length;
    let total = 0;
    const ids: number[] = [];
    if ((filter === undefined || filter.trim() === '') && inOrder) {
      // Entry numbers are positions: the page is read directly.
      total = n;
      for (let id = start + 1; id <= Math.min(total, start + size); id++) ids.push(id);
    } else {
      // Entry numbers in the order asked for; every match counted, the page's kept.
      const end = start + size;
      const take = (id: number) => {
        if (!pred(id)) return;
        if (total >= start && total < end) ids.push(id);
        total++;
      };
      if (inOrder) for (let id = 1; id <= n; id++) take(id);
      else if (/^entryId\s+desc$/.test(order)) for (let id = n; id >= 1; id--) take(id);
      else for (const id of this.sortedEntryIds(rec, order, fields)) take(id);
    }
    const page = ids.map((id) => history.get(id)!);
    const name = executionName(ref.alias, location, workflowId, executionId);
    const out: Json = {
      stepEntries: page.map((s) =>
        stepEntryJson(s, name, rec.history, variables, this.deps.config.fineCallStepTypes),
      ),
    };
    if (start + size < total) out.nextPageToken = encodePageToken(start + size, fingerprint);
    out.totalSize = total;
    return out;
  }

  /** Every entry number of the history, sorted by `orderBy` (then by entry number). */
  private sortedEntryIds(rec: ExecutionRecord, orderBy: string, fields: FieldSpecs<number>): Int32Array {
    const history = rec.history;
    const cached = this.sortedHistories.get(history);
    if (cached && cached.orderBy === orderBy && cached.ids.length === history.length) return cached.ids;
    const cmp = compileOrderBy(orderBy, fields, (a, b) => a - b);
    const ids = new Int32Array(history.length);
    for (let i = 0; i < ids.length; i++) ids[i] = i + 1;
    ids.sort(cmp);
    if (TERMINAL.has(rec.state)) this.sortedHistories.set(history, { orderBy, ids });
    return ids;
  }

  getStepEntry(
    ref: ProjectRef,
    location: string,
    workflowId: string,
    executionId: string,
    entryId: number,
    query: Record<string, unknown> = {},
  ): Json {
    const rec = this.getRecord(ref, location, workflowId, executionId);
    const name = executionName(ref.alias, location, workflowId, executionId);
    const variables = entryViewHasVariables(query);
    const entry = rec.history.get(entryId);
    if (!entry) throw notFound(`Resource '${name}/stepEntries/${entryId}' was not found`);
    return stepEntryJson(entry, name, rec.history, variables, this.deps.config.fineCallStepTypes);
  }

  listCallbacks(
    ref: ProjectRef,
    location: string,
    workflowId: string,
    executionId: string,
    query: Record<string, unknown>,
  ): Json {
    const rec = this.getRecord(ref, location, workflowId, executionId);
    const hubName = executionName(rec.workflow.project, location, workflowId, executionId);
    const name = executionName(ref.alias, location, workflowId, executionId);
    const all = this.deps.runtime.callbacks.list(hubName);
    const { page, nextPageToken } = paginate(all, query, { defaultSize: 100, maxSize: 100, fingerprint: '' });
    const out: Json = {
      callbacks: page.map((c) => callbackJson(c, name, this.deps.runtime.callbacks.pending(hubName, c.id))),
    };
    if (nextPageToken) out.nextPageToken = nextPageToken;
    return out;
  }

  /** The execution's workflow resource name as the caller wrote it. */
  workflowName(ref: ProjectRef, location: string, workflowId: string): string {
    return workflowName(ref.alias, location, workflowId);
  }
}

/**
 * The history level an execution runs with (https://cloud.google.com/workflows/docs/debug-steps):
 * its own, unless unspecified; then its workflow's; else basic.
 */
function historyLevel(
  execution: ExecutionHistoryLevel,
  workflow: ExecutionHistoryLevel | undefined,
): HistoryLevel {
  const level = execution !== 'EXECUTION_HISTORY_LEVEL_UNSPECIFIED' ? execution : workflow;
  return level === 'EXECUTION_HISTORY_DETAILED' ? level : 'EXECUTION_HISTORY_BASIC';
}

/**
 * `view` of stepEntries.get and .list (deprecated, but still accepted): `EXECUTION_ENTRY_VIEW_BASIC`
 * is every field except `variableData`; the others show everything.
 */
function entryViewHasVariables(query: Record<string, unknown>): boolean {
  return decodeEnum('view', queryString(query, 'view'), STEP_ENTRY_VIEWS) !== 'EXECUTION_ENTRY_VIEW_BASIC';
}

function readCount(query: Record<string, unknown>, name: string): number {
  const raw = queryString(query, name);
  if (raw === undefined || raw === '') return 0;
  if (!/^\d+$/.test(raw)) throw invalidArgument(`Invalid value at '${name}' (TYPE_INT32), "${excerpt(raw)}"`);
  return Number(raw);
}

function readStepEntryPageSize(query: Record<string, unknown>): number {
  const raw = queryString(query, 'pageSize');
  if (raw === undefined || raw === '') return STEP_ENTRY_PAGE_SIZE;
  if (!/^-?\d+$/.test(raw))
    throw invalidArgument(`Invalid value at 'page_size' (TYPE_INT32), "${excerpt(raw)}"`);
  const n = Number(raw);
  return n <= 0 ? STEP_ENTRY_PAGE_SIZE : Math.min(n, STEP_ENTRY_PAGE_SIZE);
}

function readView(query: Record<string, unknown>, fallback: ExecutionView): ExecutionView {
  const v = decodeEnum('view', queryString(query, 'view'), EXECUTION_VIEWS);
  return v === 'BASIC' || v === 'FULL' ? v : fallback;
}
