/**
 * Workflows deployed from files (`--workflows-dir`): which file each revision came from, and the
 * problems of watched files that failed to deploy, so the developer UI can show a broken save
 * with its line and column instead of leaving it in the terminal.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { WorkflowSourceError } from '../source/index.js';
import type { WorkflowKey } from '../store/types.js';
import { ApiError } from './api-error.js';
import { isValidWorkflowId } from './names.js';

export const WORKFLOW_FILE_EXTENSIONS: ReadonlySet<string> = new Set(['.yaml', '.yml', '.json']);

/** One problem of a file; no line and column when it is about the file as a whole (e.g. its name). */
export interface FileProblem {
  line?: number;
  column?: number;
  message: string;
}

/** A watched file whose last save could not be deployed. */
export interface DeployProblem {
  /** Absolute path. */
  file: string;
  project: string;
  location: string;
  workflowId: string;
  /** Epoch milliseconds of the failed attempt. */
  time: number;
  problems: FileProblem[];
}

/** What changed, for listeners (the live event stream publishes these). */
export type WorkflowFileChange =
  | { kind: 'deployed'; file: string; key: WorkflowKey; revisionId: string }
  | { kind: 'problem'; problem: DeployProblem }
  | { kind: 'fixed'; file: string; key: WorkflowKey };

const problemKey = (p: DeployProblem): WorkflowKey => ({
  project: p.project,
  location: p.location,
  workflowId: p.workflowId,
});

const revisionKey = (k: WorkflowKey, revisionId: string) =>
  `${k.project}\n${k.location}\n${k.workflowId}\n${revisionId}`;

export class WorkflowFiles {
  private readonly fileOfRevision = new Map<string, string>();
  private readonly problemOfFile = new Map<string, DeployProblem>();
  private readonly listeners = new Set<(change: WorkflowFileChange) => void>();

  /** Records that `file` deployed `revisionId` of the workflow (and clears the file's problems). */
  deployed(file: string, key: WorkflowKey, revisionId: string): void {
    this.fileOfRevision.set(revisionKey(key, revisionId), file);
    const problem = this.problemOfFile.get(file);
    this.problemOfFile.delete(file);
    this.emit({ kind: 'deployed', file, key, revisionId });
    if (problem) this.emit({ kind: 'fixed', file, key: problemKey(problem) });
  }

  failed(problem: DeployProblem): void {
    this.problemOfFile.set(problem.file, problem);
    this.emit({ kind: 'problem', problem });
  }

  /** The file a revision was deployed from, if it came from a watched directory. */
  sourceFile(key: WorkflowKey, revisionId: string): string | undefined {
    return this.fileOfRevision.get(revisionKey(key, revisionId));
  }

  /** Forgets where an evicted revision came from. */
  forgetRevision(key: WorkflowKey, revisionId: string): void {
    this.fileOfRevision.delete(revisionKey(key, revisionId));
  }

  /** Files whose last save failed to deploy, by path. */
  problems(): DeployProblem[] {
    return [...this.problemOfFile.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  /** Calls `listener` on every change; returns the function that stops it. */
  onChange(listener: (change: WorkflowFileChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets every file (a reset): problems shown are reported fixed. */
  clear(): void {
    const problems = this.problems();
    this.fileOfRevision.clear();
    this.problemOfFile.clear();
    for (const p of problems) this.emit({ kind: 'fixed', file: p.file, key: problemKey(p) });
  }

  private emit(change: WorkflowFileChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // A listener never breaks a deploy.
      }
    }
  }
}

export interface WatchWorkflowsDirectoryOptions {
  /** Absolute directory path. */
  dir: string;
  project: string;
  location: string;
  files: WorkflowFiles;
  /** Creates or redeploys the workflow; returns the current revision ID; throws ApiError on bad source. */
  deploy: (workflowId: string, source: string) => string;
  onDeployed?: (e: { workflowId: string; revisionId: string; path: string }) => void;
  /** The file could not be deployed: `message` is the whole report (every problem, line by line). */
  onFailed?: (e: { workflowId: string; path: string; message: string; skipped: boolean }) => void;
  /** Milliseconds a file must stay quiet before it is read (editors save in bursts). Default 50. */
  settleMs?: number;
}

/** Problems of a failed deploy: from the loader's problem list when there is one. */
function problemsOf(err: unknown): FileProblem[] {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof WorkflowSourceError) {
    return cause.problems.map((p) => ({ line: p.line, column: p.column, message: p.message }));
  }
  return [{ message: err instanceof Error ? err.message : String(err) }];
}

/** Deploys every workflow file of a directory, then redeploys files as they change. */
export async function watchWorkflowsDirectory(options: WatchWorkflowsDirectoryOptions): Promise<FSWatcher> {
  const { dir, project, location, files } = options;
  const lastSource = new Map<string, string>(); // file -> source last deployed (or rejected)
  const deployFile = async (name: string): Promise<void> => {
    if (!WORKFLOW_FILE_EXTENSIONS.has(extname(name).toLowerCase())) return;
    const path = join(dir, name);
    const source = await readFile(path, 'utf8').catch(() => undefined);
    if (source === undefined || lastSource.get(name) === source) return;
    lastSource.set(name, source);
    const workflowId = basename(name, extname(name));
    const fail = (problems: FileProblem[], message: string, skipped: boolean) => {
      files.failed({ file: path, project, location, workflowId, time: Date.now(), problems });
      options.onFailed?.({ workflowId, path, message, skipped });
    };
    if (!isValidWorkflowId(workflowId)) {
      const message = `"${workflowId}" is not a valid workflow ID (letters, digits, _ and -, starting with a letter)`;
      fail([{ message }], message, true);
      return;
    }
    try {
      const revisionId = options.deploy(workflowId, source);
      files.deployed(path, { project, location, workflowId }, revisionId);
      options.onDeployed?.({ workflowId, revisionId, path });
    } catch (err) {
      fail(problemsOf(err), err instanceof ApiError ? err.message : String(err), false);
    }
  };
  const names = (await readdir(dir)).sort();
  for (const f of names) await deployFile(f);

  const timers = new Map<string, NodeJS.Timeout>();
  const watcher = watch(dir, (_event, filename) => {
    if (!filename) return;
    const name = filename.toString();
    clearTimeout(timers.get(name));
    timers.set(
      name,
      setTimeout(() => {
        timers.delete(name);
        void deployFile(name);
      }, options.settleMs ?? 50),
    );
  });
  watcher.on('close', () => {
    for (const t of timers.values()) clearTimeout(t);
  });
  return watcher;
}
