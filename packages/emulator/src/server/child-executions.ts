/**
 * The Workflow Executions connector answered by the emulator itself: when no stub matches,
 * `googleapis.workflowexecutions.v1.projects.locations.workflows.executions.run` runs the child
 * workflow deployed in this emulator and returns its result, and `...executions.create` starts
 * it and returns the Execution resource. Parent/child workflows then run locally end to end; a
 * stub registered for either name still takes precedence.
 */
import { EXECUTIONS_RUN_CONNECTOR } from '../stdlib/connectors.js';
import type { CallOrigin } from '../values/seams.js';
import { platformError, typeError, valueError } from '../values/raised-error.js';
import { jsonToValue, parseJson, stringifyJson } from '../values/json.js';
import { isMap, typeName, type Value, type WfMap } from '../values/types.js';
import { ApiError } from './api-error.js';
import type { AppDeps } from './deps.js';
import type { ExecutionsService } from './executions-service.js';
import { executionJson } from './serialize.js';
import { projectRef } from './workflows-service.js';

export const EXECUTIONS_RUN = EXECUTIONS_RUN_CONNECTOR;
export const EXECUTIONS_CREATE =
  'googleapis.workflowexecutions.v1.projects.locations.workflows.executions.create';

const PARENT_RE = /^projects\/([^/]+)\/locations\/([^/]+)\/workflows\/([^/]+)$/;

function stringArg(args: WfMap, name: string, connector: string): string | undefined {
  const v = args.get(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw typeError(`${connector}: argument '${name}' must be a string, got ${typeName(v)}`);
  return v;
}

export function registerChildExecutions(deps: AppDeps, executions: ExecutionsService): void {
  const start = (project: string, location: string, workflowId: string, argumentText: string | undefined) => {
    try {
      return executions.create(projectRef(deps, project), location, workflowId, {
        ...(argumentText === undefined ? {} : { argument: argumentText }),
      });
    } catch (err) {
      // NOT_FOUND and INVALID_ARGUMENT reach the workflow as the connector's HttpError.
      if (err instanceof ApiError) {
        throw platformError('HttpError', `HTTP server responded with error code ${err.code}`, [
          ['code', err.code],
          ['headers', new Map()],
          ['body', jsonToValue({ error: { code: err.code, message: err.message, status: err.status } })],
        ]);
      }
      throw err;
    }
  };

  deps.connectorBuiltins.set(EXECUTIONS_RUN, async (args: Value, origin: CallOrigin, signal: AbortSignal) => {
    if (!isMap(args)) throw typeError(`${EXECUTIONS_RUN}: args must be a map`);
    const workflowId = stringArg(args, 'workflow_id', EXECUTIONS_RUN);
    if (!workflowId) throw valueError(`${EXECUTIONS_RUN}: argument 'workflow_id' is required`);
    const project =
      stringArg(args, 'project_id', EXECUTIONS_RUN) ?? origin.projectId ?? deps.config.projectId;
    const location = stringArg(args, 'location', EXECUTIONS_RUN) ?? origin.location ?? deps.config.location;
    const argument = args.get('argument');
    const rec = start(
      project,
      location,
      workflowId,
      argument === undefined ? undefined : stringifyJson(argument),
    );
    // Cancelling the parent cancels the child (a child that already finished stays as it is).
    const cancelChild = () => {
      try {
        executions.cancel(projectRef(deps, project), location, workflowId, rec.executionId);
      } catch {
        // already finished
      }
    };
    signal.addEventListener('abort', cancelChild, { once: true });
    try {
      await executions.whenSettled(rec);
    } finally {
      signal.removeEventListener('abort', cancelChild);
    }
    signal.throwIfAborted();
    if (rec.state === 'SUCCEEDED') return rec.result === undefined ? null : parseJson(rec.result);
    // As the service reports a child that failed or was cancelled (https://cloud.google.com/workflows/docs/reference/googleapis).
    throw platformError('OperationError', 'Execution failed or cancelled.', [
      ['operation', jsonToValue(executionJson(rec, project, 'FULL'))],
    ]);
  });

  deps.connectorBuiltins.set(EXECUTIONS_CREATE, async (args: Value) => {
    if (!isMap(args)) throw typeError(`${EXECUTIONS_CREATE}: args must be a map`);
    const parent = stringArg(args, 'parent', EXECUTIONS_CREATE) ?? '';
    const m = PARENT_RE.exec(parent);
    if (!m) throw valueError(`${EXECUTIONS_CREATE}: 'parent' must be projects/P/locations/L/workflows/W`);
    const [, project, location, workflowId] = m as unknown as [string, string, string, string];
    const body = args.get('body') ?? null;
    const argument = isMap(body) ? body.get('argument') : undefined;
    if (argument !== undefined && argument !== null && typeof argument !== 'string') {
      throw typeError(`${EXECUTIONS_CREATE}: body.argument must be a JSON string`);
    }
    const rec = start(project, location, workflowId, argument ?? undefined);
    return jsonToValue(executionJson(rec, project, 'FULL'));
  });
}
