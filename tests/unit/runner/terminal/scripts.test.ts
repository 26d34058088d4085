import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LabCatalog } from '../../../../runner/lab-catalog.ts';
import { liveRunner, root, TerminalClient, type LiveRunner } from '../../support/live-runner.ts';

/**
 * Catch up and Reset paste a lab's script into the learner's own shell. A prepare that fails
 * (no Docker, say) runs `exit 1` through the shared steps' lab_fail; that must not end the shell.
 */
describe('lab scripts in the learner’s shell', () => {
  const place = mkdtempSync(join(tmpdir(), 'istio-lab-scripts-'));
  let runner: LiveRunner;
  before(async () => {
    const labs = join(place, 'labs');
    mkdirSync(labs);
    writeFileSync(
      join(labs, 'failing.yaml'),
      [
        'title: A prepare that fails',
        'order: 3000',
        'prepare: |',
        "  echo '==> [1/2] the kind cluster istio-lab'",
        "  echo '==> [2/2] istioctl 1.31.1'",
        "  echo 'prepare: docker is not installed' >&2",
        '  set -o pipefail',
        '  cd /',
        '  exit 1',
        'cleanup: |',
        '  no-such-tool-in-the-lab delete cluster',
        '  ls /no/such/folder 2>/dev/null || echo "a failure it handles itself"',
        '  echo cleaned',
        'cells:',
        '  where:',
        '    run: echo "still here in $PWD, pipefail $(shopt -qo pipefail && echo on || echo off)"',
        '',
      ].join('\n'),
    );
    runner = await liveRunner({
      labs: new LabCatalog([labs], join(root, 'content/versions.yaml')),
    });
  });
  after(async () => {
    await runner.stop();
    rmSync(place, { recursive: true, force: true });
  });

  it('a failing prepare ends as failed, names its step, and leaves the shell as it was', async () => {
    const client = new TerminalClient(runner, 'session=prepare&cols=120&rows=30');
    await client.opened();
    await client.message('screen');
    const from = client.messages.length;
    client.send({ type: 'script', lab: 'failing', script: 'prepare' });
    await client.until('the prepare to end', () =>
      client.messages.slice(from).some((m) => m.type === 'script' && m.state !== 'running'),
    );
    const ended = client.messages
      .slice(from)
      .find((m) => m.type === 'script' && m.state !== 'running');
    assert.ok(ended?.type === 'script');
    assert.deepEqual([ended.state, ended.exitCode, ended.step], ['done', 1, '2/2 istioctl 1.31.1']);
    assert.equal(client.closed, undefined, 'the shell did not end');
    assert.match(client.output, /prepare: docker is not installed/, 'its output stays on screen');

    // The same shell runs the next cell, in its own folder and options.
    const next = client.messages.length;
    client.send({ type: 'run', lab: 'failing', cell: 'where' });
    await client.until('the cell to end', () =>
      client.messages.slice(next).some((m) => m.type === 'cell' && m.state === 'done'),
    );
    assert.match(client.output, /still here in \/tmp\/istio-lab-unit-\S+, pipefail off/);
    client.close();
  });

  it('a cleanup fails when any of its commands failed, not only its last one', async () => {
    const client = new TerminalClient(runner, 'session=cleanup&cols=120&rows=30');
    await client.opened();
    await client.message('screen');
    const from = client.messages.length;
    client.send({ type: 'script', lab: 'failing', script: 'cleanup' });
    await client.until('the cleanup to end', () =>
      client.messages.slice(from).some((m) => m.type === 'script' && m.state !== 'running'),
    );
    const ended = client.messages
      .slice(from)
      .find((m) => m.type === 'script' && m.state !== 'running');
    assert.ok(ended?.type === 'script');
    assert.equal(ended.exitCode, 127, 'the command that was not found');
    assert.match(client.output, /a failure it handles itself/);
    assert.match(client.output, /cleaned/, 'the rest of the script still ran');
    client.close();
  });
});
