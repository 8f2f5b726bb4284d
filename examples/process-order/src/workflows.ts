import { Workflow } from '@workflows-kit/client';
import { z } from 'zod';

/**
 * The arguments the workflow reads (`args.order_id`, `args.customer_email`, ...), in the
 * guide's snake_case. Checked before any request, so a bad order never reaches GCP.
 */
export const OrderArgsSchema = z.object({
  order_id: z.number().int().positive(),
  customer_email: z.email(),
  items: z.array(z.string()),
  total_amount: z.number().nonnegative(),
});
export type OrderArgs = z.infer<typeof OrderArgsSchema>;

/** django-gcp's `ProcessOrderWorkflow`: invokes the workflow deployed as `process-order`. */
export class ProcessOrderWorkflow extends Workflow.withSchemas({ argsSchema: OrderArgsSchema }) {
  static readonly workflowName = 'process-order';
  static readonly location = 'europe-west1';
}
