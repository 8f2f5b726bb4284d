/** `sys.log` entries (https://cloud.google.com/workflows/docs/reference/stdlib/sys/log): what reaches the Logger seam. */
import { describe, expect, it } from 'vitest';
import { errorOf, resultOf, run } from './harness.js';

describe('sys.log', () => {
  it('writes text, json and positional entries with their severities', async () => {
    const r = await run(`
main:
  steps:
    - logText:
        call: sys.log
        args:
          text: "starting"
          severity: INFO
    - logJson:
        call: sys.log
        args:
          json: { stage: 1, ok: true }
          severity: WARNING
    - logDefault:
        call: sys.log
        args:
          text: "plain"
    - logPositional:
        call: sys.log
        args: ["positional", "ERROR"]
    - logData:
        call: sys.log
        args:
          data: { k: "v" }
`);
    expect(resultOf(r)).toBeNull();
    expect(r.logs.map((l) => l.severity)).toEqual(['INFO', 'WARNING', 'DEFAULT', 'ERROR', 'DEFAULT']);
    expect(r.logs[0]!.payload).toBe('starting');
    expect(r.logs[1]!.payload).toEqual(
      new Map<string, unknown>([
        ['stage', 1],
        ['ok', true],
      ]),
    );
    expect(r.logs[2]!.payload).toBe('plain');
    expect(r.logs[3]!.payload).toBe('positional');
    expect(r.logs[4]!.payload).toEqual(new Map([['k', 'v']]));
    for (const l of r.logs) expect(l).toMatchObject({ executionId: 'exec-1', workflowId: 'wf' });
  });

  it('log timestamps follow the clock across sleeps', async () => {
    const r = await run(`
main:
  steps:
    - one:
        call: sys.log
        args:
          text: "a"
    - nap:
        call: sys.sleep
        args:
          seconds: 2
    - two:
        call: sys.log
        args:
          text: "b"
`);
    expect(resultOf(r)).toBeNull();
    expect(r.logs[1]!.timestamp.getTime() - r.logs[0]!.timestamp.getTime()).toBe(2000);
  });

  it('giving both text and json is a TypeError', async () => {
    const r = await run(`
main:
  steps:
    - both:
        call: sys.log
        args:
          text: "a"
          json: { b: 1 }
`);
    expect(errorOf(r).tags).toEqual(['TypeError']);
    expect(r.logs).toHaveLength(0);
  });
});
