/**
 * The packages as a user installs them. Packs the three packages with `pnpm pack`, checks each
 * tarball (files, manifest, exports, source maps), installs the tarballs with npm into a fresh
 * project in a temporary directory outside the workspace (no workspace links), and there:
 *
 * - runs every npm script of the project named `typecheck` or `test:*` (strict `tsc` over the
 *   test files with `skipLibCheck: false`, then vitest; later suites add their own `test:*`
 *   script and dev dependencies to scripts/packed-install/project/package.json);
 * - runs `npx workflows-emulator run FILE` (a success and a deploy error);
 * - starts `npx workflows-emulator` and runs a workflow on it through the packed client.
 *
 *   pnpm build && node --import tsx scripts/packed-install.ts [--keep]
 *
 * Needs only the npm registry; every server it starts listens on 127.0.0.1. Exits 1 with the
 * list of problems when anything is missing.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE = join(ROOT, 'scripts/packed-install/project');
const PACKAGES = ['emulator', 'client', 'testing'] as const;
const KEEP = process.argv.includes('--keep');

class PackedInstallError extends Error {
  override readonly name = 'PackedInstallError';
}

type Json = Record<string, unknown>;
type ExportMap = Record<string, string | Record<string, string>>;

const problems: string[] = [];
const problem = (text: string) => problems.push(text);

function log(text: string): void {
  process.stdout.write(`packed-install: ${text}\n`);
}

function run(command: string, args: readonly string[], options: SpawnSyncOptions & { cwd: string }): string {
  const r = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (r.error) throw new PackedInstallError(`${command} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new PackedInstallError(
      `${command} ${args.join(' ')} (in ${options.cwd}) exited ${r.status ?? r.signal}\n${String(r.stdout)}${String(r.stderr)}`,
    );
  }
  return String(r.stdout);
}

/** Runs a command with its output shown as it comes (long steps: npm install, the suites). */
function runShown(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): void {
  log(`$ ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { cwd, env, stdio: 'inherit' });
  if (r.error) throw new PackedInstallError(`${command}: ${r.error.message}`);
  if (r.status !== 0)
    throw new PackedInstallError(`${command} ${args.join(' ')} exited ${r.status ?? r.signal}`);
}

const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8')) as Json;

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** Every file target of an exports map, with the conditions that lead to it. */
function exportTargets(exports: ExportMap): { subpath: string; condition: string; target: string }[] {
  return Object.entries(exports).flatMap(([subpath, value]) =>
    typeof value === 'string'
      ? [{ subpath, condition: 'default', target: value }]
      : Object.entries(value).map(([condition, target]) => ({ subpath, condition, target })),
  );
}

/** The temporary directory must not sit under a package.json or node_modules that could mask a gap. */
function assertIsolated(dir: string): void {
  for (let d = dirname(dir); ; d = dirname(d)) {
    for (const marker of ['package.json', 'node_modules', 'pnpm-workspace.yaml']) {
      if (existsSync(join(d, marker)))
        throw new PackedInstallError(`${join(d, marker)} exists above ${dir}: set TMPDIR elsewhere`);
    }
    if (dirname(d) === d) break;
  }
  if (!relative(ROOT, dir).startsWith('..')) throw new PackedInstallError(`${dir} is inside the workspace`);
}

function requireBuilt(): void {
  for (const name of PACKAGES) {
    if (!existsSync(join(ROOT, 'packages', name, 'dist/index.js')))
      throw new PackedInstallError(`packages/${name}/dist is missing: run pnpm build first`);
  }
  if (!existsSync(join(ROOT, 'packages/emulator/dist/ui/index.html')))
    throw new PackedInstallError('packages/emulator/dist/ui is missing: run pnpm build first');
}

/** Packs one package; returns the tarball's path and its unpacked `package/` directory. */
function pack(name: string, work: string): { tarball: string; unpacked: string } {
  const dir = join(ROOT, 'packages', name);
  const dest = join(work, 'tarballs');
  mkdirSync(dest, { recursive: true });
  const before = new Set(readdirSync(dest));
  run('pnpm', ['pack', '--pack-destination', dest], { cwd: dir });
  const created = readdirSync(dest).filter((f) => !before.has(f) && f.endsWith('.tgz'));
  if (created.length !== 1)
    throw new PackedInstallError(`pnpm pack in ${dir} made ${created.join(', ') || 'nothing'}`);
  const tarball = join(dest, created[0]!);
  const unpacked = join(work, 'unpacked', name);
  mkdirSync(unpacked, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', unpacked], { cwd: work });
  return { tarball, unpacked: join(unpacked, 'package') };
}

/** What a user receives: files, manifest, exports and source maps of one tarball. */
function checkTarball(name: string, unpacked: string): void {
  const where = `@workflows-kit/${name}`;
  const source = readJson(join(ROOT, 'packages', name, 'package.json'));
  const packed = readJson(join(unpacked, 'package.json'));
  const files = new Set([...walk(unpacked)].map((f) => relative(unpacked, f).split(sep).join('/')));

  for (const required of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    if (!files.has(required)) problem(`${where}: ${required} is not in the tarball`);
  }
  const license = files.has('LICENSE') ? readFileSync(join(unpacked, 'LICENSE'), 'utf8') : '';
  if (!license.includes('Apache License') || !license.includes('Version 2.0'))
    problem(`${where}: LICENSE is not the Apache License 2.0`);
  if (readFileSync(join(ROOT, 'LICENSE'), 'utf8') !== license)
    problem(`${where}: LICENSE differs from the repository's`);
  for (const f of files) {
    if (/\.test\.(ts|js)$/.test(f)) problem(`${where}: test file ${f} is published`);
  }
  // The developer UI ships prebuilt: an installed emulator serves it with no build step.
  if (name === 'emulator') {
    if (!files.has('dist/ui/index.html'))
      problem(`${where}: the UI bundle dist/ui/index.html is not in the tarball`);
    if (![...files].some((f) => /^dist\/ui\/assets\/index-[\w-]+\.js$/.test(f)))
      problem(`${where}: the UI script dist/ui/assets/index-*.js is not in the tarball`);
  }

  if (packed['license'] !== 'Apache-2.0') problem(`${where}: license is ${String(packed['license'])}`);
  if ((packed['engines'] as Json | undefined)?.['node'] !== '>=20.19')
    problem(`${where}: engines.node is not ">=20.19"`);
  const repository = packed['repository'] as Json | undefined;
  if (repository?.['directory'] !== `packages/${name}` || typeof repository['url'] !== 'string')
    problem(`${where}: repository must have a url and directory "packages/${name}"`);
  if ((source['publishConfig'] as Json | undefined)?.['access'] !== 'public')
    problem(`${where}: publishConfig.access is not "public"`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, spec] of Object.entries((packed[field] as Record<string, string> | undefined) ?? {})) {
      if (spec.startsWith('workspace:')) problem(`${where}: ${field}.${dep} is still ${spec}`);
    }
  }

  // Exports: the same subpaths as in the workspace (publishConfig.exports must follow every new
  // one), no `source` condition (it names TypeScript that Node cannot load), every target present.
  const sourceExports = source['exports'] as ExportMap;
  const packedExports = packed['exports'] as ExportMap;
  const missing = Object.keys(sourceExports).filter((k) => !(k in packedExports));
  if (missing.length > 0) {
    problem(
      `${where}: exports ${missing.join(', ')} of packages/${name}/package.json are not published: ` +
        `add them to its publishConfig.exports`,
    );
  }
  for (const { subpath, condition, target } of exportTargets(packedExports)) {
    if (condition === 'source') problem(`${where}: exports["${subpath}"] publishes the source condition`);
    if (!files.has(target.replace(/^\.\//, '')))
      problem(`${where}: exports["${subpath}"].${condition} ${target} is not in the tarball`);
  }
  for (const [bin, target] of Object.entries((packed['bin'] as Record<string, string> | undefined) ?? {})) {
    if (!files.has(target.replace(/^\.\//, '')))
      problem(`${where}: bin ${bin} -> ${target} is not in the tarball`);
  }

  // Source maps name only files that are published.
  let maps = 0;
  for (const f of files) {
    if (!f.endsWith('.map')) continue;
    maps++;
    const map = readJson(join(unpacked, f)) as { sources?: string[] };
    for (const s of map.sources ?? []) {
      const target = relative(unpacked, resolve(dirname(join(unpacked, f)), s))
        .split(sep)
        .join('/');
      if (!files.has(target)) problem(`${where}: ${f} points at ${s}, which is not published`);
    }
  }
  if (maps === 0) problem(`${where}: no source maps in the tarball`);
}

/** Copies the fixture project and makes the tarballs its dependencies. */
function createProject(work: string, tarballs: Record<string, string>): string {
  const project = join(work, 'project');
  cpSync(FIXTURE, project, { recursive: true });
  const manifest = readJson(join(project, 'package.json'));
  manifest['dependencies'] = {
    ...(manifest['dependencies'] as Json),
    ...Object.fromEntries(
      Object.entries(tarballs).map(([name, tarball]) => [`@workflows-kit/${name}`, `file:${tarball}`]),
    ),
  };
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return project;
}

/** The packages must be real copies inside the project, not links back into the workspace. */
function checkInstalled(project: string): void {
  for (const name of PACKAGES) {
    const dir = join(project, 'node_modules/@workflows-kit', name);
    if (!existsSync(dir)) {
      problem(`@workflows-kit/${name} is not installed in the project`);
      continue;
    }
    if (lstatSync(dir).isSymbolicLink() || relative(project, realpathSync(dir)).startsWith('..'))
      problem(`@workflows-kit/${name} is a link, not an installed copy`);
  }
  // zod is the client's peer: one copy, the user's.
  if (existsSync(join(project, 'node_modules/@workflows-kit/client/node_modules/zod')))
    problem('@workflows-kit/client brought its own zod instead of using the peer');
}

function checkRunCommand(project: string, env: NodeJS.ProcessEnv): void {
  // `--no`: never fetch a registry package of that name if the bin were missing.
  const args = ['--no', '--', 'workflows-emulator', 'run', 'workflows/hello.yaml', '--stubs', 'stubs.yaml'];
  const out = run('npx', [...args, '--argument', '{"name":"packed"}'], { cwd: project, env });
  const result = JSON.parse(out) as unknown;
  if (JSON.stringify(result) !== JSON.stringify({ message: 'Hello, packed' }))
    problem(`npx workflows-emulator run printed ${out.trim()}`);
  else log(`npx workflows-emulator run: ${out.trim()}`);

  writeFileSync(join(project, 'broken.yaml'), 'main:\n  steps:\n    - a:\n        next: nowhere\n');
  const broken = spawnSync('npx', ['--no', '--', 'workflows-emulator', 'run', 'broken.yaml'], {
    cwd: project,
    env,
    encoding: 'utf8',
  });
  if (broken.status !== 2 || !/line 4, column \d+/.test(broken.stderr))
    problem(`npx workflows-emulator run broken.yaml: exit ${broken.status}, stderr ${broken.stderr}`);
}

/** Starts the emulator from the packed bin and runs hello.yaml on it through the packed client. */
async function checkServer(project: string, env: NodeJS.ProcessEnv): Promise<void> {
  const args = [
    '--no',
    '--',
    'workflows-emulator',
    '--port',
    '0',
    '--workflows-dir',
    'workflows',
    '--stubs',
    'stubs.yaml',
  ];
  // Its own process group, so that npx and the emulator under it stop together.
  const child = spawn('npx', args, { cwd: project, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  try {
    const host = await new Promise<string>((resolveHost, reject) => {
      const onData = () => {
        const m = /^export WORKFLOWS_EMULATOR_HOST=(\S+)$/m.exec(out);
        // The UI line is written after the export line and may come in a later chunk.
        if (m && /^developer UI: .*\n/m.test(out)) resolveHost(m[1]!);
      };
      child.stdout.on('data', onData);
      void exited.then((code) =>
        reject(new PackedInstallError(`the emulator exited ${code}:\n${out}${err}`)),
      );
    });
    await checkUi(host, out);
    const stubsLine = `loaded 1 stub from ${join(realpathSync(project), 'stubs.yaml')}`;
    if (!out.includes(stubsLine)) problem(`the emulator's start-up lines lack "${stubsLine}":\n${out}`);
    const result = run('node', ['client-check.mjs', 'client'], {
      cwd: project,
      env: { ...env, WORKFLOWS_EMULATOR_HOST: host },
    });
    if (result.trim() !== JSON.stringify({ message: 'Hello, client' }))
      problem(`the client against the packed emulator printed ${result.trim()}`);
    else log(`client against npx workflows-emulator on ${host}: ${result.trim()}`);
  } finally {
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
}

/** The packed emulator serves its prebuilt UI at `/` and links it in its start-up lines. */
async function checkUi(host: string, startupLines: string): Promise<void> {
  if (!startupLines.includes(`developer UI: http://${host}/\n`))
    problem(`the emulator's start-up lines do not link the built UI:\n${startupLines}`);
  const page = await fetch(`http://${host}/`);
  const html = await page.text();
  const script = /<script type="module" crossorigin src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  if (page.status !== 200 || script === undefined) {
    problem(`GET / on the packed emulator did not answer the UI: ${page.status} ${html.slice(0, 200)}`);
    return;
  }
  const js = await fetch(`http://${host}${script}`);
  if (js.status !== 200 || !(js.headers.get('content-type') ?? '').includes('javascript'))
    problem(`GET ${script} on the packed emulator answered ${js.status} ${js.headers.get('content-type')}`);
  else log(`the packed emulator serves its UI at http://${host}/ (${script})`);
}

async function main(): Promise<number> {
  requireBuilt();
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'workflows-kit-packed-')));
  let ok = false;
  try {
    assertIsolated(work);
    const tarballs: Record<string, string> = {};
    for (const name of PACKAGES) {
      const { tarball, unpacked } = pack(name, work);
      tarballs[name] = tarball;
      checkTarball(name, unpacked);
      log(`packed ${relative(work, tarball)}`);
    }
    if (problems.length > 0) return report(work);

    const project = createProject(work, tarballs);
    const env: NodeJS.ProcessEnv = { ...process.env, METADATA_SERVER_DETECTION: 'none' };
    runShown('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project, env);
    checkInstalled(project);
    const scripts = Object.keys(readJson(join(project, 'package.json'))['scripts'] as Json);
    for (const script of ['typecheck', ...scripts.filter((s) => s.startsWith('test:')).sort()]) {
      runShown('npm', ['run', '--silent', script], project, env);
    }
    checkRunCommand(project, env);
    await checkServer(project, env);
    ok = problems.length === 0;
    return report(work);
  } finally {
    if (ok && !KEEP) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
}

function report(work: string): number {
  if (problems.length === 0) {
    log('OK: the packed packages install and work in a project of their own');
    return 0;
  }
  process.stderr.write(`packed-install: ${problems.length} problem(s) (work directory ${work}):\n`);
  for (const p of problems) process.stderr.write(`  - ${p}\n`);
  return 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`packed-install: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
