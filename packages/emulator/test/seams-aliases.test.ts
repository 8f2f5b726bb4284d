/**
 * Names renamed in the seams subpath stay importable under their old names until the next major
 * version, so code written against them keeps working.
 */
import { describe, expect, it } from 'vitest';
import { platformError, RaisedError, WorkflowError } from '@workflows-kit/emulator/seams';

describe('deprecated aliases of the seams subpath', () => {
  it('WorkflowError is RaisedError: a raised Workflows error is an instance of both', () => {
    expect(WorkflowError).toBe(RaisedError);
    const err = platformError('ValueError', 'not a number');
    expect(err).toBeInstanceOf(WorkflowError);
    expect(err).toBeInstanceOf(RaisedError);
    expect(err.tags).toEqual(['ValueError']);
  });
});
