import { googleAuthLibrary } from 'google-gax';

/**
 * Options for Google's `@google-cloud/workflows` clients against a listening emulator: REST
 * fallback over plain HTTP, and an auth client that never looks for credentials (or the metadata
 * server).
 */
export function officialClientOptions(port: number) {
  return {
    apiEndpoint: '127.0.0.1',
    port,
    protocol: 'http',
    fallback: true,
    authClient: new googleAuthLibrary.PassThroughClient(),
  };
}
