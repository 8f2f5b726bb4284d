/**
 * Data-driven step-history cases: each test/history/*.yaml holds a workflow, how to run it and
 * the step entries the Executions API must list for it. Each runs on a listening emulator:
 * the execution is created with Google's own client, and the entries are read over HTTP with
 * `stepEntries.list`, which Google documents as REST only
 * (https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries/list).
 * Times are left out of the comparison; everything else must be equal.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionsClient } from '@google-cloud/workflows';
import { parse } from 'yaml';
import { startEmulator, type RunningEmulator } from '../../src/emulator.js';
import { officialClientOptions } from './official-client-options.js';

interface HistoryCase {
  description?: string;
  /** `executionHistoryLevel` of the execution. */
  level?: string;
  argument?: unknown;
  /** Cancel the execution once the entry of this step is in progress (e.g. a sleep). */
  cancelAt?: string;
  expect: {
    state: string;
    /** The entries without `name`, `createTime` and `updateTime`, in entry order. */
    entries: Record<string, unknown>[];
  };
  workflow: string;
}

const PROJECT = 'history-project';
const LOCATION = 'us-central1';
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../history');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

let emulator: RunningEmulator;
let executions: ExecutionsClient;

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  executions = new ExecutionsClient(officialClientOptions(emulator.port));
});

afterAll(async () => {
  await executions?.close();
  await emulator?.stop();
});

interface Entry extends Record<string, unknown> {
  name: string;
  step: string;
  state: string;
  createTime: string;
  updateTime: string;
}

async function listEntries(execution: string): Promise<Entry[]> {
  const res = await fetch(`${emulator.url}/v1/${execution}/stepEntries`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { stepEntries?: Entry[]; totalSize: number };
  const entries = body.stepEntries ?? [];
  expect(body.totalSize).toBe(entries.length);
  return entries;
}

async function settled(execution: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [ex] = await executions.getExecution({ name: execution });
    if (ex.state !== 'ACTIVE' && ex.state !== 'QUEUED') return String(ex.state);
    if (Date.now() > deadline) throw new Error(`execution still ${String(ex.state)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function reached(execution: string, step: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await listEntries(execution)).some((e) => e.step === step && e.state === 'STATE_IN_PROGRESS')) {
    if (Date.now() > deadline) throw new Error(`step ${step} never started`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('step history cases', () => {
  it('has cases', () => {
    expect(files.length).toBeGreaterThan(10);
  });
  for (const file of files) {
    const c = parse(readFileSync(path.join(dir, file), 'utf8')) as HistoryCase;
    it(`${file}${c.description ? `: ${c.description}` : ''}`, async () => {
      const workflowId = path.basename(file, '.yaml').replace(/^\d+-/, '').slice(0, 60);
      emulator.deploy(workflowId, c.workflow, { project: PROJECT, location: LOCATION });
      // Created over REST: the official client (4.4.0) has no `executionHistoryLevel` field.
      const parent = executions.workflowPath(PROJECT, LOCATION, workflowId);
      const res = await fetch(`${emulator.url}/v1/${parent}/executions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          ...(c.argument !== undefined && { argument: JSON.stringify(c.argument) }),
          ...(c.level !== undefined && { executionHistoryLevel: c.level }),
        }),
      });
      expect(res.status).toBe(200);
      const created = (await res.json()) as { name: string; executionHistoryLevel?: string };
      expect(created.executionHistoryLevel).toBe(c.level);
      const name = created.name;
      if (c.cancelAt !== undefined) {
        await reached(name, c.cancelAt);
        await executions.cancelExecution({ name });
        // The executor unwinds after the API has answered: wait until nothing is in progress.
        const deadline = Date.now() + 10_000;
        while ((await listEntries(name)).some((e) => e.state === 'STATE_IN_PROGRESS')) {
          if (Date.now() > deadline) throw new Error('entries still in progress after the cancellation');
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      expect(await settled(name)).toBe(c.expect.state);
      const entries = await listEntries(name);
      for (const e of entries) {
        expect(e.name).toBe(`${name}/stepEntries/${e.entryId as string}`);
        expect(Date.parse(e.updateTime)).toBeGreaterThanOrEqual(Date.parse(e.createTime));
      }
      const shown = entries.map(({ name: _n, createTime: _c, updateTime: _u, ...rest }) => rest);
      if (process.env.PRINT_HISTORY_CASES) console.log(file, JSON.stringify(shown));
      expect(shown).toEqual(c.expect.entries);
    });
  }
});
