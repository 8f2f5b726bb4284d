/**
 * Where the team's shared conformance sample lives: `shared/conformance/cases`, beside the
 * repository (as in CI's checkout), not inside it. A clone of the repository alone has no such
 * directory, and the tests that read it skip with `SHARED_CASES_MISSING` as their reason.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED_CASES_DIR = fileURLToPath(
  new URL('../../../../shared/conformance/cases', import.meta.url),
);

/** Why the shared-sample tests skip, or `undefined` when the sample is there. */
export const SHARED_CASES_MISSING: string | undefined = existsSync(SHARED_CASES_DIR)
  ? undefined
  : `no shared conformance sample at ${SHARED_CASES_DIR} (it sits beside the repository, not in it)`;
