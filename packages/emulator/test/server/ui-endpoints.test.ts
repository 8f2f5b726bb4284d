/**
 * What the developer UI reads besides Google's APIs: the /emulator/v1 workflows, deployProblems,
 * executions and stepTree endpoints, the bundle under /ui/ and index.html for the UI's pages.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createServices } from '../../src/server/app.js';
import { createAppDeps, type AppDeps } from '../../src/server/deps.js';
import { watchWorkflowsDirectory } from '../../src/server/workflow-files.js';
import { ADD, FAIL, SLEEP, type Json } from './helpers.js';

const P = 'ui-proj';

describe('emulator endpoints for the UI', () => {
  let deps: AppDeps;
  let app: ReturnType<typeof createApp>;
  let svc: ReturnType<typeof createServices>;
  let uiDir: string;
  let wfDir: string;
  const ref = { alias: P, project: P };

  beforeAll(async () => {
    uiDir = await mkdtemp(join(tmpdir(), 'wf-ui-bundle-'));
    await mkdir(join(uiDir, 'assets'));
    await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>ui</title><div id="app"></div>');
    await writeFile(join(uiDir, 'assets', 'index-abc123.js'), 'console.log(1)');
    wfDir = await mkdtemp(join(tmpdir(), 'wf-ui-files-'));
    await writeFile(join(wfDir, 'adder.yaml'), ADD);
    await writeFile(join(wfDir, 'broken.yaml'), 'main:\n  steps:\n    - a:\n        next: nowhere\n');
    await writeFile(join(wfDir, '9lives.yaml'), ADD);
    deps = createAppDeps({ projectId: P, uiDir });
    svc = createServices(deps);
    app = createApp(deps, { services: svc });
    const watcher = await watchWorkflowsDirectory({
      dir: wfDir,
      project: P,
      location: 'europe-west1',
      files: deps.files,
      deploy: (id, source) => svc.workflows.deploy(ref, 'europe-west1', id, source),
    });
    watcher.close();
    svc.workflows.deploy(ref, 'us-central1', 'failer', FAIL);
    svc.workflows.deploy(ref, 'us-central1', 'sleeper', SLEEP);
  });

  afterAll(async () => {
    svc.executions.cancelAll();
    await rm(uiDir, { recursive: true, force: true });
    await rm(wfDir, { recursive: true, force: true });
  });

  it('lists the workflows of every location with their file and executions by state', async () => {
    const a = svc.executions.create(ref, 'europe-west1', 'adder', { argument: '{"a":1,"b":2}' });
    await svc.executions.whenSettled(a);
    const f = svc.executions.create(ref, 'us-central1', 'failer', {});
    await svc.executions.whenSettled(f);
    const res = await request(app).get(`/emulator/v1/workflows?project=${P}`).expect(200);
    const body = res.body as Json;
    expect(body.workflows.map((w: Json) => `${w.location}/${w.workflowId}`)).toEqual([
      'europe-west1/adder',
      'us-central1/failer',
      'us-central1/sleeper',
    ]);
    const adder = body.workflows[0] as Json;
    expect(adder).toMatchObject({
      name: `projects/${P}/locations/europe-west1/workflows/adder`,
      state: 'ACTIVE',
      revisionCount: 1,
      sourceFile: join(wfDir, 'adder.yaml'),
    });
    expect(adder.revisionId).toMatch(/^000001-[0-9a-f]{3}$/);
    expect(adder.revisionCreateTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(adder.executionCounts).toMatchObject({ SUCCEEDED: 1, FAILED: 0, ACTIVE: 0 });
    expect((body.workflows[1] as Json).executionCounts).toMatchObject({ FAILED: 1, SUCCEEDED: 0 });
    // Deployed through the API, not from a file.
    expect(body.workflows[1]).not.toHaveProperty('sourceFile');
    // Another project has none.
    expect((await request(app).get('/emulator/v1/workflows?project=other').expect(200)).body).toEqual({
      workflows: [],
    });
  });

  it('reports watched files that failed to deploy, with line and column', async () => {
    const res = await request(app).get('/emulator/v1/deployProblems').expect(200);
    const problems = (res.body as Json).deployProblems as Json[];
    expect(problems.map((p) => p.file)).toEqual([join(wfDir, '9lives.yaml'), join(wfDir, 'broken.yaml')]);
    expect(problems[1]).toMatchObject({
      location: 'europe-west1',
      workflowId: 'broken',
      problems: [{ line: 4, column: 15, message: expect.stringContaining("step 'nowhere' not found") }],
    });
    // A file whose name is no workflow ID has a problem with no position.
    expect(problems[0]!.problems).toEqual([{ message: expect.stringContaining('not a valid workflow ID') }]);
  });

  it('lists executions of all workflows newest first, filtered by workflow, location and state, in pages', async () => {
    const s1 = svc.executions.create(ref, 'us-central1', 'sleeper', {});
    const s2 = svc.executions.create(ref, 'us-central1', 'sleeper', {});
    const all = ((await request(app).get(`/emulator/v1/executions?project=${P}`).expect(200)).body as Json)
      .executions as Json[];
    expect(all.length).toBeGreaterThanOrEqual(4);
    const times = all.map((e) => `${e.createTime as string}`);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all[0]!.name).toBe(
      `projects/${P}/locations/us-central1/workflows/sleeper/executions/${s2.executionId}`,
    );
    expect(all[1]!.name).toContain(s1.executionId);
    // BASIC view: no argument or result.
    expect(all[0]).not.toHaveProperty('argument');

    const active = (
      (await request(app).get(`/emulator/v1/executions?project=${P}&state=ACTIVE`).expect(200)).body as Json
    ).executions as Json[];
    expect(active.map((e) => e.name.split('/').pop())).toEqual([s2.executionId, s1.executionId]);
    const adder = (
      (
        await request(app).get(
          `/emulator/v1/executions?project=${P}&workflow=adder&location=europe-west1&view=FULL`,
        )
      ).body as Json
    ).executions as Json[];
    expect(adder).toHaveLength(1);
    expect(adder[0]!.result).toBe('{"inputs":{"a":1,"b":2},"sum":3}');

    const page1 = (await request(app).get(`/emulator/v1/executions?project=${P}&pageSize=1`).expect(200))
      .body as Json;
    expect(page1.executions).toHaveLength(1);
    const page2 = (
      await request(app)
        .get(`/emulator/v1/executions?project=${P}&pageSize=1&pageToken=${page1.nextPageToken as string}`)
        .expect(200)
    ).body as Json;
    expect(page2.executions[0].name).toBe(all[1]!.name);

    const bad = await request(app).get(`/emulator/v1/executions?project=${P}&state=DONE`).expect(400);
    expect((bad.body as Json).error.status).toBe('INVALID_ARGUMENT');
    svc.executions.cancelAll();
  });

  it('gives the step tree of a revision, and 404 for an unknown workflow or revision', async () => {
    const res = await request(app)
      .get(`/emulator/v1/projects/${P}/locations/europe-west1/workflows/adder/stepTree`)
      .expect(200);
    const tree = res.body as Json;
    expect(tree.name).toBe(`projects/${P}/locations/europe-west1/workflows/adder`);
    expect(tree.sourceFile).toBe(join(wfDir, 'adder.yaml'));
    expect(tree.routines).toEqual([
      {
        name: 'main',
        params: [{ name: 'args' }],
        line: 1,
        column: 1,
        steps: [
          { name: 'compute', kind: 'assign', line: 4, column: 7, assign: ['total'] },
          { name: 'done', kind: 'return', line: 7, column: 7, value: '{sum: ${total}, inputs: ${args}}' },
        ],
      },
    ]);
    const missing = await request(app)
      .get(`/emulator/v1/projects/${P}/locations/europe-west1/workflows/nope/stepTree`)
      .expect(404);
    expect((missing.body as Json).error.status).toBe('NOT_FOUND');
    await request(app)
      .get(`/emulator/v1/projects/${P}/locations/europe-west1/workflows/adder/stepTree?revisionId=000009-abc`)
      .expect(404);
  });

  it('serves the bundle and index.html for every page of the UI, with a content security policy', async () => {
    for (const path of [
      '/',
      '/console',
      '/console/workflows/executions',
      '/console/workflows/workflow/x/y',
    ]) {
      const res = await request(app).get(path).expect(200);
      expect(res.type).toBe('text/html');
      expect(res.text).toContain('<div id="app">');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
    const asset = await request(app).get('/ui/assets/index-abc123.js').expect(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    await request(app).get('/ui/assets/missing.js').expect(404);
    // The REST surface is untouched.
    await request(app).get(`/v1/projects/${P}/locations/us-central1/workflows/nope`).expect(404);
  });

  it('answers the execution page with 404 for an unknown execution, still with the UI', async () => {
    const a = svc.executions.create(ref, 'europe-west1', 'adder', { argument: '{"a":1,"b":1}' });
    const ok = await request(app)
      .get(`/console/workflows/workflow/europe-west1/adder/execution/${a.executionId}?project=${P}`)
      .expect(200);
    expect(ok.text).toContain('<div id="app">');
    const missing = await request(app)
      .get(
        `/console/workflows/workflow/europe-west1/adder/execution/00000000-0000-4000-8000-000000000000?project=${P}`,
      )
      .expect(404);
    expect(missing.text).toContain('<div id="app">');
    // The page names its execution before any script runs.
    expect(ok.text).toContain(`<title>Execution ${a.executionId} · adder · workflows-emulator</title>`);
    // Paths the UI does not route are 404s like any unknown route.
    await request(app).get('/console/workflows/workflow/x/y/elsewhere').expect(404);
  });

  it('without a bundle, says how to build it and renders the execution page on the server', async () => {
    const bare = createAppDeps({ projectId: P, uiDir: join(uiDir, 'not-there') });
    const bareSvc = createServices(bare);
    const bareApp = createApp(bare, { services: bareSvc });
    const home = await request(bareApp).get('/').expect(200);
    expect(home.text).toContain('The developer UI is not built');
    expect(home.text).toContain('pnpm build');
    bareSvc.workflows.deploy(ref, 'us-central1', 'adder', ADD);
    const rec = bareSvc.executions.create(ref, 'us-central1', 'adder', { argument: '{"a":2,"b":2}' });
    await bareSvc.executions.whenSettled(rec);
    const page = await request(bareApp)
      .get(`/console/workflows/workflow/us-central1/adder/execution/${rec.executionId}?project=${P}`)
      .expect(200);
    expect(page.text).toContain('<pre id="result">');
  });
});
