/** The ExecutionTracer: a recording observer sees every event kind, with the source locations. */
import { describe, expect, it } from 'vitest';
import type { ExecutionTracer, TracedStep } from '../../src/runtime/tracer.js';
import type { Value } from '../../src/values/types.js';
import { prepare, run, resultOf } from './harness.js';

const SOURCE = `main:
  params: [args]
  steps:
    - init:
        assign:
          - total: 0
          - n: \${len("ab")}
    - pick:
        switch:
          - condition: \${args.n > 10}
            next: done
          - condition: \${args.n > 0}
            assign:
              - total: 1
    - nomatch:
        switch:
          - condition: \${false}
            next: end
        next: loop
    - loop:
        for:
          value: v
          in: [1, 2]
          steps:
            - add:
                assign:
                  - total: \${total + double_it(v)}
    - fan:
        parallel:
          branches:
            - b1:
                steps:
                  - one:
                      assign:
                        - x: 1
            - b2:
                steps:
                  - two:
                      assign:
                        - y: 2
    - guarded:
        try:
          call: http.get
          args:
            url: http://127.0.0.1:9/x
        retry:
          predicate: \${retry.always}
          max_retries: 1
          backoff:
            initial_delay: 3
            max_delay: 10
            multiplier: 2
        except:
          as: e
          steps:
            - note:
                call: sys.log
                args:
                  text: \${e.message}
    - fine:
        try:
          assign:
            - ok: true
        except:
          steps:
            - never:
                assign:
                  - ok: false
    - done:
        return: \${total}
double_it:
  params: [n]
  steps:
    - twice:
        return: \${n * 2}
`;

/** 1-based line and column of the first line containing `text` (column of its first character). */
function at(text: string, from = 0): { line: number; column: number } {
  const lines = SOURCE.split('\n');
  for (let i = from; i < lines.length; i++) {
    const col = (lines[i] as string).indexOf(text);
    if (col >= 0) return { line: i + 1, column: col + 1 };
  }
  throw new Error(`not in the source: ${text}`);
}

type Recorded = { event: keyof ExecutionTracer; arg: unknown };

/** Records every event; for steps, a snapshot of what the step looked like at that moment. */
function recorder(): { tracer: ExecutionTracer; events: Recorded[]; ended: Map<string, TracedStep[]> } {
  const events: Recorded[] = [];
  const ended = new Map<string, TracedStep[]>();
  const names: (keyof ExecutionTracer)[] = [
    'executionStarted',
    'executionEnded',
    'stepStarted',
    'stepEnded',
    'switchCondition',
    'switchNoMatch',
    'forIteration',
    'parallelBranch',
    'tryCompleted',
    'exceptTaken',
    'retryAttempt',
    'subworkflowCalled',
    'subworkflowReturned',
    'functionCalled',
  ];
  const tracer: ExecutionTracer = {};
  for (const name of names) {
    (tracer as Record<string, (a: unknown) => void>)[name] = (arg) => {
      events.push({ event: name, arg });
      if (name === 'stepEnded') {
        const s = arg as TracedStep;
        ended.set(s.name, [...(ended.get(s.name) ?? []), s]);
      }
    };
  }
  return { tracer, events, ended };
}

function only<T>(list: T[] | undefined): T {
  expect(list).toHaveLength(1);
  return (list as T[])[0] as T;
}

describe('ExecutionTracer', () => {
  it('reports every event kind with ids, parents, threads and source locations', async () => {
    const rec = recorder();
    const variablesAtInit: Map<string, Value>[] = [];
    const peek: ExecutionTracer = {
      stepEnded: (s) => {
        if (s.name === 'init') variablesAtInit.push(s.variables());
      },
    };
    const r = await run(SOURCE, {
      argument: { n: 5 },
      tracers: [rec.tracer, peek],
      sourceFile: '/work/flows/demo.yaml',
      routes: [{ url: 'http://127.0.0.1:9/x', responses: [{ status: 500, body: 'down' }] }],
    });
    expect(resultOf(r)).toBe(7); // 1 + 2 + 4
    const { events, ended } = rec;
    const of = (name: keyof ExecutionTracer) =>
      events.filter((e) => e.event === name).map((e) => e.arg as never);

    // Execution start and end, first and last.
    expect(events[0]?.event).toBe('executionStarted');
    expect(events.at(-1)?.event).toBe('executionEnded');
    const started = only(of('executionStarted')) as {
      executionName: string;
      sourceFile: string;
      argument: Value;
    };
    expect(started.executionName).toBe(
      'projects/my-project/locations/us-central1/workflows/wf/executions/exec-1',
    );
    expect(started.sourceFile).toBe('/work/flows/demo.yaml');
    expect(started.argument).toEqual(new Map([['n', 5]]));
    expect((only(of('executionEnded')) as { outcome: unknown }).outcome).toEqual({
      state: 'SUCCEEDED',
      result: '7',
    });

    // Steps at every depth, each started once and ended once, ids unique and in start order.
    const startedSteps = of('stepStarted') as TracedStep[];
    expect(startedSteps.map((s) => s.name)).toEqual([
      'init',
      'pick',
      'nomatch',
      'loop',
      'add',
      'twice',
      'add',
      'twice',
      'fan',
      'one',
      'two',
      'guarded',
      'note',
      'fine',
      'done',
    ]);
    expect(startedSteps.map((s) => s.stepId)).toEqual(startedSteps.map((_, i) => i + 1));
    expect((of('stepEnded') as TracedStep[]).map((s) => s.stepId).sort((a, b) => a - b)).toEqual(
      startedSteps.map((s) => s.stepId),
    );
    for (const s of startedSteps) {
      expect(s.outcome, s.name).toBe('succeeded');
      expect(s.file).toBe('/work/flows/demo.yaml');
      const item = at(`- ${s.name}:`);
      expect(s.pos, s.name).toEqual({ line: item.line, column: item.column + 2 }); // the name key
    }
    const byName = (name: string) => startedSteps.filter((s) => s.name === name);
    const idOf = (name: string) => (byName(name)[0] as TracedStep).stepId;
    // Parents: a loop's steps sit in the loop, a subworkflow's steps in the step that called it.
    expect(byName('add').map((s) => s.parentStepId)).toEqual([idOf('loop'), idOf('loop')]);
    expect(byName('twice').map((s) => s.parentStepId)).toEqual(byName('add').map((s) => s.stepId));
    expect(byName('twice').map((s) => s.routine)).toEqual(['double_it', 'double_it']);
    expect((byName('note')[0] as TracedStep).parentStepId).toBe(idOf('guarded'));
    expect((byName('init')[0] as TracedStep).parentStepId).toBe(null);
    expect(byName('init').map((s) => [s.kind, s.threadId])).toEqual([['assign', '']]);
    expect(['pick', 'loop', 'fan', 'guarded', 'done'].map((n) => (byName(n)[0] as TracedStep).kind)).toEqual([
      'switch',
      'for',
      'parallel',
      'try',
      'return',
    ]);
    // The `next` taken and the return.
    expect(only(ended.get('nomatch')).next).toBe('loop');
    expect(only(ended.get('pick')).next).toBe(undefined);
    expect(only(ended.get('done')).returned).toBe(true);
    // Variables at the step's end, on request.
    expect(variablesAtInit).toEqual([
      new Map<string, Value>([
        ['args', new Map([['n', 5]])],
        ['total', 0],
        ['n', 2],
      ]),
    ]);

    // Switch: each condition evaluated, with its position; no match reported.
    const conditions = of('switchCondition') as {
      step: TracedStep;
      index: number;
      matched: boolean;
      pos: unknown;
    }[];
    expect(conditions.map((c) => [c.step.name, c.index, c.matched])).toEqual([
      ['pick', 0, false],
      ['pick', 1, true],
      ['nomatch', 0, false],
    ]);
    expect(conditions[1]?.pos).toEqual(at('condition: ${args.n > 0}'));
    expect((of('switchNoMatch') as TracedStep[]).map((s) => s.name)).toEqual(['nomatch']);

    // For: each iteration with index, value and count.
    expect(
      (of('forIteration') as { step: TracedStep; index: number; value: Value; count: number }[]).map((e) => [
        e.step.name,
        e.index,
        e.value,
        e.count,
      ]),
    ).toEqual([
      ['loop', 0, 1, 2],
      ['loop', 1, 2, 2],
    ]);

    // Parallel: each branch in its own thread, its steps in that thread.
    const branches = of('parallelBranch') as {
      step: TracedStep;
      branch: string;
      threadId: string;
      pos: unknown;
    }[];
    expect(branches.map((b) => [b.step.name, b.branch])).toEqual([
      ['fan', 'b1'],
      ['fan', 'b2'],
    ]);
    expect(branches[0]?.pos).toEqual(at('b1:'));
    expect(new Set(branches.map((b) => b.threadId)).size).toBe(2);
    expect(branches.every((b) => b.threadId !== '')).toBe(true);
    expect((byName('one')[0] as TracedStep).threadId).toBe(branches[0]?.threadId);
    expect((byName('two')[0] as TracedStep).threadId).toBe(branches[1]?.threadId);
    expect((byName('one')[0] as TracedStep).parentStepId).toBe(idOf('fan'));

    // Try, retry, except.
    const retries = of('retryAttempt') as {
      step: TracedStep;
      attempt: number;
      decision: string;
      delaySeconds: number;
      pos: unknown;
      error: { tags: string[] };
    }[];
    expect(retries.map((e) => [e.step.name, e.attempt, e.decision, e.delaySeconds])).toEqual([
      ['guarded', 1, 'retry', 3],
      ['guarded', 2, 'exhausted', 0],
    ]);
    expect(retries[0]?.error.tags).toEqual(['HttpError']);
    expect(retries[0]?.pos).toEqual(at('predicate: ${retry.always}'));
    const excepts = of('exceptTaken') as { step: TracedStep; error: { tags: string[] }; pos: unknown }[];
    expect(excepts.map((e) => [e.step.name, e.error.tags])).toEqual([['guarded', ['HttpError']]]);
    expect(excepts[0]?.pos).toEqual(at('as: e'));
    expect((of('tryCompleted') as { step: TracedStep }[]).map((e) => e.step.name)).toEqual(['fine']);

    // Subworkflow calls from an expression, called and returned.
    expect(
      (of('subworkflowCalled') as { step: TracedStep; routine: string; args: Map<string, Value> }[]).map(
        (e) => [e.step.name, e.routine, e.args],
      ),
    ).toEqual([
      ['add', 'double_it', new Map([['n', 1]])],
      ['add', 'double_it', new Map([['n', 2]])],
    ]);
    expect(
      (of('subworkflowReturned') as { routine: string; result: Value }[]).map((e) => [e.routine, e.result]),
    ).toEqual([
      ['double_it', 2],
      ['double_it', 4],
    ]);

    // Function calls: stdlib in an expression, subworkflow in an expression, http.* and stdlib call steps.
    const calls = of('functionCalled') as {
      step: TracedStep;
      name: string;
      kind: string;
      inExpression: boolean;
      args: Value;
      result?: Value;
      error?: { tags: string[] };
    }[];
    expect(calls.map((c) => [c.step.name, c.name, c.kind, c.inExpression])).toEqual([
      ['init', 'len', 'stdlib', true],
      ['add', 'double_it', 'subworkflow', true],
      ['add', 'double_it', 'subworkflow', true],
      ['guarded', 'http.get', 'http', false],
      ['guarded', 'http.get', 'http', false],
      ['note', 'sys.log', 'stdlib', false],
    ]);
    expect([calls[0]?.args, calls[0]?.result]).toEqual([['ab'], 2]);
    expect(calls[3]?.error?.tags).toEqual(['HttpError']);
    expect(calls[5]?.result).toBe(null);
  });

  it('reports failed and cancelled steps with their error', async () => {
    const rec = recorder();
    const failed = await run(
      `main:
  steps:
    - outer:
        steps:
          - boom:
              raise: bad
`,
      { tracers: [rec.tracer] },
    );
    expect(failed.outcome.state).toBe('FAILED');
    expect(only(rec.ended.get('boom')).outcome).toBe('failed');
    expect(only(rec.ended.get('boom')).error?.value).toBe('bad');
    expect(only(rec.ended.get('outer')).outcome).toBe('failed');
    const end = rec.events.at(-1)?.arg as { outcome: { state: string }; error: { value: Value } };
    expect([end.outcome.state, end.error.value]).toEqual(['FAILED', 'bad']);

    const cancelled = recorder();
    let waitStarted: () => void = () => {};
    const waiting = new Promise<void>((resolve) => (waitStarted = resolve));
    // A clock whose sleeps end only when aborted: the step waits until the execution is cancelled.
    const clock = {
      now: () => 0,
      sleep: (_ms: number, signal?: AbortSignal) =>
        new Promise<void>((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
        ),
    };
    const p = prepare(
      `main:
  steps:
    - create:
        assign:
          - x: 1
    - wait:
        call: sys.sleep
        args:
          seconds: 60
`,
      { clock, tracers: [cancelled.tracer, { stepStarted: (s) => s.name === 'wait' && waitStarted() }] },
    );
    await waiting;
    p.execution.cancel();
    expect((await p.execution.done).state).toBe('CANCELLED');
    expect(only(cancelled.ended.get('create')).outcome).toBe('succeeded');
    expect(only(cancelled.ended.get('wait')).outcome).toBe('cancelled');
    expect((cancelled.events.at(-1)?.arg as { outcome: unknown }).outcome).toEqual({ state: 'CANCELLED' });
  });

  it('keeps running when an observer throws, and reports the failure once', async () => {
    const failures: unknown[] = [];
    const seen: string[] = [];
    const r = await run(
      `main:
  steps:
    - a:
        assign:
          - x: 1
    - b:
        return: \${x}
`,
      {
        tracers: [
          {
            stepStarted: () => {
              throw new Error('observer bug');
            },
          },
          { stepEnded: (s) => seen.push(s.name) },
        ],
        onTracerError: (err) => failures.push(err),
      },
    );
    expect(resultOf(r)).toBe(1);
    expect(seen).toEqual(['a', 'b']);
    expect(failures).toHaveLength(1);
    expect((failures[0] as Error).message).toBe('observer bug');
    // The step history (the first observer) is complete.
    expect([...r.history].map((e) => [e.step, e.state])).toEqual([
      ['a', 'STATE_SUCCEEDED'],
      ['b', 'STATE_SUCCEEDED'],
    ]);
  });
});
