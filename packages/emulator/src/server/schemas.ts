/**
 * Request bodies. Output-only fields are accepted and ignored (clients send back what they
 * read); unknown fields are rejected like Google's JSON parser does.
 */
import { z } from 'zod';
import { invalidArgument } from './api-error.js';

const enumInput = z.union([z.string(), z.number()]);
const stringMap = z.record(z.string(), z.string());

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
  state: enumInput.optional(),
  revisionId: z.string().optional(),
  createTime: z.string().optional(),
  updateTime: z.string().optional(),
  revisionCreateTime: z.string().optional(),
  stateError: z.unknown().optional(),
  cryptoKeyVersion: z.string().optional(),
  allKmsKeys: z.unknown().optional(),
  allKmsKeysVersions: z.unknown().optional(),
});
export type WorkflowInput = z.infer<typeof WorkflowInputSchema>;

export const ExecutionInputSchema = z.strictObject({
  argument: z.string().optional(),
  callLogLevel: enumInput.optional(),
  labels: stringMap.optional(),
  disableConcurrencyQuotaOverflowBuffering: z.boolean().optional(),
  executionHistoryLevel: enumInput.optional(),
  // Output only.
  name: z.string().optional(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
  duration: z.string().optional(),
  state: enumInput.optional(),
  result: z.string().optional(),
  error: z.unknown().optional(),
  workflowRevisionId: z.string().optional(),
  status: z.unknown().optional(),
  createTime: z.string().optional(),
  stateError: z.unknown().optional(),
});
export type ExecutionInput = z.infer<typeof ExecutionInputSchema>;

/** Parses a body with a schema, phrasing failures the way Google's JSON parser does. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, resource: string): T {
  const r = schema.safeParse(body === undefined ? {} : body);
  if (r.success) return r.data;
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
