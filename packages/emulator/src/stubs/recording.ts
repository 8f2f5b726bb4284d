/**
 * Record and replay of real HTTP calls, in the manner of Polly.JS's modes and VCR's cassettes.
 * A recording is an ordinary stubs file: one stub per method, URL and request body, with the
 * answers in the order they came (`responses`, `times`), so `--stubs recording.yaml` replays it
 * too. The outbound transport asks the recording about every call no stub answered, before the
 * host policy: replay it, refuse it, or let it reach the network (and then save the answer).
 *
 * - `replay`: recorded calls are answered from the file; any other call fails, naming its method
 *   and URL. Nothing reaches the network.
 * - `record`: every call goes to the network (allowed hosts only) and the file is rewritten with
 *   what came back.
 * - `record-missing`: recorded calls are replayed, the others go to the network and are added.
 * - `passthrough`: calls go to the network; nothing is read or written.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import type { TransportResponse } from '../values/seams.js';
import { loadStubsFile } from './load-file.js';
import { UrlPattern } from './pattern.js';
import { RecordingRules, type BodyMatchOptions, type RedactionOptions } from './recording-format.js';
import { StubRegistry, type HttpStubRequest, type StubResponse } from './registry.js';
import { parseStubDefinition, StubValidationError } from './schema.js';

export const RECORD_MODES = ['replay', 'record', 'record-missing', 'passthrough'] as const;
export type RecordMode = (typeof RECORD_MODES)[number];

export function isRecordMode(value: unknown): value is RecordMode {
  return typeof value === 'string' && (RECORD_MODES as readonly string[]).includes(value);
}

/**
 * The mode when none is given: `replay` under CI (the `CI` variable that CI services set), so a
 * CI run never reaches a real service and a missing recording fails the build; otherwise
 * `record-missing`, so a new test records its calls on its first local run and existing
 * recordings are left as they are (Polly.JS's `recordIfMissing`, VCR's `once`).
 */
export function defaultRecordMode(env: Record<string, string | undefined> = process.env): RecordMode {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false'
    ? 'replay'
    : 'record-missing';
}

export interface RecordingOptions extends BodyMatchOptions {
  /** The stubs file (YAML, or JSON by its `.json` extension) read and written. */
  file: string;
  mode: RecordMode;
  /** Secrets beyond the defaults; see RedactionOptions. */
  redact?: RedactionOptions;
  /** Saves after every recorded call (a server that may be stopped at any time). Default false. */
  autosave?: boolean;
  /** Hears of a failed autosave (the next save tries again). */
  onAutosaveError?: (error: unknown) => void;
  /** The last line of a replay-miss message: how to record the call with this tool. */
  recordHint?: string;
}

/** What to do with a call no stub answered. */
export type RecordingLookup =
  | { kind: 'replay'; stubId: string; response: StubResponse }
  | { kind: 'miss'; message: string }
  | { kind: 'network' };

/** The recording's side of the outbound transport. */
export interface OutboundRecording {
  lookup(request: HttpStubRequest): Promise<RecordingLookup>;
  /** A real call's answer (record modes save it). */
  add(request: HttpStubRequest, response: TransportResponse): void;
}

/** A recording file that cannot be read as a stubs file. */
export class RecordingFileError extends Error {
  override readonly name = 'RecordingFileError';
  readonly code = 'INVALID_RECORDING';
}

/** One stub of the file, as written. Entries recorded here are grouped by `key`. */
interface FileEntry {
  key: string | undefined;
  definition: Record<string, unknown>;
  /** Id of its stub in the replay registry (entries loaded from the file). */
  stubId: string | undefined;
}

const RECORDED_FIELDS = new Set(['method', 'url', 'requestBody', 'times', 'responses']);

function canonical(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}

function entryKey(method: string, url: string, requestBody: { value: unknown } | undefined): string {
  return `${method} ${url} ${requestBody === undefined ? '-' : canonical(requestBody.value)}`;
}

const EXCERPT = 200;
function excerpt(v: unknown): string {
  const text = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT)}… (${text.length} chars)` : text;
}

export class Recording implements OutboundRecording {
  readonly file: string;
  readonly mode: RecordMode;
  readonly #rules: RecordingRules;
  readonly #replay = new StubRegistry();
  readonly #entries: FileEntry[] = [];
  readonly #byKey = new Map<string, FileEntry>();
  readonly #autosave: boolean;
  readonly #onAutosaveError: ((error: unknown) => void) | undefined;
  readonly #hint: string | undefined;
  #added = 0;
  #saving: Promise<void> = Promise.resolve();

  private constructor(options: RecordingOptions) {
    this.file = options.file;
    this.mode = options.mode;
    this.#rules = new RecordingRules({
      ...options.redact,
      ...(options.matchBody !== undefined && { matchBody: options.matchBody }),
      ...(options.ignoreBodyFields && { ignoreBodyFields: options.ignoreBodyFields }),
    });
    this.#autosave = options.autosave ?? false;
    this.#onAutosaveError = options.onAutosaveError;
    this.#hint = options.recordHint;
  }

  /**
   * Opens a recording: in `replay` and `record-missing` mode the file is read (a missing file is
   * an empty recording) and every stub in it validated, so a broken file fails here.
   */
  static async open(options: RecordingOptions): Promise<Recording> {
    if (!isRecordMode(options.mode))
      throw new TypeError(
        `record mode must be one of ${RECORD_MODES.join(', ')}, got ${String(options.mode)}`,
      );
    const recording = new Recording(options);
    if (options.mode === 'replay' || options.mode === 'record-missing') await recording.#load();
    return recording;
  }

  /** Calls saved so far in this session (not counting those read from the file). */
  get recordedCalls(): number {
    return this.#added;
  }

  /** Answers in the file (read and recorded). */
  get size(): number {
    return this.#entries.reduce((n, e) => n + responsesOf(e.definition).length, 0);
  }

  /** True when calls go to the network in this mode. */
  get usesNetwork(): boolean {
    return this.mode !== 'replay';
  }

  async #load(): Promise<void> {
    let defs: unknown[];
    try {
      defs = await loadStubsFile(this.file);
      defs.forEach((d, i) => parseStubDefinition(d, `stub at index ${i}`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing recorded yet
      const why = err instanceof StubValidationError ? err.message : String(err);
      throw new RecordingFileError(`recording ${this.file} is not a valid stubs file: ${why}`, {
        cause: err,
      });
    }
    for (const raw of defs) {
      const definition = raw as Record<string, unknown>;
      const info = this.#replay.add(definition);
      const recorded =
        Object.keys(definition).every((k) => RECORDED_FIELDS.has(k)) &&
        typeof definition['method'] === 'string' &&
        typeof definition['url'] === 'string';
      const key = recorded
        ? entryKey(
            definition['method'] as string,
            definition['url'] as string,
            'requestBody' in definition ? { value: definition['requestBody'] } : undefined,
          )
        : undefined;
      const entry: FileEntry = { key, definition, stubId: info.id };
      this.#entries.push(entry);
      if (key !== undefined && !this.#byKey.has(key)) this.#byKey.set(key, entry);
    }
  }

  async lookup(request: HttpStubRequest): Promise<RecordingLookup> {
    if (this.mode === 'record' || this.mode === 'passthrough') return { kind: 'network' };
    const { match } = await this.#replay.find(request);
    if (match) return { kind: 'replay', stubId: match.stubId, response: await match.respond() };
    if (this.mode === 'record-missing') return { kind: 'network' };
    return { kind: 'miss', message: this.#missMessage(request) };
  }

  add(request: HttpStubRequest, response: TransportResponse): void {
    if (this.mode !== 'record' && this.mode !== 'record-missing') return;
    const url = this.#rules.url(request.url);
    const requestBody = this.#rules.requestBody(request.body, request.headers);
    const key = entryKey(request.method, url, requestBody);
    let entry = this.#byKey.get(key);
    if (!entry) {
      const definition: Record<string, unknown> = { method: request.method, url };
      if (requestBody) definition['requestBody'] = requestBody.value;
      definition['times'] = 0;
      definition['responses'] = [];
      entry = { key, definition, stubId: undefined };
      this.#entries.push(entry);
      this.#byKey.set(key, entry);
    }
    const responses = responsesOf(entry.definition);
    responses.push(this.#rules.response(response));
    entry.definition['responses'] = responses;
    entry.definition['times'] = responses.length;
    this.#added++;
    if (this.#autosave) void this.save().catch((err: unknown) => this.#onAutosaveError?.(err));
  }

  /** The file's text: the stubs sorted by URL, method and request body. */
  toYaml(): string {
    const recorded = this.#entries
      .filter((e) => e.key !== undefined)
      .sort((a, b) => compareKeys(a.key!, b.key!));
    const others = this.#entries.filter((e) => e.key === undefined);
    const stubs = [...others, ...recorded].map((e) => e.definition);
    const header =
      `Recorded by workflows-kit (mode ${this.mode}). A stubs file: each stub answers its calls in order, ` +
      `then stops matching.\nSecrets are written as <redacted> (headers, body fields) or * (query ` +
      `values); <ignored> body fields match any value.`;
    if (this.file.toLowerCase().endsWith('.json')) return `${JSON.stringify({ stubs }, null, 2)}\n`;
    const text = stringify({ stubs }, { aliasDuplicateObjects: false, lineWidth: 0 });
    return `${header
      .split('\n')
      .map((l) => `# ${l}`)
      .join('\n')}\n${text}`;
  }

  /**
   * Writes the file when this session recorded something (`record` mode: always, so that a
   * re-recording drops calls no longer made). Atomic: a reader never sees half a file.
   * Returns whether it wrote.
   */
  save(): Promise<boolean> {
    const write = this.mode === 'record' || (this.mode === 'record-missing' && this.#added > 0);
    const run = this.#saving.then(async () => {
      if (!write) return false;
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(tmp, this.toYaml(), 'utf8');
      await rename(tmp, this.file);
      return true;
    });
    this.#saving = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  #missMessage(request: HttpStubRequest): string {
    const lines = [
      `No recorded call matches ${request.method} ${request.url} (record mode replay, recording ${this.file})`,
      `  from step "${request.origin.step}" (routine "${request.origin.routine}") of workflow "${request.origin.workflowId}", execution ${request.origin.executionId}`,
    ];
    if (request.body !== null && request.body !== undefined) lines.push(`  body: ${excerpt(request.body)}`);
    const calls = new Map(this.#replay.list().map((s) => [s.id, s.calls]));
    const same = this.#entries.filter((e) => {
      const d = e.definition;
      if (typeof d['url'] !== 'string' || !new UrlPattern(d['url']).test(request.url)) return false;
      const m = d['method'];
      return m === undefined || m === '*' || (typeof m === 'string' && m.toUpperCase() === request.method);
    });
    if (this.#entries.length === 0) lines.push('  The recording is empty (or its file does not exist yet).');
    else if (same.length === 0) lines.push(`  Nothing is recorded for ${request.method} ${request.url}.`);
    for (const e of same) {
      const n = responsesOf(e.definition).length || 1;
      const used = e.stubId === undefined ? 0 : (calls.get(e.stubId) ?? 0);
      const body =
        'requestBody' in e.definition ? ` for the body ${excerpt(e.definition['requestBody'])}` : '';
      lines.push(`  Recorded${body}: ${n} answer${n === 1 ? '' : 's'}, ${used} used.`);
    }
    if (this.#hint) lines.push(this.#hint);
    return lines.join('\n');
  }
}

function responsesOf(definition: Record<string, unknown>): unknown[] {
  const r = definition['responses'];
  return Array.isArray(r) ? [...(r as unknown[])] : [];
}

function compareKeys(a: string, b: string): number {
  // URL first, then method: calls to one endpoint sit together in the file.
  const [am, au] = splitKey(a);
  const [bm, bu] = splitKey(b);
  if (au !== bu) return au < bu ? -1 : 1;
  if (am !== bm) return am < bm ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function splitKey(key: string): [string, string] {
  const [method = '', url = ''] = key.split(' ', 2);
  return [method, url];
}
