/**
 * Running part of a deployed workflow (emulator extensions, for tests):
 *
 *   POST /emulator/v1/subworkflowRuns  {workflow, routine, args?, location?, project?}
 *        -> the Execution (as executions.create answers): a normal execution of that subworkflow,
 *           with its history and logs, read with the Executions API as any other.
 *   POST /emulator/v1/stepRuns         {workflow, step, routine?, variables?, location?, project?}
 *        -> once the step has run: {execution, status, variables, next, error?, retry?, except?}
 *           (see runtime/step-run.ts), the idea of AWS Step Functions' TestState.
 *
 * Both run the current revision. Errors use Google's envelope: 404 for an unknown workflow, 400
 * for an unknown routine, step or parameter (the message lists the ones there are).
 */
import express from 'express';
import { z } from 'zod';
import type { Routine } from '../source/types.js';
import { stepsOf } from '../runtime/step-mocks.js';
import { StepRunObserver, type StepRunResult } from '../runtime/step-run.js';
import { jsonToValue } from '../values/json.js';
import type { Value } from '../values/types.js';
import type { ExecutionRecord } from '../store/types.js';
import { invalidArgument } from './api-error.js';
import type { AppDeps } from './deps.js';
import type { Services } from './app.js';
import { currentRevision, executionJson } from './serialize.js';
import { parseBodyIfNeeded } from './stubs-routes.js';
import { projectRef } from './workflows-service.js';

const Where = {
  workflow: z.string().min(1),
  location: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
};
const JsonObject = z.record(z.string(), z.unknown());
const SubworkflowRunSchema = z.strictObject({
  ...Where,
  routine: z.string().min(1),
  args: JsonObject.optional(),
});
const StepRunSchema = z.strictObject({
  ...Where,
  routine: z.string().min(1).default('main'),
  step: z.string().min(1),
  variables: JsonObject.optional(),
});

export type SubworkflowRunRequest = z.input<typeof SubworkflowRunSchema>;
export type StepRunRequest = z.input<typeof StepRunSchema>;

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `${i.message}${i.path.length ? ` (at ${i.path.join('.')})` : ''}`);
  throw invalidArgument(`invalid ${what}: ${lines.join('; ')}`);
}

/** The routine of the workflow's current revision, or 400 naming the routines there are. */
function routineOf(deps: AppDeps, services: Services, req: z.infer<typeof StepRunSchema>): Routine {
  const ref = projectRef(deps, req.project ?? deps.config.projectId);
  const wf = services.workflows.getRecord(ref, req.location ?? deps.config.location, req.workflow);
  const definition = currentRevision(wf).definition;
  const routine = definition.routines.get(req.routine);
  if (!routine)
    throw invalidArgument(
      `workflow "${req.workflow}" has no routine "${req.routine}"; its routines: ${[...definition.routines.keys()].join(', ')}`,
    );
  return routine;
}

/** Starts a subworkflow as an execution of its own; its parameters come from `args`. */
export function startSubworkflowRun(deps: AppDeps, services: Services, input: unknown): ExecutionRecord {
  const req = parse(SubworkflowRunSchema, input, 'subworkflow run');
  const routine = routineOf(deps, services, { ...req, step: '' });
  const args = req.args ?? {};
  const params = routine.params.map((p) => p.name);
  const unknown = Object.keys(args).filter((k) => !params.includes(k));
  if (unknown.length > 0)
    throw invalidArgument(
      `subworkflow "${routine.name}" has no parameter ${unknown.map((k) => `"${k}"`).join(', ')}; its parameters: ${params.join(', ') || 'none'}`,
    );
  const missing = routine.params.filter((p) => !p.default && !(p.name in args)).map((p) => p.name);
  if (missing.length > 0)
    throw invalidArgument(`subworkflow "${routine.name}" needs the parameter(s) ${missing.join(', ')}`);
  const ref = projectRef(deps, req.project ?? deps.config.projectId);
  const location = req.location ?? deps.config.location;
  const body = { argument: JSON.stringify(args) };
  // `main` is the workflow itself: its argument is the one parameter's value.
  if (routine.name === 'main') {
    const param = routine.params[0]?.name;
    return services.executions.create(ref, location, req.workflow, {
      argument: JSON.stringify(param !== undefined ? (args[param] ?? null) : null),
    });
  }
  return services.executions.create(ref, location, req.workflow, body, { entry: { routine: routine.name } });
}

/** Starts one step as an execution of its own; `result()` says what it did once it has ended. */
export function startStepRun(
  deps: AppDeps,
  services: Services,
  input: unknown,
): { execution: ExecutionRecord; result: () => StepRunResult } {
  const req = parse(StepRunSchema, input, 'step run');
  const routine = routineOf(deps, services, req);
  const names = stepsOf(routine).map((s) => s.name);
  if (!names.includes(req.step))
    throw invalidArgument(
      `routine "${routine.name}" of workflow "${req.workflow}" has no step "${req.step}"; its steps: ${names.join(', ')}`,
    );
  const variables = new Map<string, Value>();
  for (const [name, v] of Object.entries(req.variables ?? {})) {
    try {
      variables.set(name, jsonToValue(v));
    } catch (err) {
      throw invalidArgument(`variable "${name}": ${(err as Error).message}`, { cause: err });
    }
  }
  const observer = new StepRunObserver(routine, req.step, variables);
  const ref = projectRef(deps, req.project ?? deps.config.projectId);
  const execution = services.executions.create(
    ref,
    req.location ?? deps.config.location,
    req.workflow,
    {},
    { entry: { routine: routine.name, step: { name: req.step, variables } }, observers: [observer] },
  );
  return { execution, result: () => observer.result() };
}

export function createDirectRunsRouter(deps: AppDeps, services: Services): express.Router {
  const router = express.Router();
  router.post('/emulator/v1/subworkflowRuns', parseBodyIfNeeded, (req, res) => {
    const rec = startSubworkflowRun(deps, services, req.body);
    res.json(executionJson(rec, rec.projectAlias, 'FULL'));
  });
  router.post('/emulator/v1/stepRuns', parseBodyIfNeeded, async (req, res, next) => {
    try {
      const run = startStepRun(deps, services, req.body);
      await services.executions.whenSettled(run.execution);
      const name = executionJson(run.execution, run.execution.projectAlias, 'BASIC')['name'];
      res.json({ execution: name, ...run.result() });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
