/** The `/v1` surface: Workflows API v1 and Workflow Executions API v1 share one path space. */
import type { Request } from 'express';
import type { Value } from '../../values/types.js';
import { parseJson } from '../../values/json.js';
import { NO_STEP_ENTRIES } from '../../runtime/history.js';
import { invalidArgument, notFound, failedPrecondition, unimplemented } from '../api-error.js';
import type { AppDeps } from '../deps.js';
import type { ExecutionsService } from '../executions-service.js';
import {
  checkExecutionId,
  checkLocation,
  checkOperationId,
  checkProject,
  checkStepEntryId,
  checkWorkflowId,
  executionName,
  locationName,
  parseWorkflowName,
} from '../names.js';
import { evictionHint } from '../retention.js';
import type { Route, RouteContext } from '../router.js';
import { executionJson, operationJson, type Json } from '../serialize.js';
import { paginate, queryString } from '../wire.js';
import { projectRef, type ProjectRef, type WorkflowsService } from '../workflows-service.js';

const SEG = '([^/:]+)';
const LOC = `^/projects/${SEG}/locations/${SEG}`;
const WF = `${LOC}/workflows/${SEG}`;
const EXEC = `${WF}/executions/${SEG}`;
const re = (s: string) => new RegExp(`${s}$`);

/** Regions where Cloud Workflows runs; `locations.list` answers with these plus the configured one. */
const KNOWN_LOCATIONS = [
  'asia-east1',
  'asia-northeast1',
  'asia-southeast1',
  'australia-southeast1',
  'europe-west1',
  'europe-west2',
  'europe-west4',
  'northamerica-northeast1',
  'southamerica-east1',
  'us-central1',
  'us-east1',
  'us-east4',
  'us-west1',
];

export interface V1Services {
  workflows: WorkflowsService;
  executions: ExecutionsService;
}

export function v1Routes(deps: AppDeps, svc: V1Services): Route[] {
  const loc = (ctx: RouteContext): { ref: ProjectRef; location: string } => ({
    ref: projectRef(deps, checkProject(ctx.params[0] as string)),
    location: checkLocation(ctx.params[1] as string),
  });
  const wf = (ctx: RouteContext) => ({ ...loc(ctx), workflowId: checkWorkflowId(ctx.params[2] as string) });
  const ex = (ctx: RouteContext) => ({ ...wf(ctx), executionId: checkExecutionId(ctx.params[3] as string) });

  const locationJson = (project: string, location: string): Json => ({
    name: locationName(project, location),
    locationId: location,
    displayName: location,
  });

  return [
    // ── locations ──
    {
      method: 'GET',
      pattern: re(`^/projects/${SEG}/locations`),
      handler: (ctx) => {
        const project = checkProject(ctx.params[0] as string);
        const all = [...new Set([...KNOWN_LOCATIONS, deps.config.location])].sort();
        const { page, nextPageToken } = paginate(all, ctx.query, {
          defaultSize: 100,
          maxSize: 1000,
          fingerprint: '',
        });
        const out: Json = { locations: page.map((l) => locationJson(project, l)) };
        if (nextPageToken) out.nextPageToken = nextPageToken;
        return out;
      },
    },
    {
      method: 'GET',
      pattern: re(LOC),
      handler: (ctx) => {
        const { ref, location } = loc(ctx);
        return locationJson(ref.alias, location);
      },
    },
    // ── operations ──
    {
      method: 'GET',
      pattern: re(`${LOC}/operations`),
      handler: (ctx) => {
        const { ref, location } = loc(ctx);
        const ops = deps.store.operations.list(ref.project, location).sort((a, b) => a.seq - b.seq);
        const { page, nextPageToken } = paginate(ops, ctx.query, {
          defaultSize: 100,
          maxSize: 1000,
          fingerprint: '',
        });
        const out: Json = { operations: page.map(operationJson) };
        if (nextPageToken) out.nextPageToken = nextPageToken;
        return out;
      },
    },
    {
      method: 'GET',
      pattern: re(`${LOC}/operations/${SEG}`),
      handler: (ctx) => {
        const { ref, location } = loc(ctx);
        const id = checkOperationId(ctx.params[2] as string);
        const op = deps.store.operations.get(ref.project, location, id);
        if (!op)
          throw notFound(
            `Operation '${locationName(ref.alias, location)}/operations/${id}' was not found${evictionHint(deps, 'operations')}`,
          );
        return operationJson(op);
      },
    },
    {
      method: 'DELETE',
      pattern: re(`${LOC}/operations/${SEG}`),
      handler: (ctx) => {
        const { ref, location } = loc(ctx);
        const id = checkOperationId(ctx.params[2] as string);
        if (!deps.store.operations.delete(ref.project, location, id)) {
          throw notFound(`Operation '${locationName(ref.alias, location)}/operations/${id}' was not found`);
        }
        return {};
      },
    },
    // ── workflows ──
    {
      method: 'GET',
      pattern: re(`${LOC}/workflows`),
      handler: (ctx) => {
        const { ref, location } = loc(ctx);
        return svc.workflows.list(ref, location, ctx.query);
      },
    },
    {
      method: 'POST',
      pattern: re(`${LOC}/workflows`),
      handler: (ctx) => {
        const { ref, location } = loc(ctx);
        return operationJson(
          svc.workflows.create(ref, location, queryString(ctx.query, 'workflowId'), ctx.json()),
        );
      },
    },
    {
      method: 'GET',
      pattern: re(WF),
      handler: (ctx) => {
        const { ref, location, workflowId } = wf(ctx);
        return svc.workflows.get(
          ref,
          location,
          workflowId,
          queryString(ctx.query, 'revisionId') || undefined,
        );
      },
    },
    {
      method: 'PATCH',
      pattern: re(WF),
      handler: (ctx) => {
        const { ref, location, workflowId } = wf(ctx);
        const body = ctx.json();
        const bodyName = (body as { name?: unknown } | null)?.name;
        if (typeof bodyName === 'string' && bodyName !== '') {
          const parsed = parseWorkflowName(bodyName);
          if (!parsed || parsed.workflowId !== workflowId || parsed.location !== location) {
            throw invalidArgument(`The workflow name in the body (${bodyName}) does not match the URL`);
          }
        }
        const mask = queryString(ctx.query, 'updateMask') ?? maskFromPaths(ctx.query['updateMask.paths']);
        return operationJson(svc.workflows.patch(ref, location, workflowId, mask, body));
      },
    },
    {
      method: 'DELETE',
      pattern: re(WF),
      handler: (ctx) => {
        const { ref, location, workflowId } = wf(ctx);
        return operationJson(
          svc.workflows.delete(ref, location, workflowId, (key) => svc.executions.removeForWorkflow(key)),
        );
      },
    },
    {
      method: 'GET',
      pattern: re(`${WF}:listRevisions`),
      handler: (ctx) => {
        const { ref, location, workflowId } = wf(ctx);
        return svc.workflows.listRevisions(ref, location, workflowId, ctx.query);
      },
    },
    {
      method: 'POST',
      pattern: re(`${WF}:triggerPubsubExecution`),
      handler: () => {
        throw unimplemented(
          'triggerPubsubExecution is not supported by the emulator; create an execution instead',
        );
      },
    },
    // ── executions ──
    {
      method: 'GET',
      pattern: re(`${WF}/executions`),
      handler: (ctx) => {
        const { ref, location, workflowId } = wf(ctx);
        return svc.executions.list(ref, location, workflowId, ctx.query);
      },
    },
    {
      method: 'POST',
      pattern: re(`${WF}/executions`),
      handler: (ctx) => {
        const { ref, location, workflowId } = wf(ctx);
        const rec = svc.executions.create(ref, location, workflowId, ctx.json());
        return executionJson(rec, ref.alias, 'FULL');
      },
    },
    {
      method: 'GET',
      pattern: re(EXEC),
      handler: (ctx) => {
        const { ref, location, workflowId, executionId } = ex(ctx);
        return svc.executions.get(ref, location, workflowId, executionId, ctx.query);
      },
    },
    {
      method: 'POST',
      pattern: re(`${EXEC}:cancel`),
      handler: (ctx) => {
        const { ref, location, workflowId, executionId } = ex(ctx);
        ctx.json(); // a malformed body is still an error, even though it carries nothing
        return svc.executions.cancel(ref, location, workflowId, executionId);
      },
    },
    {
      method: 'GET',
      pattern: re(`${EXEC}:exportData`),
      handler: (ctx) => {
        const { ref, location, workflowId, executionId } = ex(ctx);
        // [?] The export format is undocumented; the execution's own JSON is the most useful stand-in.
        const json = svc.executions.get(ref, location, workflowId, executionId, { view: 'FULL' });
        return { data: JSON.stringify(json) };
      },
    },
    {
      method: 'POST',
      pattern: re(`${EXEC}:deleteExecutionHistory`),
      handler: (ctx) => {
        const { ref, location, workflowId, executionId } = ex(ctx);
        const rec = svc.executions.getRecord(ref, location, workflowId, executionId);
        if (rec.state === 'ACTIVE' || rec.state === 'QUEUED') {
          throw failedPrecondition('The execution history of an active execution cannot be deleted');
        }
        rec.history = NO_STEP_ENTRIES;
        deps.store.executions.update(rec);
        return {};
      },
    },
    {
      method: 'GET',
      pattern: re(`${EXEC}/callbacks`),
      handler: (ctx) => {
        const { ref, location, workflowId, executionId } = ex(ctx);
        return svc.executions.listCallbacks(ref, location, workflowId, executionId, ctx.query);
      },
    },
    {
      method: '*',
      pattern: re(`${EXEC}/callbacks/${SEG}`),
      handler: (ctx) => deliverCallback(deps, svc, ctx),
    },
    {
      method: 'GET',
      pattern: re(`${EXEC}/stepEntries`),
      handler: (ctx) => {
        const { ref, location, workflowId, executionId } = ex(ctx);
        return svc.executions.listStepEntries(ref, location, workflowId, executionId, ctx.query);
      },
    },
    {
      method: 'GET',
      pattern: re(`${EXEC}/stepEntries/${SEG}`),
      handler: (ctx) => {
        const { ref, location, workflowId, executionId } = ex(ctx);
        const entryId = checkStepEntryId(ctx.params[4] as string);
        return svc.executions.getStepEntry(ref, location, workflowId, executionId, entryId, ctx.query);
      },
    },
  ];

  function maskFromPaths(v: unknown): string | undefined {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').join(',');
    return undefined;
  }
}

/** `sendHttpCallback`: any method; the body reaches `events.await_callback` decoded. */
function deliverCallback(deps: AppDeps, svc: V1Services, ctx: RouteContext): Json {
  const project = checkProject(ctx.params[0] as string);
  const ref = projectRef(deps, project);
  const location = checkLocation(ctx.params[1] as string);
  const workflowId = checkWorkflowId(ctx.params[2] as string);
  const executionId = checkExecutionId(ctx.params[3] as string);
  const callbackId = ctx.params[4] as string;
  const rec = svc.executions.getRecord(ref, location, workflowId, executionId);
  const hubName = executionName(rec.workflow.project, location, workflowId, executionId);
  const cbName = `${executionName(ref.alias, location, workflowId, executionId)}/callbacks/${callbackId}`;
  if (rec.state !== 'ACTIVE') {
    throw failedPrecondition(
      `Execution '${executionName(ref.alias, location, workflowId, executionId)}' is not active (state ${rec.state}); callbacks are no longer accepted`,
    );
  }
  const req = ctx.req;
  const result = deps.runtime.callbacks.deliver(hubName, callbackId, {
    method: req.method,
    url: `${deps.config.baseUrl}${req.originalUrl}`,
    headers: headersOf(req),
    query: queryOf(req),
    body: decodeCallbackBody(req),
  });
  switch (result) {
    case 'delivered':
      return {};
    case 'not_found':
      throw notFound(`Resource '${cbName}' was not found`);
    case 'method_not_allowed': {
      const expected =
        deps.runtime.callbacks.list(hubName).find((c) => c.id === callbackId)?.method ?? 'another method';
      throw invalidArgument(`The callback '${cbName}' accepts HTTP method ${expected}, not ${req.method}`);
    }
  }
}

function headersOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function queryOf(req: Request): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const q = req.originalUrl.indexOf('?');
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(req.originalUrl.slice(q + 1))) (out[k] ??= []).push(v);
  return out;
}

/** JSON bodies arrive decoded (https://cloud.google.com/workflows/docs/creating-callback-endpoints); other bodies as text; an empty body as null. */
function decodeCallbackBody(req: Request): Value {
  const raw: unknown = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return null;
  const text = raw.toString('utf8');
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (/^application\/([a-z0-9.+-]+\+)?json\b/.test(type)) {
    try {
      return parseJson(text);
    } catch (err) {
      throw invalidArgument(`The callback body is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  return text;
}
