/**
 * `recording` of a test environment: real calls recorded into a stubs file and replayed from it
 * (the emulator's Recording). Calls go to the stubs first; only calls no stub answers are
 * replayed, refused, or let through to the network (loopback and `allowHosts` only) and saved.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  hostAllowed,
  isLoopbackHost,
  isRecordMode,
  defaultRecordMode,
  Recording,
  RECORD_MODES,
  type HttpStubRequest,
  type OutboundRecording,
  type RecordMode,
  type RedactionOptions,
} from '@workflows-kit/emulator/seams';

export type { RecordMode, RedactionOptions };

/** The environment variable that picks the mode of every recording without a `mode` in code. */
export const RECORD_MODE_VARIABLE = 'WORKFLOWS_KIT_RECORD_MODE';

export interface RecordingSetup {
  /**
   * The stubs file recorded into and replayed from (relative to `process.cwd()`, or a URL).
   * `setupWorkflowsTest()` defaults it to `__recordings__/<test file name>.yaml` beside the test
   * file; `createTestEnvironment()` needs it.
   */
  file?: string | URL;
  /**
   * `replay` (no network; a call that is not recorded fails), `record` (everything goes to the
   * network and the file is rewritten), `record-missing` (replay what is recorded, record the
   * rest) or `passthrough` (network, nothing saved). Default: the WORKFLOWS_KIT_RECORD_MODE
   * variable, else `replay` when the CI variable is set and `record-missing` otherwise.
   */
  mode?: RecordMode;
  /** Hosts that recorded (and passthrough) calls may reach besides loopback, as `--allow-host` takes them. */
  allowHosts?: readonly string[];
  /** `false`: match calls on method and URL only. Default true (method, URL and body). */
  matchBody?: boolean;
  /** Body fields (JSON keys at any depth, form fields) not matched on, such as time stamps. */
  ignoreBodyFields?: readonly string[];
  /** Secrets beyond Authorization, Cookie, Set-Cookie, API-key headers and credential fields. */
  redact?: RedactionOptions;
}

/** `env.recording`: where calls are recorded or replayed from. */
export interface TestRecording {
  readonly file: string;
  readonly mode: RecordMode;
  /** Calls recorded in this environment so far. */
  readonly recordedCalls: number;
  /** Writes the file now (teardown does it too). Returns whether it wrote. */
  save(): Promise<boolean>;
}

/** What the environment needs from its recording. */
export interface EnvironmentRecording {
  readonly view: TestRecording;
  readonly allowHosts: readonly string[];
  readonly outbound: OutboundRecording;
  /** True when a call no stub answered may go to the network (and be recorded). */
  lets(request: HttpStubRequest): boolean;
  save(): Promise<boolean>;
}

function resolveMode(setup: RecordingSetup): RecordMode {
  if (setup.mode !== undefined) {
    if (!isRecordMode(setup.mode))
      throw new TypeError(
        `recording.mode must be one of ${RECORD_MODES.join(', ')}, got ${String(setup.mode)}`,
      );
    return setup.mode;
  }
  const fromEnv = process.env[RECORD_MODE_VARIABLE];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isRecordMode(fromEnv))
      throw new TypeError(
        `${RECORD_MODE_VARIABLE} must be one of ${RECORD_MODES.join(', ')}, got ${fromEnv}`,
      );
    return fromEnv;
  }
  return defaultRecordMode();
}

/** `__recordings__/<name>.yaml` beside a test file: where the runner helpers keep its recording. */
export function defaultRecordingFile(testPath: string): string {
  return path.join(path.dirname(testPath), '__recordings__', `${path.basename(testPath)}.yaml`);
}

/**
 * Opens the recording. `onMiss` hears of every call a replay refuses, so the environment can
 * fail the test even when the workflow catches the error.
 */
export async function openEnvironmentRecording(
  setup: RecordingSetup,
  onMiss: (request: HttpStubRequest, message: string) => void,
): Promise<EnvironmentRecording> {
  if (setup.file === undefined) {
    throw new TypeError(
      'recording.file is required with createTestEnvironment() (setupWorkflowsTest() puts it in __recordings__ beside the test file)',
    );
  }
  const file = setup.file instanceof URL ? fileURLToPath(setup.file) : path.resolve(setup.file);
  const mode = resolveMode(setup);
  const allowHosts = [...(setup.allowHosts ?? [])];
  const recording = await Recording.open({
    file,
    mode,
    ...(setup.matchBody !== undefined && { matchBody: setup.matchBody }),
    ...(setup.ignoreBodyFields && { ignoreBodyFields: setup.ignoreBodyFields }),
    ...(setup.redact && { redact: setup.redact }),
    recordHint:
      `Record it: run with ${RECORD_MODE_VARIABLE}=record-missing (or recording: { mode: 'record-missing' })` +
      (allowHosts.length === 0 ? ', with its host in recording.allowHosts unless it is loopback.' : '.'),
  });
  const view: TestRecording = {
    file,
    mode,
    get recordedCalls() {
      return recording.recordedCalls;
    },
    save: () => recording.save(),
  };
  return {
    view,
    allowHosts,
    outbound: {
      async lookup(request) {
        const found = await recording.lookup(request);
        if (found.kind === 'miss') onMiss(request, found.message);
        return found;
      },
      add: (request, response) => recording.add(request, response),
    },
    lets(request) {
      if (!recording.usesNetwork) return false;
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return false;
      }
      return isLoopbackHost(url.hostname) || hostAllowed(url, allowHosts);
    },
    save: () => recording.save(),
  };
}
