import { Workflow } from '@workflows-kit/client';
import { z } from 'zod';

/** The arguments of the guide's `DataPipelineWorkflow().invoke(...)`. */
export const PipelineArgsSchema = z.object({
  dataset_id: z.string().min(1),
  processing_mode: z.enum(['full', 'incremental']),
  notification_email: z.email(),
});
export type PipelineArgs = z.infer<typeof PipelineArgsSchema>;

/** django-gcp's `DataPipelineWorkflow`: invokes the workflow deployed as `data-pipeline`. */
export class DataPipelineWorkflow extends Workflow.withSchemas({ argsSchema: PipelineArgsSchema }) {
  static readonly workflowName = 'data-pipeline';
  static readonly location = 'us-central1';
}
