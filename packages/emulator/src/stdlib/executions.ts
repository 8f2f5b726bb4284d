/**
 * `experimental.executions.*` (https://cloud.google.com/workflows/docs/reference/stdlib/experimental.executions/overview):
 * child executions. They go through the Workflow Executions connector, which the emulator
 * answers by running the child (or a stub answers).
 */
import type { Value } from '../values/types.js';
import { EXECUTIONS_RUN_CONNECTOR } from './connectors.js';
import { blocking, optional, param, type CallContext, type StdlibMember } from './registry.js';

export function executionsFunctions(): StdlibMember[] {
  return [
    blocking(
      'experimental.executions.run',
      [param('workflow_id', 'string'), optional('argument', null)],
      ([workflowId, argument], ctx) => runChild(workflowId ?? null, argument ?? null, ctx),
    ),
    blocking(
      'experimental.executions.map',
      [param('workflow_id', 'string'), param('arguments', 'list')],
      ([workflowId, list], ctx) =>
        Promise.all((list as Value[]).map((arg) => runChild(workflowId ?? null, arg, ctx))),
    ),
  ];
}

function runChild(workflowId: Value, argument: Value, ctx: CallContext): Promise<Value> {
  const args = new Map<string, Value>([
    ['workflow_id', workflowId],
    ['argument', argument],
  ]);
  return ctx.connectors.call(EXECUTIONS_RUN_CONNECTOR, args, ctx.origin, ctx.signal);
}
