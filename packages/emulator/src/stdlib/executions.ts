/** `experimental.executions.*` (reference §3.3): child executions. Blocking; the executor implements them. */
import { blocking, optional, param, type StdlibMember } from './registry.js';

export function executionsFunctions(): StdlibMember[] {
  return [
    blocking('experimental.executions.run', [param('workflow_id', 'string'), optional('argument', null)]),
    blocking('experimental.executions.map', [param('workflow_id', 'string'), param('arguments', 'list')]),
  ];
}
