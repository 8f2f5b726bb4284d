/**
 * Emulator endpoints for what the developer UI shows and no Google API gives (documented in the
 * package README):
 *
 *   GET /emulator/v1/workflows?project=P
 *       every workflow of the project in every location, with the file each came from and its
 *       executions counted by state
 *   GET /emulator/v1/deployProblems
 *       watched files whose last save failed to deploy, with each problem's line and column
 *   GET /emulator/v1/executions?project=P&workflow=W&location=L&state=S&view=BASIC|FULL&pageSize=N&pageToken=T
 *       executions of every workflow, newest first (Google lists them one workflow at a time)
 *   GET /emulator/v1/projects/P/locations/L/workflows/W/stepTree?revisionId=R
 *       the parsed steps of a revision (default the current one): names, kinds, source
 *       positions, `next` targets and nested blocks
 */
import express from 'express';
import { stepTree } from '../source/step-tree.js';
import type { ExecutionRecord, WorkflowRecord } from '../store/types.js';
import { invalidArgument, notFound } from './api-error.js';
import type { AppDeps } from './deps.js';
import { checkLocation, checkProject, checkWorkflowId, workflowName } from './names.js';
import { currentRevision, executionJson, type ExecutionView, type Json } from './serialize.js';
import { decodeEnum, EXECUTION_STATES, formatTimestamp, paginate, queryString } from './wire.js';
import { projectRef, type ProjectRef } from './workflows-service.js';
import { LIFECYCLE_STATES } from '../runtime/enums.js';

export function createUiApiRouter(deps: AppDeps): express.Router {
  const router = express.Router();
  const refOf = (query: Record<string, unknown>): ProjectRef =>
    projectRef(deps, checkProject(queryString(query, 'project') ?? deps.config.projectId));

  const workflowsOf = (ref: ProjectRef): WorkflowRecord[] =>
    [...deps.store.workflows.all()]
      .filter((w) => w.key.project === ref.project)
      .sort(
        (a, b) =>
          a.key.location.localeCompare(b.key.location) || a.key.workflowId.localeCompare(b.key.workflowId),
      );

  router.get('/emulator/v1/workflows', (req, res) => {
    const ref = refOf(req.query);
    const workflows = workflowsOf(ref).map((w) => {
      const rev = currentRevision(w);
      const counts: Record<string, number> = Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, 0]));
      for (const e of deps.store.executions.list(w.key)) counts[e.state] = (counts[e.state] ?? 0) + 1;
      const out: Json = {
        name: workflowName(ref.alias, w.key.location, w.key.workflowId),
        location: w.key.location,
        workflowId: w.key.workflowId,
        state: w.state,
        revisionId: rev.revisionId,
        revisionCount: w.revisions.length,
        createTime: formatTimestamp(w.createTime),
        updateTime: formatTimestamp(w.updateTime),
        revisionCreateTime: formatTimestamp(rev.revisionCreateTime),
        executionCounts: counts,
      };
      const file = deps.files.sourceFile(w.key, rev.revisionId);
      if (file !== undefined) out.sourceFile = file;
      return out;
    });
    res.json({ workflows });
  });

  router.get('/emulator/v1/deployProblems', (_req, res) => {
    res.json({
      deployProblems: deps.files.problems().map((p) => ({
        file: p.file,
        location: p.location,
        workflowId: p.workflowId,
        time: formatTimestamp(p.time),
        problems: p.problems,
      })),
    });
  });

  router.get('/emulator/v1/executions', (req, res) => {
    const ref = refOf(req.query);
    const workflow = queryString(req.query, 'workflow');
    const location = queryString(req.query, 'location');
    const stateText = queryString(req.query, 'state');
    const state = stateText ? decodeEnum('state', stateText, EXECUTION_STATES) : undefined;
    const viewText = queryString(req.query, 'view') ?? 'BASIC';
    if (viewText !== 'BASIC' && viewText !== 'FULL')
      throw invalidArgument(`view must be BASIC or FULL, got "${viewText}"`);
    const view: ExecutionView = viewText;
    const selected: ExecutionRecord[] = [];
    for (const w of workflowsOf(ref)) {
      if (workflow !== undefined && w.key.workflowId !== workflow) continue;
      if (location !== undefined && w.key.location !== location) continue;
      for (const e of deps.store.executions.list(w.key)) {
        if (state === undefined || e.state === state) selected.push(e);
      }
    }
    // Newest first; creation order breaks ties between equal timestamps.
    selected.sort((a, b) => b.createTime - a.createTime || b.seq - a.seq);
    const { page, nextPageToken } = paginate(selected, req.query, {
      defaultSize: 100,
      maxSize: 1000,
      fingerprint: [ref.project, workflow, location, state, view].join('\n'),
    });
    const out: Json = {
      executions: page.map((e) => ({
        ...executionJson(e, ref.alias, view),
        createTime: formatTimestamp(e.createTime),
      })),
    };
    if (nextPageToken) out.nextPageToken = nextPageToken;
    res.json(out);
  });

  router.get(
    '/emulator/v1/projects/:project/locations/:location/workflows/:workflow/stepTree',
    (req, res) => {
      const ref = projectRef(deps, checkProject(req.params.project));
      const location = checkLocation(req.params.location);
      const workflowId = checkWorkflowId(req.params.workflow);
      const rec = deps.store.workflows.get({ project: ref.project, location, workflowId });
      const name = workflowName(ref.alias, location, workflowId);
      if (!rec) throw notFound(`Resource '${name}' was not found`);
      const revisionId = queryString(req.query, 'revisionId');
      const rev = revisionId ? rec.revisions.find((r) => r.revisionId === revisionId) : currentRevision(rec);
      if (!rev) throw notFound(`Revision '${revisionId}' of workflow '${name}' was not found`);
      const out: Json = { name, revisionId: rev.revisionId, ...stepTree(rev.definition) };
      const file = deps.files.sourceFile(rec.key, rev.revisionId);
      if (file !== undefined) out.sourceFile = file;
      res.json(out);
    },
  );

  return router;
}
