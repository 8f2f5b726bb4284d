import './setup.js';
import { googleAuthLibrary } from 'google-gax';
import { describe, expect, it } from 'vitest';
import { buildConsoleUrl } from '../src/console-url.js';
import { buildClientOptions, parseEmulatorHost, resolveEndpoint } from '../src/endpoint.js';
import { WorkflowConfigurationError } from '../src/errors.js';

describe('parseEmulatorHost', () => {
  it.each([
    ['127.0.0.1:8787', 'http', '127.0.0.1', 8787, 'http://127.0.0.1:8787'],
    ['localhost:8080', 'http', 'localhost', 8080, 'http://localhost:8080'],
    ['http://localhost:8787', 'http', 'localhost', 8787, 'http://localhost:8787'],
    ['http://localhost:8787/', 'http', 'localhost', 8787, 'http://localhost:8787'],
    ['  http://127.0.0.1:9000  ', 'http', '127.0.0.1', 9000, 'http://127.0.0.1:9000'],
    ['[::1]:8787', 'http', '::1', 8787, 'http://[::1]:8787'],
    ['http://emulator', 'http', 'emulator', 80, 'http://emulator:80'],
    ['https://emulator.example:8443', 'https', 'emulator.example', 8443, 'https://emulator.example:8443'],
  ])('parses %s', (input, protocol, host, port, url) => {
    expect(parseEmulatorHost(input)).toEqual({ kind: 'emulator', protocol, host, port, url });
  });

  it.each([
    ['', /is empty/],
    ['localhost', /has no port/],
    ['ftp://localhost:21', /http or https/],
    ['http://localhost:8787/v1', /just a scheme, host and port/],
    ['http://user:pw@localhost:8787', /credentials/],
    ['localhost:notaport', /not a valid emulator address/],
  ])('rejects %j', (input, message) => {
    expect(() => parseEmulatorHost(input)).toThrow(WorkflowConfigurationError);
    expect(() => parseEmulatorHost(input)).toThrow(message);
  });
});

describe('resolveEndpoint', () => {
  it('prefers the endpoint option over WORKFLOWS_EMULATOR_HOST', () => {
    const env = { WORKFLOWS_EMULATOR_HOST: 'localhost:1111' };
    expect(resolveEndpoint('127.0.0.1:2222', env)).toMatchObject({ kind: 'emulator', port: 2222 });
    expect(resolveEndpoint(undefined, env)).toMatchObject({
      kind: 'emulator',
      host: 'localhost',
      port: 1111,
    });
  });

  it('falls back to Google when neither is set (an empty variable counts as unset)', () => {
    expect(resolveEndpoint(undefined, {})).toEqual({ kind: 'google' });
    expect(resolveEndpoint(undefined, { WORKFLOWS_EMULATOR_HOST: ' ' })).toEqual({ kind: 'google' });
  });

  it('names the variable when it is malformed', () => {
    expect(() => resolveEndpoint(undefined, { WORKFLOWS_EMULATOR_HOST: 'nohost' })).toThrow(
      /WORKFLOWS_EMULATOR_HOST/,
    );
  });
});

describe('buildClientOptions', () => {
  it('emulator: REST over the emulator scheme with a pass-through auth client', () => {
    const options = buildClientOptions(parseEmulatorHost('http://127.0.0.1:8787'));
    expect(options).toMatchObject({ apiEndpoint: '127.0.0.1', port: 8787, protocol: 'http', fallback: true });
    expect(options.authClient).toBeInstanceOf(googleAuthLibrary.PassThroughClient);
    // No credential source of any kind is handed to gax.
    expect(options).not.toHaveProperty('auth');
    expect(options).not.toHaveProperty('credentials');
    expect(options).not.toHaveProperty('keyFilename');
  });

  it('emulator: ignores a production auth object', () => {
    const auth = new googleAuthLibrary.GoogleAuth({ projectId: 'p' });
    const options = buildClientOptions(parseEmulatorHost('127.0.0.1:1'), auth);
    expect(options.authClient).toBeInstanceOf(googleAuthLibrary.PassThroughClient);
    expect(options).not.toHaveProperty('auth');
  });

  it('Google without auth: nothing, so gax uses gRPC to its default host with ADC', () => {
    expect(buildClientOptions({ kind: 'google' })).toEqual({});
  });

  it('Google with a GoogleAuth passes it as `auth`, with an AuthClient as `authClient`', () => {
    const googleAuth = new googleAuthLibrary.GoogleAuth({ projectId: 'p' });
    expect(buildClientOptions({ kind: 'google' }, googleAuth)).toEqual({ auth: googleAuth });
    const client = new googleAuthLibrary.OAuth2Client();
    expect(buildClientOptions({ kind: 'google' }, client)).toEqual({ authClient: client });
  });
});

describe('buildConsoleUrl', () => {
  const parts = {
    projectId: 'my-proj',
    location: 'europe-west1',
    workflowName: 'process-order',
    executionId: 'abc-123',
  };

  it('points at the Cloud Console for Google (django-gcp format)', () => {
    expect(buildConsoleUrl({ kind: 'google' }, parts)).toBe(
      'https://console.cloud.google.com/workflows/workflow/europe-west1/process-order/execution/abc-123?project=my-proj',
    );
  });

  it('points at the emulator console against the emulator', () => {
    expect(buildConsoleUrl(parseEmulatorHost('127.0.0.1:8787'), parts)).toBe(
      'http://127.0.0.1:8787/console/workflows/workflow/europe-west1/process-order/execution/abc-123?project=my-proj',
    );
  });

  it('escapes what would break the URL', () => {
    expect(buildConsoleUrl({ kind: 'google' }, { ...parts, projectId: 'a&b', executionId: 'x y' })).toBe(
      'https://console.cloud.google.com/workflows/workflow/europe-west1/process-order/execution/x%20y?project=a%26b',
    );
  });
});
