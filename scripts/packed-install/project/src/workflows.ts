import { Workflow } from '@workflows-kit/client';
import { z } from 'zod';

/** A client class with the user's own zod (a peer dependency of the client). */
export class ProcessOrderWorkflow extends Workflow.withSchemas({
  argsSchema: z.object({ order_id: z.number().int(), customer_email: z.email() }),
  resultSchema: z.object({ order_id: z.number(), payment_id: z.string(), waited_seconds: z.number() }),
}) {
  static readonly workflowName = 'process-order';
  static readonly location = 'europe-west1';
}
