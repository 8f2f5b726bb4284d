/**
 * `--stubs FILE`: a YAML or JSON list of stub definitions (or `{stubs: [...]}`).
 * Definitions are returned unvalidated; `StubRegistry.addAll` validates them all or none.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { StubValidationError } from './schema.js';

export async function loadStubsFile(path: string): Promise<unknown[]> {
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
  if (doc === null || doc === undefined) return [];
  if (Array.isArray(doc)) return doc as unknown[];
  if (typeof doc === 'object' && Array.isArray((doc as { stubs?: unknown }).stubs)) {
    return (doc as { stubs: unknown[] }).stubs;
  }
  throw new StubValidationError(`stubs file ${path} must hold a list of stubs (or {stubs: [...]})`);
}
