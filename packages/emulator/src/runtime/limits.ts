import type { Value } from '../values/types.js';
import type { RuntimeLimits } from './api.js';
import { resourceLimitError } from '../values/raised-error.js';

/**
 * System limits as Google documents them (https://cloud.google.com/workflows/quotas). Where the
 * page gives no number, the one here is a choice, taken from third-party copies of older versions
 * of that page.
 */
export const DEFAULT_LIMITS: RuntimeLimits = {
  maxSteps: 100_000,
  maxMemoryBytes: 512 * 1024,
  maxCallDepth: 20,
  maxParallelNesting: 2,
  maxHttpResponseBytes: 2 * 1024 * 1024,
  maxConcurrentBranches: 20,
  maxUnhandledBranchErrors: 100,
};

/** Strings are limited to 256 KB (https://cloud.google.com/workflows/quotas#resource_limit). */
export const MAX_STRING_BYTES = 256 * 1024;

/** Returns `v`, or throws the ResourceLimitError of a string past the limit. */
export function checkStringLength(v: Value): Value {
  // UTF-8 is at most 3 bytes per UTF-16 unit: only long strings need measuring.
  if (typeof v === 'string' && v.length * 3 > MAX_STRING_BYTES && Buffer.byteLength(v) > MAX_STRING_BYTES) {
    throw resourceLimitError(`string of ${Buffer.byteLength(v)} bytes exceeds the 256 KB limit on strings`);
  }
  return v;
}
