import type { Endpoint } from './endpoint.js';

export interface ConsoleUrlParts {
  readonly projectId: string;
  readonly location: string;
  readonly workflowName: string;
  readonly executionId: string;
}

/**
 * The Cloud Console page of an execution. Google does not document this URL; the format is the one
 * django-gcp builds and tests (https://github.com/octue/django-gcp). Against the emulator, the emulator's own console
 * page, under the same path below `/console`.
 */
export function buildConsoleUrl(endpoint: Endpoint, parts: ConsoleUrlParts): string {
  const path =
    `/workflows/workflow/${encodeURIComponent(parts.location)}/${encodeURIComponent(parts.workflowName)}` +
    `/execution/${encodeURIComponent(parts.executionId)}?project=${encodeURIComponent(parts.projectId)}`;
  return endpoint.kind === 'emulator'
    ? `${endpoint.url}/console${path}`
    : `https://console.cloud.google.com${path}`;
}
