import { beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/server/app.js';
import { createAppDeps, type AppDeps } from '../../src/server/deps.js';
import {
  ADD,
  deploy,
  ECHO,
  execute,
  expectGoogleError,
  INVALID,
  L,
  P,
  PARENT,
  REVISION,
  RFC3339_NANOS,
  SLEEP,
  waitDone,
} from './helpers.js';

let deps: AppDeps;
let app: Express;
beforeEach(() => {
  deps = createAppDeps();
  app = createApp(deps);
});

describe('workflows.create', () => {
  it('returns a finished operation whose response is the workflow', async () => {
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=echo`)
      .send({ sourceContents: ECHO, description: 'says it back', labels: { team: 'core' }, callLogLevel: 2 });
    expect(res.status).toBe(200);
    const op = res.body;
    expect(op.name).toMatch(new RegExp(`^${PARENT}/operations/operation-\\d+-[0-9a-f-]+$`));
    expect(op.done).toBe(true);
    expect(op.metadata).toMatchObject({
      '@type': 'type.googleapis.com/google.cloud.workflows.v1.OperationMetadata',
      target: `${PARENT}/workflows/echo`,
      verb: 'create',
      apiVersion: 'v1',
    });
    expect(op.metadata.createTime).toMatch(RFC3339_NANOS);
    const wf = op.response;
    expect(wf['@type']).toBe('type.googleapis.com/google.cloud.workflows.v1.Workflow');
    expect(wf).toMatchObject({
      name: `${PARENT}/workflows/echo`,
      description: 'says it back',
      state: 'ACTIVE',
      labels: { team: 'core' },
      sourceContents: ECHO,
      callLogLevel: 'LOG_ERRORS_ONLY',
      serviceAccount: `projects/${P}/serviceAccounts/123456789012-compute@developer.gserviceaccount.com`,
    });
    expect(wf.revisionId).toMatch(/^000001-[0-9a-f]{3}$/);
    for (const f of ['createTime', 'updateTime', 'revisionCreateTime']) expect(wf[f]).toMatch(RFC3339_NANOS);

    const got = await request(app).get(`/v1/${PARENT}/workflows/echo`);
    expect(got.status).toBe(200);
    const { ['@type']: _type, ...withoutType } = wf;
    expect(got.body).toEqual(withoutType);
  });

  it('the operation can be fetched, listed and deleted', async () => {
    const op = (await deploy(app, 'echo', ECHO)) as { name: string };
    const got = await request(app).get(`/v1/${op.name}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(op);
    const list = await request(app).get(`/v1/${PARENT}/operations`);
    expect(list.body.operations.map((o: { name: string }) => o.name)).toEqual([op.name]);
    const del = await request(app).delete(`/v1/${op.name}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({});
    expectGoogleError(await request(app).get(`/v1/${op.name}`), 404, 'NOT_FOUND');
    expectGoogleError(await request(app).delete(`/v1/${op.name}`), 404, 'NOT_FOUND');
  });

  it('rejects a duplicate ID with ALREADY_EXISTS (409)', async () => {
    await deploy(app, 'echo', ECHO);
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=echo`)
      .send({ sourceContents: ECHO });
    expectGoogleError(res, 409, 'ALREADY_EXISTS', /echo/);
  });

  it('reports every source problem with line and column in one INVALID_ARGUMENT', async () => {
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=bad`)
      .send({ sourceContents: INVALID });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT');
    const lines = (res.body.error.message as string)
      .split('\n')
      .filter((l) => /^line \d+, column \d+: /.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(res.body.error.message).toMatch(/line 6, column \d+/);
    expectGoogleError(await request(app).get(`/v1/${PARENT}/workflows/bad`), 404, 'NOT_FOUND');
  });

  it('reports several semantic problems at once', async () => {
    const src = `main:
  steps:
    - a:
        return: \${undefined_one}
    - b:
        next: nowhere
`;
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=bad`)
      .send({ sourceContents: src });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT');
    expect(res.body.error.message).toMatch(/line 4, column \d+: .*undefined_one/);
    expect(res.body.error.message).toMatch(/line 6, column \d+: .*nowhere/);
  });

  it('validates the workflow ID, the body and the labels', async () => {
    expectGoogleError(
      await request(app).post(`/v1/${PARENT}/workflows`).send({ sourceContents: ECHO }),
      400,
      'INVALID_ARGUMENT',
      /workflowId/,
    );
    for (const bad of ['1abc', 'a-', 'a'.repeat(65), 'with space', 'ünï']) {
      const res = await request(app)
        .post(`/v1/${PARENT}/workflows?workflowId=${encodeURIComponent(bad)}`)
        .send({ sourceContents: ECHO });
      expectGoogleError(res, 400, 'INVALID_ARGUMENT', /workflow ID/);
    }
    expectGoogleError(
      await request(app).post(`/v1/${PARENT}/workflows?workflowId=x`).send({}),
      400,
      'INVALID_ARGUMENT',
      /sourceContents/,
    );
    expectGoogleError(
      await request(app)
        .post(`/v1/${PARENT}/workflows?workflowId=x`)
        .send({ sourceContents: ECHO, colour: 'red' }),
      400,
      'INVALID_ARGUMENT',
      /Unknown name "colour"/,
    );
    expectGoogleError(
      await request(app).post(`/v1/${PARENT}/workflows?workflowId=x`).send({ sourceContents: 42 }),
      400,
      'INVALID_ARGUMENT',
      /sourceContents/,
    );
    expectGoogleError(
      await request(app)
        .post(`/v1/${PARENT}/workflows?workflowId=x`)
        .send({ sourceContents: ECHO, labels: { Upper: 'x' } }),
      400,
      'INVALID_ARGUMENT',
      /label key "Upper"/,
    );
    expectGoogleError(
      await request(app)
        .post(`/v1/${PARENT}/workflows?workflowId=x`)
        .send({ sourceContents: ECHO, callLogLevel: 'LOUD' }),
      400,
      'INVALID_ARGUMENT',
      /call_log_level/,
    );
    expectGoogleError(
      await request(app)
        .post(`/v1/${PARENT}/workflows?workflowId=x`)
        .send({ sourceContents: ECHO, userEnvVars: { GOOGLE_X: '1' } }),
      400,
      'INVALID_ARGUMENT',
      /GOOGLE/,
    );
    expectGoogleError(
      await request(app)
        .post(`/v1/${PARENT}/workflows?workflowId=x`)
        .send({ sourceContents: ECHO, description: 'd'.repeat(1001) }),
      400,
      'INVALID_ARGUMENT',
      /description/,
    );
  });

  it('rejects a source over 128 KB', async () => {
    const big = `${ECHO}# ${'x'.repeat(131_072)}\n`;
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=big`)
      .send({ sourceContents: big });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /131072|128 KB/);
  });

  it('accepts any project and location, and the project number for the configured project', async () => {
    const res = await request(app)
      .post('/v1/projects/other-proj/locations/europe-west4/workflows?workflowId=w')
      .send({ sourceContents: ECHO });
    expect(res.status).toBe(200);
    expect(res.body.response.name).toBe('projects/other-proj/locations/europe-west4/workflows/w');
    // Workflows live per project and location.
    expectGoogleError(await request(app).get(`/v1/${PARENT}/workflows/w`), 404, 'NOT_FOUND');
    await deploy(app, 'echo', ECHO);
    const byNumber = await request(app).get(`/v1/projects/123456789012/locations/${L}/workflows/echo`);
    expect(byNumber.status).toBe(200);
    expect(byNumber.body.name).toBe(`projects/123456789012/locations/${L}/workflows/echo`);
  });
});

describe('workflows.get / list / listRevisions', () => {
  it('gets a workflow at a given revision, and 404s an unknown revision', async () => {
    await deploy(app, 'w', ECHO);
    const r1 = (await request(app).get(`/v1/${PARENT}/workflows/w`)).body.revisionId as string;
    await request(app)
      .patch(`/v1/${PARENT}/workflows/w?updateMask=sourceContents`)
      .send({ sourceContents: ADD });
    const old = await request(app).get(`/v1/${PARENT}/workflows/w?revisionId=${r1}`);
    expect(old.status).toBe(200);
    expect(old.body.revisionId).toBe(r1);
    expect(old.body.sourceContents).toBe(ECHO);
    const cur = await request(app).get(`/v1/${PARENT}/workflows/w`);
    expect(cur.body.sourceContents).toBe(ADD);
    expect(cur.body.revisionId).toMatch(/^000002-/);
    expectGoogleError(
      await request(app).get(`/v1/${PARENT}/workflows/w?revisionId=000009-abc`),
      404,
      'NOT_FOUND',
    );
  });

  it('lists with paging, filter and orderBy', async () => {
    for (const id of ['charlie', 'alpha', 'bravo', 'delta']) {
      await request(app)
        .post(`/v1/${PARENT}/workflows?workflowId=${id}`)
        .send({ sourceContents: ECHO, labels: { env: id < 'c' ? 'prod' : 'dev' } });
    }
    const all = await request(app).get(`/v1/${PARENT}/workflows`);
    expect(all.status).toBe(200);
    expect(all.body.workflows.map((w: { name: string }) => w.name.split('/').pop())).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'delta',
    ]);
    expect(all.body.nextPageToken).toBeUndefined();

    const p1 = await request(app).get(`/v1/${PARENT}/workflows?pageSize=3`);
    expect(p1.body.workflows).toHaveLength(3);
    expect(typeof p1.body.nextPageToken).toBe('string');
    const p2 = await request(app).get(
      `/v1/${PARENT}/workflows?pageSize=3&pageToken=${p1.body.nextPageToken}`,
    );
    expect(p2.body.workflows.map((w: { name: string }) => w.name.split('/').pop())).toEqual(['delta']);
    expect(p2.body.nextPageToken).toBeUndefined();

    const prod = await request(app).get(`/v1/${PARENT}/workflows`).query({ filter: 'labels.env="prod"' });
    expect(prod.body.workflows.map((w: { name: string }) => w.name.split('/').pop())).toEqual([
      'alpha',
      'bravo',
    ]);
    const desc = await request(app).get(`/v1/${PARENT}/workflows`).query({ orderBy: 'name desc' });
    expect(desc.body.workflows[0].name).toMatch(/delta$/);
    const byName = await request(app)
      .get(`/v1/${PARENT}/workflows`)
      .query({ filter: `name="${PARENT}/workflows/charlie" OR name:*/delta` });
    expect(byName.body.workflows.map((w: { name: string }) => w.name.split('/').pop())).toEqual([
      'charlie',
      'delta',
    ]);

    expectGoogleError(
      await request(app).get(`/v1/${PARENT}/workflows`).query({ filter: 'colour="red"' }),
      400,
      'INVALID_ARGUMENT',
      /colour/,
    );
    expectGoogleError(
      await request(app).get(`/v1/${PARENT}/workflows`).query({ orderBy: 'name sideways' }),
      400,
      'INVALID_ARGUMENT',
    );
    expectGoogleError(
      await request(app).get(`/v1/${PARENT}/workflows`).query({ pageToken: 'garbage!' }),
      400,
      'INVALID_ARGUMENT',
      /page token/,
    );
    // A token only works with the parameters that produced it.
    expectGoogleError(
      await request(app)
        .get(`/v1/${PARENT}/workflows`)
        .query({ pageSize: 1, pageToken: p1.body.nextPageToken, filter: 'state=ACTIVE' }),
      400,
      'INVALID_ARGUMENT',
    );
    expectGoogleError(await request(app).get(`/v1/${PARENT}/workflows?pageSize=-1`), 400, 'INVALID_ARGUMENT');
  });

  it('lists revisions newest first with paging', async () => {
    await deploy(app, 'w', ECHO);
    for (let i = 0; i < 3; i++) {
      const res = await request(app)
        .patch(`/v1/${PARENT}/workflows/w?updateMask=sourceContents`)
        .send({ sourceContents: `${ECHO}# v${i}\n` });
      expect(res.status).toBe(200);
    }
    const res = await request(app).get(`/v1/${PARENT}/workflows/w:listRevisions?pageSize=3`);
    expect(res.status).toBe(200);
    const ids = res.body.workflows.map((w: { revisionId: string }) => w.revisionId);
    expect(ids.map((r: string) => r.slice(0, 6))).toEqual(['000004', '000003', '000002']);
    for (const id of ids) expect(id).toMatch(REVISION);
    const next = await request(app).get(
      `/v1/${PARENT}/workflows/w:listRevisions?pageSize=3&pageToken=${res.body.nextPageToken}`,
    );
    expect(next.body.workflows.map((w: { revisionId: string }) => w.revisionId.slice(0, 6))).toEqual([
      '000001',
    ]);
    expect(next.body.workflows[0].sourceContents).toBe(ECHO);
    expectGoogleError(await request(app).get(`/v1/${PARENT}/workflows/nope:listRevisions`), 404, 'NOT_FOUND');
  });
});

describe('workflows.patch', () => {
  it('makes a new revision only when sourceContents or serviceAccount change', async () => {
    await deploy(app, 'w', ECHO);
    const r1 = (await request(app).get(`/v1/${PARENT}/workflows/w`)).body.revisionId as string;

    const labelsOnly = await request(app)
      .patch(`/v1/${PARENT}/workflows/w?updateMask=labels,description`)
      .send({ labels: { a: 'b' }, description: 'new' });
    expect(labelsOnly.status).toBe(200);
    expect(labelsOnly.body.metadata.verb).toBe('update');
    expect(labelsOnly.body.response).toMatchObject({
      revisionId: r1,
      labels: { a: 'b' },
      description: 'new',
    });

    const sameSource = await request(app)
      .patch(`/v1/${PARENT}/workflows/w?updateMask=sourceContents`)
      .send({ sourceContents: ECHO });
    expect(sameSource.body.response.revisionId).toBe(r1);

    const sa = await request(app)
      .patch(`/v1/${PARENT}/workflows/w?updateMask=serviceAccount`)
      .send({ serviceAccount: 'runner@my-project.iam.gserviceaccount.com' });
    expect(sa.body.response.revisionId).toMatch(/^000002-/);
    expect(sa.body.response.serviceAccount).toBe(
      `projects/${P}/serviceAccounts/runner@my-project.iam.gserviceaccount.com`,
    );
    // The mask limits what changes: the description stays.
    expect(sa.body.response.description).toBe('new');

    const src = await request(app).patch(`/v1/${PARENT}/workflows/w`).send({ sourceContents: ADD });
    expect(src.body.response.revisionId).toMatch(/^000003-/);
    expect(src.body.response.labels).toEqual({ a: 'b' });
  });

  it('running executions keep their revision', async () => {
    await deploy(app, 'w', SLEEP);
    const running = await execute(app, 'w');
    const r1 = running.workflowRevisionId as string;
    await request(app)
      .patch(`/v1/${PARENT}/workflows/w?updateMask=sourceContents`)
      .send({ sourceContents: ECHO });
    const stillRunning = await request(app).get(`/v1/${running.name}`);
    expect(stillRunning.body.state).toBe('ACTIVE');
    expect(stillRunning.body.workflowRevisionId).toBe(r1);
    const fresh = await execute(app, 'w', 5);
    expect(fresh.workflowRevisionId).not.toBe(r1);
    expect((await waitDone(app, fresh.name)).result).toBe('5');
    await request(app).post(`/v1/${running.name}:cancel`).send({});
  });

  it('rejects invalid updates without changing anything', async () => {
    await deploy(app, 'w', ECHO);
    expectGoogleError(
      await request(app)
        .patch(`/v1/${PARENT}/workflows/w?updateMask=sourceContents`)
        .send({ sourceContents: INVALID }),
      400,
      'INVALID_ARGUMENT',
      /line \d+, column \d+/,
    );
    expectGoogleError(
      await request(app).patch(`/v1/${PARENT}/workflows/w?updateMask=state`).send({}),
      400,
      'INVALID_ARGUMENT',
      /update mask/,
    );
    expectGoogleError(
      await request(app)
        .patch(`/v1/${PARENT}/workflows/w`)
        .send({ name: `${PARENT}/workflows/other`, description: 'x' }),
      400,
      'INVALID_ARGUMENT',
    );
    expectGoogleError(
      await request(app).patch(`/v1/${PARENT}/workflows/missing`).send({ description: 'x' }),
      404,
      'NOT_FOUND',
    );
    const cur = await request(app).get(`/v1/${PARENT}/workflows/w`);
    expect(cur.body.sourceContents).toBe(ECHO);
    expect(cur.body.revisionId).toMatch(/^000001-/);
  });
});

describe('workflows.delete', () => {
  it('returns an operation with an Empty response and removes the workflow and its executions', async () => {
    await deploy(app, 'w', SLEEP);
    const exec = await execute(app, 'w');
    const res = await request(app).delete(`/v1/${PARENT}/workflows/w`);
    expect(res.status).toBe(200);
    expect(res.body.done).toBe(true);
    expect(res.body.metadata.verb).toBe('delete');
    expect(res.body.response).toEqual({ '@type': 'type.googleapis.com/google.protobuf.Empty' });
    expectGoogleError(await request(app).get(`/v1/${PARENT}/workflows/w`), 404, 'NOT_FOUND');
    expectGoogleError(await request(app).get(`/v1/${exec.name}`), 404, 'NOT_FOUND');
    expectGoogleError(await request(app).delete(`/v1/${PARENT}/workflows/w`), 404, 'NOT_FOUND');
    // The ID is free again.
    await deploy(app, 'w', ECHO);
  });
});

describe('locations', () => {
  it('gets and lists locations', async () => {
    const got = await request(app).get(`/v1/${PARENT}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ name: PARENT, locationId: L });
    const list = await request(app).get(`/v1/projects/${P}/locations`);
    expect(list.status).toBe(200);
    const ids = list.body.locations.map((l: { locationId: string }) => l.locationId);
    expect(ids).toContain('us-central1');
    expect(ids).toContain('europe-west1');
    for (const l of list.body.locations) expect(l.name).toBe(`projects/${P}/locations/${l.locationId}`);
    expectGoogleError(
      await request(app).get(`/v1/projects/${P}/locations/Not_A_Region`),
      400,
      'INVALID_ARGUMENT',
    );
  });
});

describe('revision IDs and service accounts', () => {
  it('takes the revision suffix from the injected ID source', async () => {
    const fixed = createAppDeps({ ids: { uuid: () => 'abcdef12-0000-4000-8000-000000000000' } });
    const fixedApp = createApp(fixed);
    const op = await deploy(fixedApp, 'w', ECHO);
    expect(op.response.revisionId).toBe('000001-abc');
  });

  it('normalizes projects/-/serviceAccounts/... to the caller project', async () => {
    const res = await request(app).post(`/v1/${PARENT}/workflows?workflowId=w`).send({
      sourceContents: ECHO,
      serviceAccount: 'projects/-/serviceAccounts/sa@x.iam.gserviceaccount.com',
    });
    expect(res.body.response.serviceAccount).toBe(
      `projects/${P}/serviceAccounts/sa@x.iam.gserviceaccount.com`,
    );
    expectGoogleError(
      await request(app)
        .post(`/v1/${PARENT}/workflows?workflowId=w2`)
        .send({ sourceContents: ECHO, serviceAccount: 'not an account' }),
      400,
      'INVALID_ARGUMENT',
    );
  });
});
