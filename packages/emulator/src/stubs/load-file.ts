/**
 * `--stubs FILE`: a YAML or JSON list of stub definitions, or a map with
 *
 *   stubs: [...]            URL and connector stubs
 *   steps: [...]            step mocks (runtime/step-mocks.ts)
 *   cases:                  named test cases, one selected by name (`--stubs-case NAME`)
 *     NAME: { stubs: [...], steps: [...] }
 *
 * A selected case's stubs and step mocks come after the file's own, so they override them
 * (the newest registration answers), as AWS Step Functions' mock files select a test case.
 * Definitions are returned unvalidated; `StubRegistry.addAll` and `StepMocks.addAll` validate
 * them all or none.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { StubValidationError } from './schema.js';

export async function loadStubsFile(path: string): Promise<unknown[]> {
  return (await loadStubsFileParts(path)).stubs;
}

/** What a stubs file holds: its stubs and step mocks (with the selected case's), and its case names. */
export interface StubsFileParts {
  stubs: unknown[];
  steps: unknown[];
  /** Every case the file defines. */
  cases: string[];
  /** Whether the file defines the case asked for. */
  hasCase: boolean;
}

/** Reads a stubs file; `caseName` adds that case's stubs and steps when the file has it. */
export async function loadStubsFileParts(path: string, caseName?: string): Promise<StubsFileParts> {
  const text = await readFile(path, 'utf8');
  let doc: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both.
    doc = parse(text);
  } catch (err) {
    throw new StubValidationError(`cannot parse stubs file ${path}: ${(err as Error).message}`, [], {
      cause: err,
    });
  }
  if (doc === null || doc === undefined) return { stubs: [], steps: [], cases: [], hasCase: false };
  if (Array.isArray(doc)) return { stubs: doc as unknown[], steps: [], cases: [], hasCase: false };
  const shape = `stubs file ${path} must hold a list of stubs, or a map of stubs, steps and cases`;
  if (typeof doc !== 'object') throw new StubValidationError(shape);
  const map = doc as Record<string, unknown>;
  if (!('stubs' in map) && !('steps' in map) && !('cases' in map)) throw new StubValidationError(shape);
  const stubs = listAt(map, 'stubs', path);
  const steps = listAt(map, 'steps', path);
  const cases = map['cases'] ?? {};
  if (typeof cases !== 'object' || cases === null || Array.isArray(cases))
    throw new StubValidationError(`stubs file ${path}: "cases" must map case names to {stubs, steps}`);
  const names = Object.keys(cases);
  const chosen = caseName !== undefined ? (cases as Record<string, unknown>)[caseName] : undefined;
  if (chosen !== undefined) {
    if (typeof chosen !== 'object' || chosen === null || Array.isArray(chosen))
      throw new StubValidationError(
        `stubs file ${path}: case "${caseName}" must be a map of stubs and steps`,
      );
    const c = chosen as Record<string, unknown>;
    const unknown = Object.keys(c).filter((k) => k !== 'stubs' && k !== 'steps');
    if (unknown.length > 0)
      throw new StubValidationError(
        `stubs file ${path}: case "${caseName}" may hold stubs and steps, not ${unknown.join(', ')}`,
      );
    stubs.push(...listAt(c, 'stubs', `${path} (case ${caseName})`));
    steps.push(...listAt(c, 'steps', `${path} (case ${caseName})`));
  }
  return { stubs, steps, cases: names, hasCase: chosen !== undefined };
}

function listAt(map: Record<string, unknown>, key: string, where: string): unknown[] {
  const v = map[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new StubValidationError(`stubs file ${where}: "${key}" must be a list`);
  return [...(v as unknown[])];
}
