import { request, type IncomingHttpHeaders } from 'node:http';
import type { ProgressStore } from '../../../runner/checks/progress.ts';
import { startHub, type HubOptions, type RunningHub } from '../../../runner/classroom/hub.ts';
import { startReporter, type Reporter } from '../../../runner/classroom/reporter.ts';
import type { Workspace } from '../../../runner/workspace.ts';

/**
 * The classroom tests' hub and learners: a hub on loopback, a report posted to it as a learner's
 * runner posts one, and a learner's reporter, on a live runner's workspace or a stand-in.
 */

/**
 * A hub on loopback on a free port, saying nothing, that sends its live tables again only when a
 * report comes (its tick is ten minutes); the rest as `options` say.
 */
export function testHub(options: Partial<HubOptions> = {}): Promise<RunningHub> {
  return startHub({
    host: '127.0.0.1',
    port: 0,
    log: () => undefined,
    tickMs: 600_000,
    ...options,
  });
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An HTTP request to 127.0.0.1:`port` with full control of the headers (fetch would not let a test
 * set Host), on a connection of its own, so that none is left open across a hub's restart.
 */
export function call(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { Host: `127.0.0.1:${port}`, ...options.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The join link a learner is given: the hub's, or the same on another port (a proxy) or token. */
export function joinLink(hub: RunningHub, port = hub.port, token = hub.joinToken): string {
  return `http://127.0.0.1:${port}/join/${token}`;
}

/** A report, posted to the hub's join link as a learner's reporter posts it (a string as is). */
export function postReport(
  hub: RunningHub,
  body: unknown,
  token = hub.joinToken,
): Promise<Response> {
  return fetch(new URL(`/join/${token}/report`, hub.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** What a reporter reads of a learner's machine: the workspace and the progress kept there. */
export interface LearnerMachine {
  workspace: Workspace;
  progress: ProgressStore;
}

/** A reporter for `name` on `machine`, joined by `joinUrl`; it says nothing unless `log` is given. */
export function reportAs(
  name: string,
  joinUrl: string,
  machine: LearnerMachine,
  options: { log?: (message: string) => void; retry?: { firstMs: number; maxMs: number } } = {},
): Reporter {
  return startReporter({
    joinUrl,
    name,
    workspace: machine.workspace,
    progress: machine.progress,
    log: options.log ?? (() => undefined),
    ...(options.retry ? { retry: options.retry } : {}),
  });
}
