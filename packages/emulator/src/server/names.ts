/** Resource-name validation and construction. */
import { excerpt, invalidArgument } from './api-error.js';

// Project IDs (`my-project`), project numbers and legacy domain-scoped IDs (`example.com:proj`).
// Looser than Google's 6-30 character rule on purpose: tests like short names such as `p`.
const PROJECT_RE = /^(?:[a-z0-9.-]+:)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const LOCATION_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
// https://cloud.google.com/workflows/docs/reference/rest/v1/projects.locations.workflows: letters, digits, `_` and `-`; starts with a letter; ends with a letter or digit; ≤ 64.
const WORKFLOW_ID_RE = /^[A-Za-z](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$/;
const EXECUTION_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const OPERATION_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$/;
const STEP_ENTRY_ID_RE = /^\d{1,18}$/;

export function checkProject(project: string): string {
  if (!PROJECT_RE.test(project))
    throw invalidArgument(`Invalid resource name: "${excerpt(project)}" is not a valid project ID or number`);
  return project;
}

export function checkLocation(location: string): string {
  if (!LOCATION_RE.test(location))
    throw invalidArgument(`Invalid resource name: "${excerpt(location)}" is not a valid location`);
  return location;
}

export function isValidWorkflowId(id: string): boolean {
  return WORKFLOW_ID_RE.test(id);
}

export function checkWorkflowId(id: string): string {
  if (!isValidWorkflowId(id)) {
    throw invalidArgument(
      `Invalid workflow ID "${excerpt(id)}": it must be 1-64 characters of letters, digits, underscores and hyphens, start with a letter and end with a letter or digit`,
    );
  }
  return id;
}

export function checkExecutionId(id: string): string {
  if (!EXECUTION_ID_RE.test(id))
    throw invalidArgument(`Invalid resource name: "${excerpt(id)}" is not a valid execution ID`);
  return id;
}

export function checkOperationId(id: string): string {
  if (!OPERATION_ID_RE.test(id))
    throw invalidArgument(`Invalid resource name: "${excerpt(id)}" is not a valid operation ID`);
  return id;
}

export function checkStepEntryId(id: string): number {
  if (!STEP_ENTRY_ID_RE.test(id))
    throw invalidArgument(`Invalid resource name: "${excerpt(id)}" is not a valid step entry ID`);
  return Number(id);
}

export const locationName = (project: string, location: string): string =>
  `projects/${project}/locations/${location}`;
export const workflowName = (project: string, location: string, workflowId: string): string =>
  `${locationName(project, location)}/workflows/${workflowId}`;
export const executionName = (
  project: string,
  location: string,
  workflowId: string,
  executionId: string,
): string => `${workflowName(project, location, workflowId)}/executions/${executionId}`;
export const operationName = (project: string, location: string, operationId: string): string =>
  `${locationName(project, location)}/operations/${operationId}`;

/** Parses `projects/{p}/locations/{l}/workflows/{w}` (the `name` in a patch body). */
export function parseWorkflowName(
  name: string,
): { project: string; location: string; workflowId: string } | undefined {
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/workflows\/([^/]+)$/.exec(name);
  if (!m) return undefined;
  return { project: m[1] as string, location: m[2] as string, workflowId: m[3] as string };
}
