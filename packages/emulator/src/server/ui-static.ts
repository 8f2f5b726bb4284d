/**
 * Serves the developer UI: the prebuilt bundle (`dist/ui`, made by `pnpm build`) under `/ui/`,
 * and its `index.html` for every page path the UI routes itself (`/` and `/console/...`), so a
 * reload or a link from elsewhere (the client's `getConsoleUrl()`) opens the right page.
 *
 * Without a built bundle, `/` says how to build it and the execution page falls back to the
 * server-rendered page it always had.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response } from 'express';
import type { ExecutionRecord } from '../store/types.js';
import { ApiError } from './api-error.js';
import { escapeHtml, renderExecutionPage } from './console-page.js';
import type { AppDeps } from './deps.js';
import type { ExecutionsService } from './executions-service.js';
import { checkExecutionId, checkLocation, checkProject, checkWorkflowId } from './names.js';
import { queryString } from './wire.js';
import { projectRef } from './workflows-service.js';

/** `src/server` and `dist/server` are both two levels below the package root. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/** Whether a bundle has been built into `dir`. */
export function uiBuilt(dir: string = DEFAULT_UI_DIR): boolean {
  return existsSync(join(dir, 'index.html'));
}

/**
 * The bundle only talks to its own origin and loads nothing from elsewhere (it works offline);
 * the policy makes that a rule, so an injected script or a foreign frame gets nowhere.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // The favicon is a data: URL in index.html.
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT_PAGE = (dir: string) =>
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>workflows-emulator</title></head>' +
  '<body style="font-family:system-ui,sans-serif;margin:2rem">' +
  '<h1>The developer UI is not built</h1>' +
  `<p>No bundle in <code>${escapeHtml(dir)}</code>. Run <code>pnpm build</code> in the repository ` +
  '(a published package ships it prebuilt). The REST APIs work without it.</p></body></html>';

export function createUiRouter(deps: AppDeps, executions: ExecutionsService): express.Router {
  const router = express.Router();
  const dir = deps.config.uiDir;

  router.use(
    '/ui',
    express.static(dir, {
      index: false,
      fallthrough: true,
      setHeaders(res, path) {
        // File names under assets/ carry a content hash: they never change.
        if (/[\\/]assets[\\/]/.test(path))
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        res.setHeader('X-Content-Type-Options', 'nosniff');
      },
    }),
  );

  const sendIndex = (res: Response, status = 200, title?: string): void => {
    let html: string;
    try {
      // Read per request: the bundle may be rebuilt while the emulator runs.
      html = readFileSync(join(dir, 'index.html'), 'utf8');
      // The page's own title before the script runs (tabs, history, link previews).
      if (title !== undefined)
        html = html.replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(title)}</title>`);
    } catch {
      res.status(status).type('html').send(NOT_BUILT_PAGE(dir));
      return;
    }
    res
      .status(status)
      .set({
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      })
      .type('html')
      .send(html);
  };

  // The page the client's getConsoleUrl() opens. An unknown execution answers 404 (the page
  // still loads and says so); without a bundle the server renders the page itself.
  router.get(
    '/console/workflows/workflow/:location/:workflow/execution/:execution',
    (req: Request, res: Response) => {
      let rec: ExecutionRecord | undefined;
      let error: ApiError | undefined;
      try {
        const alias = checkProject(queryString(req.query, 'project') ?? deps.config.projectId);
        const ref = projectRef(deps, alias);
        rec = executions.getRecord(
          ref,
          checkLocation(req.params.location as string),
          checkWorkflowId(req.params.workflow as string),
          checkExecutionId(req.params.execution as string),
        );
        if (!uiBuilt(dir)) {
          res.type('html').send(renderExecutionPage(rec, ref.alias));
          return;
        }
      } catch (err) {
        if (!(err instanceof ApiError) || !uiBuilt(dir)) throw err;
        error = err;
      }
      sendIndex(
        res,
        error ? error.code : 200,
        rec ? `Execution ${rec.executionId} · ${rec.workflow.workflowId} · workflows-emulator` : undefined,
      );
    },
  );

  // The UI's other pages; any other /console path is a 404 like any unknown route.
  router.get(
    [
      '/',
      '/console',
      '/console/workflows',
      '/console/workflows/executions',
      '/console/workflows/stubs',
      '/console/workflows/workflow/:location/:workflow',
    ],
    (_req, res) => sendIndex(res),
  );
  return router;
}
