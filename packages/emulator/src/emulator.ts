/**
 * Starts the emulator on a socket. `startEmulator` resolves only once the server listens, and
 * reports the real port (port 0 picks a free one). Used by the CLI, the tests and the
 * testing package.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createApp, createServices, type Services } from './server/app.js';
import { resetEmulator } from './server/admin.js';
import { answerClientError } from './server/client-error.js';
import type { EventStreamOptions } from './server/event-stream.js';
import { createAppDeps, DEFAULT_PORT, type AppDeps, type CreateAppDepsOptions } from './server/deps.js';
import { projectRef } from './server/workflows-service.js';

export interface StartEmulatorOptions extends CreateAppDepsOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Prebuilt deps (the options above are then ignored except host and port). */
  deps?: AppDeps;
  onInternalError?: (err: unknown) => void;
  /** Limits of the live event stream (`GET /emulator/v1/events`). */
  eventStream?: EventStreamOptions;
}

export interface RunningEmulator {
  /** `http://host:port` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly deps: AppDeps;
  readonly services: Services;
  /**
   * Creates the workflow, or redeploys it (a new revision when the source changed). Returns the
   * revision ID. `sourceFile`: the file the source was read from (the developer UI names it,
   * coverage is reported under it).
   */
  deploy(
    workflowId: string,
    source: string,
    options?: { project?: string; location?: string; sourceFile?: string },
  ): string;
  /** Clears workflows, executions, stubs and recorded requests (like `POST /emulator/v1/reset`). */
  reset(): void;
  /** Cancels running executions and closes the socket, including kept-alive connections. */
  stop(): Promise<void>;
}

/** The host part of a URL: IPv6 literals need brackets; a wildcard address is reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const deps = options.deps ?? createAppDeps(options);
  const services = createServices(deps);
  const app = createApp(deps, {
    services,
    ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
    ...(options.eventStream ? { eventStream: options.eventStream } : {}),
  });
  const server: Server = createServer(app);
  server.on('clientError', answerClientError);
  // Long polls from clients must not be cut by Node's default timeouts.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;
  deps.config.baseUrl = url;

  let stopped: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    deps,
    services,
    deploy(workflowId, source, where = {}) {
      const ref = projectRef(deps, where.project ?? deps.config.projectId);
      const location = where.location ?? deps.config.location;
      const revisionId = services.workflows.deploy(ref, location, workflowId, source);
      if (where.sourceFile !== undefined)
        deps.files.deployed(where.sourceFile, { project: ref.project, location, workflowId }, revisionId);
      return revisionId;
    },
    reset() {
      resetEmulator(deps, services.executions);
    },
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        services.executions.cancelAll();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
        for (const s of sockets) s.destroy();
      });
      return stopped;
    },
  };
}
