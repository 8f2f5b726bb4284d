/**
 * A small route table for Google's REST paths. Express's path syntax cannot express custom
 * methods such as `{name}:cancel` (`:` starts a parameter), so the `/v1` surface matches
 * regular expressions on the raw path and percent-decodes each captured segment.
 */
import type { NextFunction, Request, Response } from 'express';
import { excerpt, invalidArgument, notFound } from './api-error.js';

export interface RouteContext {
  req: Request;
  res: Response;
  /** Decoded path segments captured by the route's pattern. */
  params: string[];
  query: Record<string, unknown>;
  /** The request body parsed as JSON (`{}` when empty). */
  json(): unknown;
}

/** A handler returns the JSON body of a 200 response, or undefined after writing the response itself. */
export type RouteHandler = (ctx: RouteContext) => unknown;

export interface Route {
  /** HTTP method, or `*` for any. */
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalidArgument(`Invalid resource name: malformed percent-encoding in "${excerpt(s)}"`);
  }
}

function parseJsonBody(req: Request): unknown {
  const raw: unknown = req.body;
  if (raw === undefined || raw === null) return {};
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : undefined;
  if (text === undefined) return raw;
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidArgument(`Invalid JSON payload received. ${(err as Error).message}`, { cause: err });
  }
}

/** Express middleware dispatching to the first route whose pattern and method match. */
export function dispatch(routes: readonly Route[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const path = req.path;
    let pathMatched = false;
    for (const route of routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== '*' && route.method !== req.method) continue;
      let parsed: { value: unknown } | undefined;
      try {
        const ctx: RouteContext = {
          req,
          res,
          params: m.slice(1).map((s) => decodeSegment(s ?? '')),
          query: req.query,
          json: () => (parsed ??= { value: parseJsonBody(req) }).value,
        };
        const out = route.handler(ctx);
        if (out !== undefined) res.json(out);
      } catch (err) {
        next(err);
      }
      return;
    }
    next(
      notFound(
        pathMatched
          ? `Method ${req.method} is not supported for ${req.originalUrl.split('?')[0]}`
          : `The requested URL ${req.originalUrl.split('?')[0]} was not found on this server.`,
      ),
    );
  };
}
