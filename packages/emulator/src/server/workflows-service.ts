/** Workflows API v1 behaviour over the store: revisions, validation, long-running operations. */
import { formatProblems, type LoadResult } from '../source/index.js';
import { loadWorkflow as defaultLoadWorkflow, WorkflowSourceError } from '../source/index.js';
import type { WorkflowDefinition } from '../source/types.js';
import type { OperationRecord, OperationVerb, WorkflowKey, WorkflowRecord } from '../store/types.js';
import { alreadyExists, invalidArgument, notFound } from './api-error.js';
import type { AppDeps } from './deps.js';
import { compileFilter, compileOrderBy, type FieldSpecs } from './filter.js';
import { publishWorkflow } from './live-events.js';
import { checkWorkflowId, operationName, workflowName } from './names.js';
import { evictionHint } from './retention.js';
import { parseBody, WorkflowInputSchema, type WorkflowInput } from './schemas.js';
import { currentRevision, EMPTY_TYPE, WORKFLOW_TYPE, workflowJson, type Json } from './serialize.js';
import {
  CALL_LOG_LEVELS,
  decodeEnum,
  EXECUTION_HISTORY_LEVELS,
  paginate,
  queryString,
  validateLabels,
  WORKFLOW_STATES,
} from './wire.js';

/** Which project a request talks about: `alias` as the caller wrote it, `project` the canonical ID. */
export interface ProjectRef {
  alias: string;
  project: string;
}

/** The real service accepts the project number wherever the ID goes; both address the same data. */
export function projectRef(deps: AppDeps, alias: string): ProjectRef {
  return { alias, project: alias === deps.config.projectNumber ? deps.config.projectId : alias };
}

const UPDATABLE_FIELDS = [
  'description',
  'labels',
  'serviceAccount',
  'sourceContents',
  'callLogLevel',
  'userEnvVars',
  'executionHistoryLevel',
  'cryptoKeyName',
] as const;
type UpdatableField = (typeof UPDATABLE_FIELDS)[number];

const MAX_DESCRIPTION_CHARS = 1000;

const WORKFLOW_FIELDS: FieldSpecs<{ rec: WorkflowRecord; name: string }> = {
  name: { type: 'string', get: (w) => w.name },
  description: { type: 'string', get: (w) => w.rec.description || undefined },
  state: { type: 'enum', get: (w) => w.rec.state, enumNames: WORKFLOW_STATES },
  revisionId: { type: 'string', get: (w) => current(w.rec).revisionId },
  createTime: { type: 'timestamp', get: (w) => w.rec.createTime },
  updateTime: { type: 'timestamp', get: (w) => w.rec.updateTime },
  revisionCreateTime: { type: 'timestamp', get: (w) => current(w.rec).revisionCreateTime },
  serviceAccount: { type: 'string', get: (w) => current(w.rec).serviceAccount },
  labels: { type: 'map', get: (w) => w.rec.labels },
};

const current = currentRevision;

export class WorkflowsService {
  constructor(private readonly deps: AppDeps) {}

  private now(): number {
    return this.deps.runtime.clock.now();
  }

  /** Validates a source; every problem (with line and column) goes into one INVALID_ARGUMENT message. */
  compile(source: string): WorkflowDefinition {
    const load = this.deps.loadWorkflow ?? ((s: string): LoadResult => defaultLoadWorkflow(s));
    const r = load(source);
    if (r.ok) return r.definition;
    // The loader phrases problems like the service (`failed to build: error in step ...`).
    throw invalidArgument(formatProblems(r.problems), { cause: new WorkflowSourceError(r.problems) });
  }

  /** `projects/{p}/serviceAccounts/{email}`, defaulting to the Compute Engine default account like the service. */
  private normalizeServiceAccount(project: string, sa: string | undefined): string {
    const { projectNumber } = this.deps.config;
    if (!sa)
      return `projects/${project}/serviceAccounts/${projectNumber}-compute@developer.gserviceaccount.com`;
    const m = /^projects\/([^/]+)\/serviceAccounts\/([^/]+)$/.exec(sa);
    if (m) return `projects/${m[1] === '-' ? project : m[1]}/serviceAccounts/${m[2]}`;
    if (/^[^/@\s]+@[^/@\s]+$/.test(sa)) return `projects/${project}/serviceAccounts/${sa}`;
    throw invalidArgument(
      `Invalid service account "${sa}": expected an email or projects/{project}/serviceAccounts/{email}`,
    );
  }

  private newRevisionId(ordinal: number): string {
    const hex = this.deps.runtime.ids.uuid().replace(/-/g, '').slice(0, 3).toLowerCase();
    return `${String(ordinal).padStart(6, '0')}-${hex}`;
  }

  private checkCommonFields(input: WorkflowInput): void {
    if (input.description !== undefined && [...input.description].length > MAX_DESCRIPTION_CHARS) {
      throw invalidArgument(`The description is longer than ${MAX_DESCRIPTION_CHARS} characters`);
    }
    if (input.labels) validateLabels(input.labels);
    if (input.userEnvVars) checkUserEnvVars(input.userEnvVars);
  }

  private recordOperation(
    ref: ProjectRef,
    location: string,
    verb: OperationVerb,
    target: string,
    response: Json | undefined,
    responseType: string,
  ): OperationRecord {
    const ops = this.deps.store.operations;
    const now = this.now();
    const operationId = `operation-${Math.floor(now)}-${this.deps.runtime.ids.uuid()}`;
    const op: OperationRecord = {
      name: operationName(ref.alias, location, operationId),
      project: ref.project,
      location,
      operationId,
      seq: ops.nextSeq(),
      verb,
      target,
      createTime: now,
      endTime: now,
      responseType,
    };
    if (response) op.response = response;
    ops.insert(op);
    // Operations complete at once; clients poll them only just after (see the README on retention).
    ops.trim(this.deps.config.retention.operations);
    return op;
  }

  getRecord(ref: ProjectRef, location: string, workflowId: string): WorkflowRecord {
    const rec = this.deps.store.workflows.get({ project: ref.project, location, workflowId });
    if (!rec) throw notFound(`Resource '${workflowName(ref.alias, location, workflowId)}' was not found`);
    return rec;
  }

  create(ref: ProjectRef, location: string, workflowId: string | undefined, body: unknown): OperationRecord {
    if (workflowId === undefined || workflowId === '') throw invalidArgument('workflowId is required');
    checkWorkflowId(workflowId);
    const input = parseBody(WorkflowInputSchema, body, 'workflow');
    this.checkCommonFields(input);
    const key: WorkflowKey = { project: ref.project, location, workflowId };
    if (this.deps.store.workflows.get(key)) {
      throw alreadyExists(`Resource '${workflowName(ref.alias, location, workflowId)}' already exists`);
    }
    const source = input.sourceContents ?? '';
    if (source.trim() === '') throw invalidArgument('sourceContents is required');
    const definition = this.compile(source);
    const now = this.now();
    const rec: WorkflowRecord = {
      key,
      description: input.description ?? '',
      labels: { ...(input.labels ?? {}) },
      state: 'ACTIVE',
      callLogLevel:
        decodeEnum('workflow.call_log_level', input.callLogLevel, CALL_LOG_LEVELS) ??
        'CALL_LOG_LEVEL_UNSPECIFIED',
      executionHistoryLevel:
        decodeEnum(
          'workflow.execution_history_level',
          input.executionHistoryLevel,
          EXECUTION_HISTORY_LEVELS,
        ) ?? 'EXECUTION_HISTORY_LEVEL_UNSPECIFIED',
      userEnvVars: { ...(input.userEnvVars ?? {}) },
      cryptoKeyName: input.cryptoKeyName ?? '',
      createTime: now,
      updateTime: now,
      revisions: [
        {
          revisionId: this.newRevisionId(1),
          ordinal: 1,
          revisionCreateTime: now,
          sourceContents: source,
          serviceAccount: this.normalizeServiceAccount(ref.project, input.serviceAccount),
          definition,
        },
      ],
    };
    this.deps.store.workflows.insert(rec);
    publishWorkflow(this.deps.events, this.deps.files, ref.alias, rec, 'created');
    const target = workflowName(ref.alias, location, workflowId);
    return this.recordOperation(ref, location, 'create', target, workflowJson(rec, ref.alias), WORKFLOW_TYPE);
  }

  get(ref: ProjectRef, location: string, workflowId: string, revisionId?: string): Json {
    const rec = this.getRecord(ref, location, workflowId);
    if (!revisionId) return workflowJson(rec, ref.alias);
    const rev = rec.revisions.find((r) => r.revisionId === revisionId);
    if (!rev) {
      throw notFound(
        `Revision '${revisionId}' of workflow '${workflowName(ref.alias, location, workflowId)}' was not found${evictionHint(this.deps, 'revisions')}`,
      );
    }
    return workflowJson(rec, ref.alias, rev);
  }

  list(ref: ProjectRef, location: string, query: Record<string, unknown>): Json {
    const filter = queryString(query, 'filter');
    const orderBy = queryString(query, 'orderBy');
    const items = this.deps.store.workflows
      .list(ref.project, location)
      .map((rec) => ({ rec, name: workflowName(ref.alias, location, rec.key.workflowId) }));
    const pred = compileFilter(filter, WORKFLOW_FIELDS);
    // The service documents no default order; name order keeps pages stable.
    const cmp = compileOrderBy(orderBy, WORKFLOW_FIELDS, (a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    const selected = items.filter(pred).sort(cmp);
    const { page, nextPageToken } = paginate(selected, query, {
      defaultSize: 500,
      maxSize: 1000,
      fingerprint: `${filter ?? ''}\n${orderBy ?? ''}`,
    });
    const out: Json = { workflows: page.map((w) => workflowJson(w.rec, ref.alias)) };
    if (nextPageToken) out.nextPageToken = nextPageToken;
    return out;
  }

  listRevisions(ref: ProjectRef, location: string, workflowId: string, query: Record<string, unknown>): Json {
    const rec = this.getRecord(ref, location, workflowId);
    const newestFirst = [...rec.revisions].reverse();
    const { page, nextPageToken } = paginate(newestFirst, query, {
      defaultSize: 20,
      maxSize: 100,
      fingerprint: '',
    });
    const out: Json = { workflows: page.map((rev) => workflowJson(rec, ref.alias, rev)) };
    if (nextPageToken) out.nextPageToken = nextPageToken;
    return out;
  }

  /**
   * AIP-134 update. Without `updateMask` the fields present in the body are updated (proto3
   * JSON omits unset fields, so "present" is what the caller set) [?]. A new revision is
   * created only when `sourceContents` or `serviceAccount` actually change; running
   * executions keep the revision they started with.
   */
  patch(
    ref: ProjectRef,
    location: string,
    workflowId: string,
    updateMask: string | undefined,
    body: unknown,
  ): OperationRecord {
    const input = parseBody(WorkflowInputSchema, body, 'workflow');
    const rec = this.getRecord(ref, location, workflowId);
    const fields = this.maskFields(updateMask, input);
    const has = (f: UpdatableField) => fields.includes(f);
    this.checkCommonFields(input);

    const rev = current(rec);
    let source = rev.sourceContents;
    let definition = rev.definition;
    if (has('sourceContents')) {
      const next = input.sourceContents ?? '';
      if (next.trim() === '') throw invalidArgument('sourceContents must not be empty');
      if (next !== source) {
        definition = this.compile(next);
        source = next;
      }
    }
    const serviceAccount = has('serviceAccount')
      ? this.normalizeServiceAccount(ref.project, input.serviceAccount)
      : rev.serviceAccount;
    const callLogLevel = has('callLogLevel')
      ? (decodeEnum('workflow.call_log_level', input.callLogLevel, CALL_LOG_LEVELS) ??
        'CALL_LOG_LEVEL_UNSPECIFIED')
      : rec.callLogLevel;
    const executionHistoryLevel = has('executionHistoryLevel')
      ? (decodeEnum(
          'workflow.execution_history_level',
          input.executionHistoryLevel,
          EXECUTION_HISTORY_LEVELS,
        ) ?? 'EXECUTION_HISTORY_LEVEL_UNSPECIFIED')
      : rec.executionHistoryLevel;

    // Everything validated: apply.
    const now = this.now();
    if (source !== rev.sourceContents || serviceAccount !== rev.serviceAccount) {
      const ordinal = rev.ordinal + 1;
      rec.revisions.push({
        revisionId: this.newRevisionId(ordinal),
        ordinal,
        revisionCreateTime: now,
        sourceContents: source,
        serviceAccount,
        definition,
      });
    }
    if (has('description')) rec.description = input.description ?? '';
    if (has('labels')) rec.labels = { ...(input.labels ?? {}) };
    if (has('userEnvVars')) rec.userEnvVars = { ...(input.userEnvVars ?? {}) };
    if (has('cryptoKeyName')) rec.cryptoKeyName = input.cryptoKeyName ?? '';
    rec.callLogLevel = callLogLevel;
    rec.executionHistoryLevel = executionHistoryLevel;
    rec.updateTime = now;
    this.deps.store.workflows.update(rec);
    this.trimRevisions(rec);
    publishWorkflow(this.deps.events, this.deps.files, ref.alias, rec, 'updated');
    const target = workflowName(ref.alias, location, workflowId);
    return this.recordOperation(ref, location, 'update', target, workflowJson(rec, ref.alias), WORKFLOW_TYPE);
  }

  /**
   * Keeps `retention.revisions` revisions of the workflow, evicting the oldest; the current one
   * and those that running or queued executions were started with always stay.
   */
  private trimRevisions(rec: WorkflowRecord): void {
    const keep = this.deps.config.retention.revisions;
    if (rec.revisions.length <= keep) return;
    const inUse = new Set<string>();
    for (const e of this.deps.store.executions.list(rec.key))
      if (e.running !== undefined || e.state === 'ACTIVE' || e.state === 'QUEUED') inUse.add(e.revisionId);
    for (const rev of this.deps.store.workflows.trimRevisions(rec.key, keep, inUse))
      this.deps.files.forgetRevision(rec.key, rev.revisionId);
  }

  private maskFields(updateMask: string | undefined, input: WorkflowInput): UpdatableField[] {
    if (updateMask === undefined || updateMask.trim() === '') {
      return UPDATABLE_FIELDS.filter((f) => input[f] !== undefined);
    }
    if (updateMask.trim() === '*') return [...UPDATABLE_FIELDS];
    return updateMask.split(',').map((raw) => {
      const f = raw.trim().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
      if (!(UPDATABLE_FIELDS as readonly string[]).includes(f)) {
        throw invalidArgument(
          `Invalid update mask: field "${raw.trim()}" cannot be updated; updatable fields: ${UPDATABLE_FIELDS.join(', ')}`,
        );
      }
      return f as UpdatableField;
    });
  }

  /** Deletes the workflow; its running executions are cancelled and its executions removed. */
  delete(
    ref: ProjectRef,
    location: string,
    workflowId: string,
    onExecutionsRemoved: (key: WorkflowKey) => void,
  ): OperationRecord {
    const rec = this.getRecord(ref, location, workflowId);
    onExecutionsRemoved(rec.key);
    this.deps.store.workflows.delete(rec.key);
    publishWorkflow(this.deps.events, this.deps.files, ref.alias, rec, 'deleted');
    const target = workflowName(ref.alias, location, workflowId);
    return this.recordOperation(ref, location, 'delete', target, undefined, EMPTY_TYPE);
  }

  /**
   * Creates the workflow, or redeploys it when it exists (a new revision only if the source
   * changed). Used by `--workflows-dir` and the testing package. Returns the current revision ID.
   */
  deploy(ref: ProjectRef, location: string, workflowId: string, source: string): string {
    const existing = this.deps.store.workflows.get({ project: ref.project, location, workflowId });
    if (existing) this.patch(ref, location, workflowId, 'sourceContents', { sourceContents: source });
    else this.create(ref, location, workflowId, { sourceContents: source });
    return current(this.getRecord(ref, location, workflowId)).revisionId;
  }
}

function checkUserEnvVars(vars: Record<string, string>): void {
  const keys = Object.keys(vars);
  if (keys.length > 20)
    throw invalidArgument(`At most 20 user environment variables are allowed, got ${keys.length}`);
  for (const k of keys) {
    if (k === '') throw invalidArgument('User environment variable names must not be empty');
    if (/^(GOOGLE|WORKFLOWS)/.test(k)) {
      throw invalidArgument(`User environment variable "${k}" must not start with GOOGLE or WORKFLOWS`);
    }
    if (Buffer.byteLength(vars[k] ?? '', 'utf8') > 4096) {
      throw invalidArgument(`User environment variable "${k}" is longer than 4 KiB`);
    }
  }
}
