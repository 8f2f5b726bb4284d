import request from 'supertest';
import type { Express } from 'express';
import { expect } from 'vitest';

/** Response bodies are checked field by field; `any` keeps the tests readable. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export const P = 'my-project';
export const L = 'us-central1';
export const PARENT = `projects/${P}/locations/${L}`;

export const ECHO = `main:
  params: [args]
  steps:
    - echo:
        return: \${args}
`;

export const ADD = `main:
  params: [args]
  steps:
    - compute:
        assign:
          - total: \${args.a + args.b}
    - done:
        return:
          sum: \${total}
          inputs: \${args}
`;

export const FAIL = `main:
  steps:
    - prepare:
        assign:
          - m: {}
    - explode:
        raise:
          message: boom
          code: 7
`;

export const SLEEP = `main:
  steps:
    - nap:
        call: sys.sleep
        args:
          seconds: 3600
    - never:
        return: late
`;

export const CALLBACK = `main:
  steps:
    - create:
        call: events.create_callback_endpoint
        args:
          http_callback_method: PUT
        result: cb
    - wait:
        call: events.await_callback
        args:
          callback: \${cb}
          timeout: 3600
        result: req
    - done:
        return:
          body: \${req.http_request.body}
          method: \${req.http_request.method}
`;

export const INVALID = `main:
  steps:
    - first:
        assign:
          - x: 1
        bogus: true
    - second:
        return: \${undefined_var + 1}
    - third:
        next: nowhere
`;

export async function deploy(app: Express, id: string, source: string): Promise<Json> {
  const res = await request(app)
    .post(`/v1/${PARENT}/workflows?workflowId=${id}`)
    .send({ sourceContents: source });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Json;
}

export async function execute(app: Express, id: string, argument?: unknown): Promise<Json> {
  const body = argument === undefined ? {} : { argument: JSON.stringify(argument) };
  const res = await request(app).post(`/v1/${PARENT}/workflows/${id}/executions`).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Json;
}

/** Polls an execution until it leaves ACTIVE/QUEUED. */
export async function waitDone(app: Express, name: string, timeoutMs = 5000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(app).get(`/v1/${name}`);
    expect(res.status).toBe(200);
    if (res.body.state !== 'ACTIVE' && res.body.state !== 'QUEUED') return res.body as Json;
    if (Date.now() > deadline) throw new Error(`execution ${name} still ${res.body.state}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Polls a condition. */
export async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function expectGoogleError(
  res: request.Response,
  code: number,
  status: string,
  message?: RegExp,
): void {
  expect(res.status, JSON.stringify(res.body)).toBe(code);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error.code).toBe(code);
  expect(res.body.error.status).toBe(status);
  expect(typeof res.body.error.message).toBe('string');
  if (message) expect(res.body.error.message).toMatch(message);
}

export const RFC3339_NANOS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const REVISION = /^\d{6}-[0-9a-f]{3}$/;
