import './setup.js';
import { describe, expect, it } from 'vitest';
import { toDate, toDurationMs, toExecutionStatus, toState, toWorkflowExecution } from '../src/execution.js';

const NAME =
  'projects/123/locations/us-central1/workflows/wf/executions/17ffc89c-0a27-4d2f-8356-e681d949a3d3';

describe('conversions', () => {
  it('reads timestamps as gax decodes them and as RFC 3339 text', () => {
    expect(toDate({ seconds: '1658234407', nanos: 70039707 })?.toISOString()).toBe(
      '2022-07-19T12:40:07.070Z',
    );
    expect(toDate({ seconds: 1658234407, nanos: 0 })?.toISOString()).toBe('2022-07-19T12:40:07.000Z');
    expect(toDate('2022-07-19T12:40:07.070039707Z')?.toISOString()).toBe('2022-07-19T12:40:07.070Z');
    expect(toDate(null)).toBeUndefined();
    expect(toDate({ seconds: null, nanos: 0 })).toBeUndefined();
  });

  it('reads durations in milliseconds', () => {
    expect(toDurationMs({ seconds: '116', nanos: 970566652 })).toBeCloseTo(116970.566652, 6);
    expect(toDurationMs('1.5s')).toBe(1500);
    expect(toDurationMs('0s')).toBe(0);
    expect(toDurationMs(undefined)).toBeUndefined();
  });

  it('reads states by name or number', () => {
    expect(toState('SUCCEEDED')).toBe('SUCCEEDED');
    expect(toState(4)).toBe('CANCELLED');
    expect(toState(6)).toBe('QUEUED');
    expect(toState('BOGUS')).toBe('STATE_UNSPECIFIED');
  });
});

describe('toExecutionStatus', () => {
  it('maps the FAILED execution Google documents (https://cloud.google.com/workflows/docs/access-execution-results)', () => {
    const status = toExecutionStatus({
      name: NAME,
      startTime: { seconds: '1658234407', nanos: 24823663 },
      endTime: { seconds: '1658234407', nanos: 70039707 },
      duration: { seconds: '0', nanos: 45216044 },
      state: 'FAILED',
      argument: 'null',
      result: '',
      workflowRevisionId: '000001-ac2',
      error: {
        payload:
          '{"message":"The argument of \'in\' must be a dict or an array; got: null","tags":["TypeError"]}',
        context:
          'The argument of \'in\' must be a dict or an array; got: null\nin step "checkSearchTermInInput", routine "main", line: 12',
        stackTrace: {
          elements: [
            {
              step: 'checkSearchTermInInput',
              routine: 'main',
              position: { line: '12', column: '26', length: '24' },
            },
          ],
        },
      },
      status: { currentSteps: [{ routine: 'main', step: 'checkSearchTermInInput' }] },
      labels: {},
    });
    expect(status).toMatchObject({
      id: '17ffc89c-0a27-4d2f-8356-e681d949a3d3',
      name: NAME,
      workflow: '000001-ac2',
      workflowRevisionId: '000001-ac2',
      state: 'FAILED',
      argument: null,
      result: undefined,
      currentSteps: [{ routine: 'main', step: 'checkSearchTermInInput' }],
      stateError: undefined,
    });
    expect(status.startTime?.toISOString()).toBe('2022-07-19T12:40:07.024Z');
    expect(status.endTime?.toISOString()).toBe('2022-07-19T12:40:07.070Z');
    expect(status.duration).toBeCloseTo(45.216044, 6);
    expect(status.error).toEqual({
      payload: { message: "The argument of 'in' must be a dict or an array; got: null", tags: ['TypeError'] },
      message: "The argument of 'in' must be a dict or an array; got: null",
      tags: ['TypeError'],
      context:
        'The argument of \'in\' must be a dict or an array; got: null\nin step "checkSearchTermInInput", routine "main", line: 12',
      stackTrace: [
        { step: 'checkSearchTermInInput', routine: 'main', position: { line: 12, column: 26, length: 24 } },
      ],
    });
  });

  it('parses the result of a SUCCEEDED execution and treats gax defaults as absent', () => {
    const status = toExecutionStatus({
      name: NAME,
      state: 2,
      result: '{"bucket":"b","jobId":"j"}',
      argument: '',
      error: { payload: '', context: '', stackTrace: null },
      endTime: null,
      stateError: { details: '', type: 0 },
    });
    expect(status.state).toBe('SUCCEEDED');
    expect(status.result).toEqual({ bucket: 'b', jobId: 'j' });
    expect(status.argument).toBeUndefined();
    expect(status.error).toBeUndefined();
    expect(status.endTime).toBeUndefined();
    expect(status.stateError).toBeUndefined();
    expect(status.currentSteps).toEqual([]);
  });

  it('takes the message of a raised string from the payload itself', () => {
    const status = toExecutionStatus({
      name: NAME,
      state: 'FAILED',
      error: { payload: '"boom"', context: 'boom' },
    });
    expect(status.error).toMatchObject({ payload: 'boom', message: 'boom', tags: [] });
  });

  it('falls back to the first context line when the payload has no message', () => {
    const status = toExecutionStatus({
      name: NAME,
      state: 'FAILED',
      error: { payload: '{"code":7}', context: 'first\nsecond' },
    });
    expect(status.error).toMatchObject({ payload: { code: 7 }, message: 'first', tags: [] });
  });

  it('reports a KMS state error by name', () => {
    expect(
      toExecutionStatus({ name: NAME, state: 5, stateError: { details: 'key gone', type: 1 } }).stateError,
    ).toEqual({
      type: 'KMS_ERROR',
      details: 'key gone',
    });
  });

  it('toWorkflowExecution keeps only the invoke() fields', () => {
    const execution = toWorkflowExecution({
      name: NAME,
      state: 'ACTIVE',
      startTime: '2026-01-02T03:04:05.123456789Z',
      argument: '{"orderId":12345}',
      workflowRevisionId: '000002-abc',
      labels: { team: 'x' },
    });
    expect(execution).toEqual({
      id: '17ffc89c-0a27-4d2f-8356-e681d949a3d3',
      name: NAME,
      workflow: '000002-abc',
      workflowRevisionId: '000002-abc',
      state: 'ACTIVE',
      startTime: new Date('2026-01-02T03:04:05.123Z'),
      argument: { orderId: 12345 },
      labels: { team: 'x' },
    });
  });
});
