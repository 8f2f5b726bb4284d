import type { RuntimeLimits } from './api.js';

/**
 * Documented system limits (reference §6.1). Numbers marked [3P] in the reference come from
 * third-party copies of the quotas page; the limits themselves are official.
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

export const HTTP_DEFAULT_TIMEOUT_S = 300;
export const HTTP_MAX_TIMEOUT_S = 1800;
export const SLEEP_MAX_S = 31_536_000;
export const CALLBACK_DEFAULT_TIMEOUT_S = 43_200;
