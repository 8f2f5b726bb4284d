/**
 * Connector helpers that Google lets expressions call (its Secret Manager sample does
 * `${googleapis.secretmanager.v1.projects.secrets.versions.accessString(id, version, project)}`).
 * They reach the ConnectorHandler with their positional arguments as a list.
 */
export const EXPRESSION_CONNECTORS: ReadonlySet<string> = new Set([
  'googleapis.secretmanager.v1.projects.secrets.versions.accessString',
]);

/** Connector calls: `googleapis.*` and the Kubernetes API functions `gke.*`. */
export function isConnector(name: string): boolean {
  return name.startsWith('googleapis.') || name.startsWith('gke.');
}

/** The Workflow Executions connector that runs a child workflow and waits for its result. */
export const EXECUTIONS_RUN_CONNECTOR =
  'googleapis.workflowexecutions.v1.projects.locations.workflows.executions.run';
