/**
 * Hostile or careless input never gets a 500 or an answer that grows with the input: depth
 * bounds, size bounds and excerpts, each answered in Google's error envelope.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/server/app.js';
import { deploy, ECHO, expectGoogleError, PARENT } from './helpers.js';

let app: Express;
beforeEach(async () => {
  app = createApp();
  await deploy(app, 'echo', ECHO);
});

describe('depth bounds', () => {
  it('a filter with 2,000 nested parentheses → 400 naming the limit', async () => {
    const filter = `${'('.repeat(2000)}state=ACTIVE${')'.repeat(2000)}`;
    const res = await request(app).get(`/v1/${PARENT}/workflows/echo/executions`).query({ filter });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /parentheses nest deeper than 100 levels/);
    expect(res.text.length).toBeLessThan(500);
    // Reasonable nesting still works.
    const ok = await request(app)
      .get(`/v1/${PARENT}/workflows/echo/executions`)
      .query({ filter: `${'('.repeat(50)}state=ACTIVE${')'.repeat(50)}` });
    expect(ok.status).toBe(200);
  });
});

describe('error messages quote an excerpt of the input', () => {
  it('a 1 MB label value gives a short error', async () => {
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .send({ labels: { k: 'x'.repeat(1024 * 1024) } });
    expectGoogleError(
      res,
      400,
      'INVALID_ARGUMENT',
      /Invalid value "x{100}… \(1048576 characters\)" for label "k"/,
    );
    expect(res.text.length).toBeLessThan(500);
  });

  it('an enum given a huge value gives a short error', async () => {
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .send({ callLogLevel: 'L'.repeat(100_000) });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /callLogLevel|call_log_level/i);
    expect(res.text.length).toBeLessThan(1000);
  });

  it('any other message is capped by the error handler', async () => {
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=envs`)
      .send({ sourceContents: ECHO, userEnvVars: { [`GOOGLE_${'X'.repeat(500_000)}`]: 'v' } });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /message cut; \d+ characters/);
    expect(res.text.length).toBeLessThan(5000);
  });

  it('a long filter is quoted as an excerpt', async () => {
    const res = await request(app)
      .get(`/v1/${PARENT}/workflows/echo/executions`)
      .query({ filter: `state=ACTIVE ${'x'.repeat(10_000)}` });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /Invalid filter "state=ACTIVE x+… \(10013 characters\)"/);
  });
});
