/**
 * Workflow source text → validated WorkflowDefinition, or every problem found with its
 * line, column and excerpt (https://cloud.google.com/workflows/docs/reference/syntax; deploy errors https://cloud.google.com/workflows/docs/reference/rest/v1/projects.locations.workflows).
 */
import { defaultStdlib } from '../stdlib/index.js';
import type { Stdlib } from '../stdlib/registry.js';
import { convertWorkflow } from './convert.js';
import { schemaProblems } from './schema.js';
import { SourceText, sortProblems } from './source-text.js';
import type { SourceProblem, WorkflowDefinition } from './types.js';
import { validateDefinition } from './validate.js';
import { parseYamlTree } from './yaml-tree.js';

/** The API limit on `sourceContents` (https://cloud.google.com/workflows/quotas): 128 KB of UTF-8. */
export const MAX_SOURCE_BYTES = 131_072;

export interface LoadOptions {
  /** The registry the executor will run with (decides which functions exist and which block). Default: the shared `defaultStdlib()`. */
  stdlib?: Stdlib;
  /** Overrides which function names count as blocking. */
  isBlocking?: (name: string) => boolean;
}

export type LoadResult =
  { ok: true; definition: WorkflowDefinition } | { ok: false; problems: SourceProblem[] };

/** Raised by `loadWorkflowOrThrow`; the message is the formatted problem list. */
export class WorkflowSourceError extends Error {
  override readonly name = 'WorkflowSourceError';
  readonly code = 'INVALID_WORKFLOW_SOURCE';

  constructor(readonly problems: SourceProblem[]) {
    super(formatProblemsForError(problems));
  }
}

export function loadWorkflow(source: string, options: LoadOptions = {}): LoadResult {
  const src = new SourceText(source);
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > MAX_SOURCE_BYTES) {
    return {
      ok: false,
      problems: [
        src.problem(
          `the workflow source is ${bytes} bytes; the limit is ${MAX_SOURCE_BYTES} bytes (128 KB)`,
          { line: 1, column: 1 },
        ),
      ],
    };
  }
  const parsed = parseYamlTree(src);
  if (parsed.problems.length > 0) {
    // Google accepts `[${a}, ${b}]` although strict YAML forbids `{` in a plain scalar inside a
    // flow collection (its own samples do this); retry with those expressions quoted. Problems are
    // reported at their place in the text as written (the definition's positions after a quoted
    // expression on the same line stay shifted by the quotes).
    const relaxed = quoteFlowExpressions(source);
    if (relaxed !== source && parseYamlTree(new SourceText(relaxed)).problems.length === 0) {
      const r = loadWorkflow(relaxed, options);
      if (r.ok) return r;
      return { ok: false, problems: r.problems.map((p) => unquotedProblem(p, source, relaxed, src)) };
    }
    return { ok: false, problems: sortProblems(parsed.problems) };
  }
  if (!parsed.root) {
    return { ok: false, problems: [src.problem('the workflow source is empty', { line: 1, column: 1 })] };
  }
  const structural = schemaProblems(parsed.root, src);
  // The typed definition is only built from a structurally valid tree.
  if (structural.length > 0) return { ok: false, problems: sortProblems(structural) };

  const conversion = convertWorkflow(parsed.root, src);
  const semantic = validateDefinition(conversion.definition, {
    stdlib: options.stdlib ?? defaultStdlib(),
    isBlocking: options.isBlocking,
    exprPos: conversion.exprPos,
    keyPos: conversion.keyPos,
  });
  const problems = [...conversion.problems, ...semantic];
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, definition: conversion.definition };
}

/** Quotes unquoted `${...}` items of YAML flow sequences: `[x, ${a}]` → `[x, "${a}"]`. */
function quoteFlowExpressions(source: string): string {
  return source.replace(
    /([[,]\s*)(\$\{[^"'\n{}]*\})(?=\s*[,\]])/g,
    (_m, before: string, expr: string) => `${before}"${expr}"`,
  );
}

/** A problem found in the quoted text, moved back to the column it has in the text as written. */
function unquotedProblem(p: SourceProblem, source: string, relaxed: string, src: SourceText): SourceProblem {
  const written = source.split('\n')[p.line - 1] ?? '';
  const quoted = relaxed.split('\n')[p.line - 1] ?? '';
  // Only `"` characters were inserted: walk both lines and count those before the column.
  let inserted = 0;
  for (let i = 0, j = 0; j < p.column - 1 && j < quoted.length; j++) {
    if (written[i] === quoted[j]) i++;
    else inserted++;
  }
  return src.problem(p.message, { line: p.line, column: p.column - inserted });
}

/** For callers that prefer exceptions (CLI, tests). */
export function loadWorkflowOrThrow(source: string, options: LoadOptions = {}): WorkflowDefinition {
  const r = loadWorkflow(source, options);
  if (!r.ok) throw new WorkflowSourceError(r.problems);
  return r.definition;
}

function formatProblemsForError(problems: readonly SourceProblem[]): string {
  return problems.map((p) => `line ${p.line}, column ${p.column}: ${p.message}`).join('\n');
}

export { formatProblems } from './source-text.js';
