/**
 * Which log lines and outbound calls belong to which run of a step.
 *
 * Log lines and request-log records name the routine and step they came from, not the step
 * entry, and their times have millisecond precision: a step that runs many times in quick
 * succession (a loop, a retry) can end and start again within one millisecond, so times alone
 * cannot tell its runs apart. The runs are therefore followed in order: the items of a step, in
 * the order they were written, go to its runs in the order they started; an item that begins a
 * run (a call's `BEGUN` line, a `sys.log` line not after one, any outbound request) moves on to
 * the next run once that run has started, and a run that ended before an item is passed over.
 */
import { PART_STEP_TYPES } from '../../../src/runtime/enums.js';
import type { LogEntry, RecordedRequest, StepEntry } from './api.js';

/**
 * Entries of a part of a step (a loop iteration, a switch condition, a try attempt, a retry, an
 * except block, a parallel branch): not runs of the step their `step` names. Their items are
 * found by their times.
 */
const PART_TYPES: ReadonlySet<string> = PART_STEP_TYPES;

interface Item {
  routine: string | undefined;
  step: string | undefined;
  /** Epoch milliseconds. */
  time: number;
  /** Whether it begins a run of its step. */
  begins: boolean;
}

const start = (e: StepEntry) => Date.parse(e.createTime ?? '');
const end = (e: StepEntry) => (e.state === 'STATE_IN_PROGRESS' ? Infinity : Date.parse(e.updateTime ?? ''));

/**
 * The items (in the order they were written) that belong to `entry`, one of `entries`. `info` is
 * called once per item, in order.
 */
function itemsOf<T>(
  entry: StepEntry,
  entries: readonly StepEntry[],
  items: readonly T[],
  info: (item: T) => Item,
): T[] {
  const mine = items
    .map((item) => ({ item, ...info(item) }))
    .filter((i) => i.routine === entry.routine && i.step === entry.step);
  if (PART_TYPES.has(entry.stepType ?? ''))
    return mine.filter((i) => i.time >= start(entry) && i.time <= end(entry)).map((i) => i.item);
  const runs = entries
    .filter((e) => e.routine === entry.routine && e.step === entry.step && !PART_TYPES.has(e.stepType ?? ''))
    .sort((a, b) => Number(a.entryId) - Number(b.entryId));
  const own = runs.findIndex((e) => e.entryId === entry.entryId);
  const out: T[] = [];
  let k = -1;
  const started = (r: StepEntry | undefined, time: number) => r !== undefined && start(r) <= time;
  for (const { item, time, begins } of mine) {
    if ((k < 0 || begins) && started(runs[k + 1], time)) k++;
    // Runs that ended before it wrote nothing more.
    while (k >= 0 && end(runs[k]!) < time && started(runs[k + 1], time)) k++;
    if (k >= 0 && k === own) out.push(item);
  }
  return out;
}

/** `routine.step` of a log entry, from its source location. */
function logStep(l: LogEntry): { routine: string | undefined; step: string | undefined } {
  const fn = l.sourceLocation?.function ?? '';
  const dot = fn.indexOf('.');
  return dot < 0
    ? { routine: undefined, step: undefined }
    : { routine: fn.slice(0, dot), step: fn.slice(dot + 1) };
}

const CALL_LOG = 'workflows.googleapis.com%2Fengine_call';
const SYS_LOG = '/logs/Workflows';

/** The log lines written while `entry` ran. */
export function stepLogs(
  entry: StepEntry,
  entries: readonly StepEntry[],
  logs: readonly LogEntry[],
): LogEntry[] {
  let afterBegun = false;
  return itemsOf(entry, entries, logs, (l) => {
    const { routine, step } = logStep(l);
    const begun = l.logName.endsWith(CALL_LOG) && l.jsonPayload?.state === 'BEGUN';
    const sysLog = l.logName.endsWith(SYS_LOG);
    const begins = begun || (sysLog && !afterBegun);
    // Only the lines of the entry's own step reach here in order, so this follows one step.
    if (routine === entry.routine && step === entry.step) afterBegun = begun;
    return { routine, step, time: Date.parse(l.timestamp), begins };
  });
}

/** The outbound calls `entry` made. */
export function stepCalls(
  entry: StepEntry,
  entries: readonly StepEntry[],
  requests: readonly RecordedRequest[],
): RecordedRequest[] {
  return itemsOf(entry, entries, requests, (r) => ({
    routine: r.routine,
    step: r.step,
    time: Date.parse(r.time),
    begins: true,
  }));
}
