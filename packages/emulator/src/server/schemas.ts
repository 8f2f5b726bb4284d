/**
 * Request bodies, read as Google's JSON mapping of protocol buffers reads them
 * (https://protobuf.dev/programming-guides/json/): `null` means the field is unset, output-only
 * fields sent back by a client are ignored whatever they hold, unknown fields are rejected.
 */
import { z } from 'zod';
import { invalidArgument } from './api-error.js';

const enumInput = z.union([z.string(), z.number()]);

/**
 * A map of strings, rebuilt with `Object.fromEntries` so a `__proto__` key stays an ordinary
 * key (zod's record assigns keys one by one, which silently drops it).
 */
const stringMap = z.unknown().transform((v, ctx): Record<string, string> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: 'expected a map of strings' });
    return z.NEVER;
  }
  const entries = Object.entries(v);
  for (const [k, value] of entries) {
    if (typeof value !== 'string') ctx.addIssue({ code: 'custom', message: 'expected a string', path: [k] });
  }
  return Object.fromEntries(entries);
});

/** Output-only: accepted with any value and dropped (clients send back what they read). */
const outputOnly = z.unknown().optional();

export const WorkflowInputSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  labels: stringMap.optional(),
  serviceAccount: z.string().optional(),
  sourceContents: z.string().optional(),
  callLogLevel: enumInput.optional(),
  userEnvVars: stringMap.optional(),
  executionHistoryLevel: enumInput.optional(),
  cryptoKeyName: z.string().optional(),
  tags: stringMap.optional(),
  // Output only.
  state: outputOnly,
  revisionId: outputOnly,
  createTime: outputOnly,
  updateTime: outputOnly,
  revisionCreateTime: outputOnly,
  stateError: outputOnly,
  cryptoKeyVersion: outputOnly,
  allKmsKeys: outputOnly,
  allKmsKeysVersions: outputOnly,
});
export type WorkflowInput = z.infer<typeof WorkflowInputSchema>;

export const ExecutionInputSchema = z.strictObject({
  argument: z.string().optional(),
  callLogLevel: enumInput.optional(),
  labels: stringMap.optional(),
  disableConcurrencyQuotaOverflowBuffering: z.boolean().optional(),
  executionHistoryLevel: enumInput.optional(),
  // Output only.
  name: outputOnly,
  startTime: outputOnly,
  endTime: outputOnly,
  duration: outputOnly,
  state: outputOnly,
  result: outputOnly,
  error: outputOnly,
  workflowRevisionId: outputOnly,
  status: outputOnly,
  createTime: outputOnly,
  stateError: outputOnly,
});
export type ExecutionInput = z.infer<typeof ExecutionInputSchema>;

/** Output-only fields of each resource, dropped from parsed input. */
const OUTPUT_ONLY: ReadonlyMap<z.ZodType, readonly string[]> = new Map<z.ZodType, readonly string[]>([
  [WorkflowInputSchema, outputOnlyKeys(WorkflowInputSchema)],
  [ExecutionInputSchema, outputOnlyKeys(ExecutionInputSchema)],
]);

function outputOnlyKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => field === outputOnly)
    .map(([k]) => k);
}

/** A top-level `null` is an unset field in Google's JSON mapping: drop it before validation. */
function withoutNulls(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
}

/** Parses a body with a schema, phrasing failures the way Google's JSON parser does. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, resource: string): T {
  const r = schema.safeParse(body === undefined ? {} : withoutNulls(body));
  if (r.success) {
    const drop = OUTPUT_ONLY.get(schema);
    if (!drop || typeof r.data !== 'object' || r.data === null) return r.data;
    const kept = Object.entries(r.data).filter(([k]) => !drop.includes(k));
    return Object.fromEntries(kept) as T;
  }
  const issue = r.error.issues[0];
  if (!issue) throw invalidArgument('Invalid JSON payload received.');
  const path = [resource, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    throw invalidArgument(
      `Invalid JSON payload received. Unknown name "${issue.keys.join('", "')}" at '${path}': Cannot find field.`,
    );
  }
  throw invalidArgument(`Invalid JSON payload received. Invalid value at '${path}': ${issue.message}`);
}
