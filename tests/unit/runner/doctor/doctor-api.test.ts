import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DoctorItem } from '../../../../runner/doctor/doctor.ts';
import { fakeTool, pins, root, writeFakeTools } from '../../support/fake-tools.ts';
import { liveRunner, type LiveRunner } from '../../support/live-runner.ts';

/**
 * The doctor through the real runner and the real command line: the workspace's bin/, first on
 * the labs' PATH, holds small fake docker, kind, kubectl and istioctl scripts.
 */
describe('doctor through GET /api/doctor', () => {
  let runner: LiveRunner;
  before(async () => {
    runner = await liveRunner();
    writeFakeTools(runner.workspace.bin, {
      kind: fakeTool('kind', { version: 'kind v0.1.0 go1.22.0 linux/amd64' }),
    });
  });
  after(async () => {
    await runner.stop();
  });

  it('answers every item with status, params and the fix the fake tools call for', async () => {
    const response = await fetch(`${runner.url}api/doctor`, { headers: runner.headers });
    assert.equal(response.status, 200);
    const { items } = (await response.json()) as { items: DoctorItem[] };
    assert.deepEqual(
      items.map((item) => item.id),
      [
        'place',
        'docker',
        'kind',
        'kubectl',
        'istioctl',
        'cluster',
        'images',
        'memory',
        'inotify',
        'ports',
        'processes',
        'labs',
      ],
    );
    const byId = Object.fromEntries(items.map((item) => [item.id, item]));
    assert.deepEqual(
      [byId.docker?.status, byId.docker?.params, byId.docker?.detail],
      ['ok', { version: '28.2.2' }, 'Docker 28.2.2'],
    );
    assert.deepEqual([byId.kind?.status, byId.kind?.code], ['warn', 'mismatch']);
    assert.deepEqual(byId.kind?.params, { found: 'v0.1.0', pinned: pins.kind });
    assert.match(byId.kind?.fix ?? '', /kind v0\.1\.0 is installed/);
    assert.ok(byId.kind?.commands[0]?.includes(`${runner.workspace.bin}/kind`));
    assert.equal(byId.kubectl?.status, 'ok');
    assert.equal(byId.istioctl?.status, 'ok');
    assert.deepEqual(
      [byId.cluster?.status, byId.cluster?.params],
      ['ok', { context: pins.kubeContext }],
    );
    // The runner's own port is its own, never a conflict, and is not even looked at.
    assert.ok(!byId.ports?.detail.includes(String(runner.port)), byId.ports?.detail);
    for (const item of items) {
      assert.ok(['ok', 'warn', 'fail', 'skip'].includes(item.status), item.id);
      assert.equal(item.fix === '', item.status === 'ok' || item.status === 'skip', item.id);
    }
  });

  it('refuses a request without the token', async () => {
    const response = await fetch(`${runner.url}api/doctor`);
    assert.equal(response.status, 401);
  });
});

describe('npm run doctor', () => {
  const runCli = (home: string) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [join(root, 'runner/doctor/cli.ts')], {
        env: { ...process.env, ISTIO_LAB_HOME: home },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => resolve({ code, output }));
    });
  let home: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'istio-lab-doctor-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('prints every item in English and exits 0 when nothing fails', async () => {
    writeFakeTools(join(home, 'bin'));
    const { code, output } = await runCli(home);
    assert.equal(code, 0, output);
    assert.match(output, /^✔ docker +Docker 28\.2\.2 answers\.$/m);
    assert.match(output, new RegExp(`^✔ cluster +The current context is ${pins.kubeContext}`, 'm'));
    for (const id of ['kind', 'kubectl', 'istioctl', 'memory', 'inotify', 'ports'])
      assert.match(output, new RegExp(`^. ${id} `, 'm'));
  });

  it('exits 1 with the fix when an item fails', async () => {
    writeFakeTools(join(home, 'bin'), {
      docker: `#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2\nexit 1\n`,
    });
    const { code, output } = await runCli(home);
    assert.equal(code, 1, output);
    assert.match(output, /^✘ docker +docker is installed, but its daemon does not answer/m);
    assert.match(output, /^ +\(Cannot connect to the Docker daemon/m);
  });
});
