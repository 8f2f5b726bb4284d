// Runs hello.yaml on the emulator started from the packed bin, through the packed client:
// WORKFLOWS_EMULATOR_HOST points the ordinary Workflow class at it. Prints the result as JSON.
import { Workflow } from '@workflows-kit/client';

class HelloWorkflow extends Workflow {
  static workflowName = 'hello';
  static location = 'us-central1';
}

const result = await new HelloWorkflow().run({ name: process.argv[2] ?? 'world' });
process.stdout.write(`${JSON.stringify(result)}\n`);
