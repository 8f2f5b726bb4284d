/**
 * `--recording FILE` and `--record-mode MODE` of the `workflows-emulator` command (both the server
 * and `run`): record real calls into a stubs file, or replay them from it (stubs/recording.ts).
 */
import { resolve } from 'node:path';
import { defaultRecordMode, isRecordMode, Recording, RECORD_MODES, type RecordMode } from './stubs/index.js';

export interface RecordingSettings {
  file: string;
  mode: RecordMode;
  /** More header and field names to redact. */
  redact: string[];
  /** Body fields not matched on. */
  ignoreBodyFields: string[];
}

export const RECORDING_USAGE = `  --recording FILE       record calls that no stub answers into FILE (a stubs file), or replay
                         them from it (WORKFLOWS_EMULATOR_RECORDING)
  --record-mode MODE     replay (no network; a call not recorded fails), record (re-record all),
                         record-missing (replay what is recorded, record the rest) or passthrough
                         (WORKFLOWS_EMULATOR_RECORD_MODE; default replay when CI is set,
                         record-missing otherwise)
  --redact NAME          also write this header, body field or query parameter as <redacted>
                         in the recording; repeatable (WORKFLOWS_EMULATOR_REDACT, comma-separated)
  --ignore-body-field NAME
                         match recorded calls without this body field (a time stamp, a nonce);
                         repeatable (WORKFLOWS_EMULATOR_IGNORE_BODY_FIELDS, comma-separated)
`;

/** The recording asked for, or undefined; throws a message for the usage error. */
export function recordingSettings(
  values: {
    recording?: string | undefined;
    'record-mode'?: string | undefined;
    redact?: string[] | undefined;
    'ignore-body-field'?: string[] | undefined;
  },
  env: Record<string, string | undefined>,
): RecordingSettings | undefined {
  const list = (given: string[] | undefined, variable: string) =>
    given ??
    (env[variable] ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const file = values.recording ?? (env['WORKFLOWS_EMULATOR_RECORDING'] || undefined);
  const modeText = values['record-mode'] ?? (env['WORKFLOWS_EMULATOR_RECORD_MODE'] || undefined);
  if (modeText !== undefined && !isRecordMode(modeText))
    throw new Error(`--record-mode must be one of ${RECORD_MODES.join(', ')}, got ${modeText}`);
  if (file === undefined) {
    for (const flag of ['record-mode', 'redact', 'ignore-body-field'] as const)
      if (values[flag] !== undefined) throw new Error(`--${flag} needs --recording FILE`);
    return undefined;
  }
  return {
    file: resolve(file),
    mode: modeText ?? defaultRecordMode(env),
    redact: list(values.redact, 'WORKFLOWS_EMULATOR_REDACT'),
    ignoreBodyFields: list(values['ignore-body-field'], 'WORKFLOWS_EMULATOR_IGNORE_BODY_FIELDS'),
  };
}

export function openRecording(
  settings: RecordingSettings,
  options: { autosave: boolean; onAutosaveError?: (error: unknown) => void },
): Promise<Recording> {
  return Recording.open({
    file: settings.file,
    mode: settings.mode,
    redact: { headers: settings.redact, fields: settings.redact },
    ignoreBodyFields: settings.ignoreBodyFields,
    autosave: options.autosave,
    ...(options.onAutosaveError && { onAutosaveError: options.onAutosaveError }),
    recordHint:
      'Record it: run with --record-mode record-missing (or WORKFLOWS_EMULATOR_RECORD_MODE=record-missing) ' +
      'and --allow-host for its host unless it is loopback.',
  });
}

/** The start-up line that says where calls are recorded or replayed from. */
export function describeRecording(recording: Recording): string {
  const n = recording.size;
  const answers = `${n} recorded answer${n === 1 ? '' : 's'}`;
  switch (recording.mode) {
    case 'replay':
      return `replaying ${answers} from ${recording.file} (record mode replay: calls not recorded fail)\n`;
    case 'record':
      return `recording calls into ${recording.file} (record mode record: the file is rewritten)\n`;
    case 'record-missing':
      return `replaying ${answers} from ${recording.file} and recording new calls into it (record mode record-missing)\n`;
    case 'passthrough':
      return `record mode passthrough: calls go to allowed hosts, ${recording.file} is neither read nor written\n`;
  }
}

/** Saves the recording; the line to print, if it wrote. */
export async function saveRecording(recording: Recording): Promise<string | undefined> {
  if (!(await recording.save())) return undefined;
  const n = recording.recordedCalls;
  return `recorded ${n} call${n === 1 ? '' : 's'} into ${recording.file}\n`;
}
