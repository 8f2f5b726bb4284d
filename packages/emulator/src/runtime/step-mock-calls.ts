/**
 * Step mocks as one execution applies them: which mock answers a call step, and its answer for
 * the call's attempt (the step's calls in this execution so far, retries included), given after
 * the mock's delay in the clock's time. A mocked step's call is not made.
 */
import type { Clock } from '../values/seams.js';
import type { Value } from '../values/types.js';
import type { ExecutionIdentity } from './api.js';
import type { StepMock, StepMocks } from './step-mocks.js';
import type { TracedStep } from './tracer.js';

export class StepMockCalls {
  /** Calls each step mock answered in this execution (its next attempt number); made on first use. */
  private attempts: Map<StepMock, number> | null = null;

  constructor(
    private readonly mocks: StepMocks,
    private readonly identity: ExecutionIdentity,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
  ) {}

  /** The mock of a step of a routine of this execution's workflow, if one is registered. */
  find(routine: string, step: string): StepMock | undefined {
    return this.mocks.find(this.identity.workflowId, this.identity.location, routine, step);
  }

  /** The mocked call of `name` by the step `traced` of `routine`: the mock's answer (or its error). */
  async call(mock: StepMock, routine: string, traced: TracedStep, name: string, args: Value): Promise<Value> {
    const attempts = (this.attempts ??= new Map());
    const attempt = attempts.get(mock) ?? 0;
    attempts.set(mock, attempt + 1);
    const outcome = mock.answer(attempt);
    traced.mock = { id: mock.id, attempt };
    const { identity } = this;
    this.mocks.mocked({
      mockId: mock.id,
      attempt,
      executionId: identity.executionId,
      workflowId: identity.workflowId,
      location: identity.location,
      routine,
      step: traced.name,
      functionName: name,
      args,
      outcome,
    });
    if (outcome.delayMs > 0) await this.clock.sleep(outcome.delayMs, this.signal);
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }
}
