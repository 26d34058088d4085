import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ProgressStore } from '../../../../runner/checks/progress.ts';
import { startReporter } from '../../../../runner/classroom/reporter.ts';
import type { Workspace } from '../../../../runner/workspace.ts';
import { waitFor } from '../../support/poll.ts';

describe('the reporter’s log', () => {
  it('says at warn what the learner must act on (an unknown link, a full hub, results not saved), at info that it is over', async () => {
    // The hub answers each report with the next status, then takes them all.
    const answers = [401, 403, 503, 204];
    const hub = createServer((request, response) => {
      request.resume();
      response.writeHead(answers.length > 1 ? (answers.shift() ?? 204) : 204).end();
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-reporter-'));
    const info: string[] = [];
    const warn: string[] = [];
    const progress = { snapshot: { labs: {} }, onRecord: () => () => undefined };
    const reporter = startReporter({
      joinUrl: `http://127.0.0.1:${(hub.address() as AddressInfo).port}/join/aaaaaaaaaaaaaaaaaaaa`,
      name: 'Dana',
      workspace: { root: home } as Workspace,
      progress: progress as unknown as ProgressStore,
      log: (message) => info.push(message),
      warn: (message) => warn.push(message),
      retry: { firstMs: 10, maxMs: 20 },
    });
    try {
      await waitFor('the hub to take a report', () => answers.length === 1);
      await reporter.idle();
      assert.equal(warn.length, 3, warn.join('\n'));
      assert.match(warn[0] ?? '', /does not know this join link/);
      assert.match(warn[1] ?? '', /hub is full/);
      assert.match(warn[2] ?? '', /cannot save/);
      assert.ok(
        info.every((line) => !/join link|full|cannot save/.test(line)),
        info.join('\n'),
      );
      assert.ok(
        info.some((line) => /has room now/.test(line)),
        info.join('\n'),
      );
    } finally {
      reporter.stop();
      hub.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
