/**
 * `GET /emulator/v1/logs`: the log entries executions wrote, oldest first, as Cloud Logging's
 * `entries.list` answers (https://cloud.google.com/logging/docs/reference/v2/rest/v2/entries/list):
 * `{entries: [LogEntry...], nextPageToken}`. Query parameters (all optional, combined with AND):
 *
 * - `execution`: an execution's name (`projects/P/locations/L/workflows/W/executions/ID`) or ID;
 * - `workflow`: a workflow's name (`projects/P/locations/L/workflows/W`) or ID;
 * - `severity`: the lowest severity wanted (`INFO` keeps INFO and above; DEFAULT is the lowest);
 * - `logName`: a log's name (`projects/P/logs/Workflows`) or ID (`Workflows`,
 *   `workflows.googleapis.com/engine_call`, encoded or not); several separated by commas;
 * - `pageSize` (default 100, at most 1000) and `pageToken`.
 */
import express from 'express';
import { LOG_SEVERITIES } from '../values/seams.js';
import type { LogQuery } from '../store/index.js';
import { excerpt, invalidArgument } from './api-error.js';
import type { AppDeps } from './deps.js';
import { checkExecutionId, checkLocation, checkProject, checkWorkflowId } from './names.js';
import { decodePageToken, encodePageToken, queryString, readPageSize } from './wire.js';
import { projectRef } from './workflows-service.js';

const SEVERITIES: ReadonlySet<string> = new Set(LOG_SEVERITIES);
const EXECUTION_NAME_RE = /^projects\/([^/]+)\/locations\/([^/]+)\/workflows\/([^/]+)\/executions\/([^/]+)$/;
const WORKFLOW_NAME_RE = /^projects\/([^/]+)\/locations\/([^/]+)\/workflows\/([^/]+)$/;
const LOG_NAME_RE = /^projects\/([^/]+)\/logs\/([^/]+)$/;

/** Reads the filter parameters; bad ones are INVALID_ARGUMENT. */
export function parseLogQuery(deps: AppDeps, query: Record<string, unknown>): LogQuery {
  const q: LogQuery = {};
  const project = (p: string) => projectRef(deps, checkProject(p)).project;
  const execution = queryString(query, 'execution');
  if (execution) {
    const m = EXECUTION_NAME_RE.exec(execution);
    if (m) {
      q.project = project(m[1]!);
      q.location = checkLocation(m[2]!);
      q.workflowId = checkWorkflowId(m[3]!);
      q.executionId = checkExecutionId(m[4]!);
    } else if (execution.includes('/')) {
      throw invalidArgument(
        `execution must be an execution's ID or name, projects/PROJECT/locations/LOCATION/workflows/WORKFLOW/executions/ID; got "${excerpt(execution)}"`,
      );
    } else q.executionId = checkExecutionId(execution);
  }
  const workflow = queryString(query, 'workflow');
  if (workflow) {
    const m = WORKFLOW_NAME_RE.exec(workflow);
    let id = workflow;
    if (m) {
      const p = project(m[1]!);
      const l = checkLocation(m[2]!);
      if ((q.project ?? p) !== p || (q.location ?? l) !== l)
        throw invalidArgument('workflow and execution name different projects or locations');
      q.project = p;
      q.location = l;
      id = m[3]!;
    } else if (workflow.includes('/')) {
      throw invalidArgument(
        `workflow must be a workflow's ID or name, projects/PROJECT/locations/LOCATION/workflows/WORKFLOW; got "${excerpt(workflow)}"`,
      );
    }
    if ((q.workflowId ?? id) !== id) throw invalidArgument('workflow and execution name different workflows');
    q.workflowId = checkWorkflowId(id);
  }
  const severity = queryString(query, 'severity');
  if (severity) {
    const s = severity.trim().toUpperCase();
    if (!SEVERITIES.has(s))
      throw invalidArgument(
        `Unknown severity "${excerpt(severity)}"; the severities are ${LOG_SEVERITIES.join(', ')}`,
      );
    q.minSeverity = s;
  }
  const names = queryString(query, 'logName');
  if (names) {
    const ids = new Set<string>();
    q.logIds = ids;
    for (const raw of names.split(',')) {
      const name = raw.trim();
      if (!name) continue;
      const m = LOG_NAME_RE.exec(name);
      if (m) {
        const p = project(m[1]!);
        if ((q.project ?? p) !== p) throw invalidArgument('logName and execution name different projects');
        q.project = p;
      }
      ids.add(decodeLogId(m ? m[2]! : name));
    }
  }
  return q;
}

function decodeLogId(id: string): string {
  try {
    return decodeURIComponent(id);
  } catch {
    throw invalidArgument(`Invalid log name: malformed percent-encoding in "${excerpt(id)}"`);
  }
}

export function createLogsRouter(deps: AppDeps): express.Router {
  const router = express.Router();
  router.get('/emulator/v1/logs', (req, res) => {
    const query = req.query as Record<string, unknown>;
    const q = parseLogQuery(deps, query);
    const size = readPageSize(query, 100, 1000);
    // The token holds the sequence number of the next entry, which eviction does not move.
    const fingerprint = ['execution', 'workflow', 'severity', 'logName']
      .map((k) => queryString(query, k) ?? '')
      .join('\n');
    const from = decodePageToken(queryString(query, 'pageToken'), fingerprint);
    if (from > 0) q.fromSeq = from;
    const { entries, next } = deps.logs.list(q, size);
    res.json({ entries, ...(next !== undefined && { nextPageToken: encodePageToken(next, fingerprint) }) });
  });
  return router;
}
