import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { labEnvironment, workspaceAt } from '../../../runner/workspace.ts';

describe('the PATH of shells and checks', () => {
  const place = mkdtempSync(join(tmpdir(), 'istio-lab-path-'));
  after(() => rmSync(place, { recursive: true, force: true }));
  const folder = (name: string, mode = 0o755) => {
    const path = join(place, name);
    mkdirSync(path, { recursive: true });
    chmodSync(path, mode);
    return path;
  };
  const workspace = workspaceAt(join(place, 'workspace'));

  it('keeps the workspace bin first, the learner’s tool folders, and the system folders', () => {
    const tools = folder('home/.local/bin');
    const env = labEnvironment(workspace, { PATH: `${tools}:/usr/bin` });
    const path = env.PATH?.split(':') ?? [];
    assert.equal(path[0], workspace.bin);
    assert.ok(path.includes(tools));
    for (const system of ['/usr/local/bin', '/usr/bin', '/bin']) assert.ok(path.includes(system));
    assert.equal(path.filter((p) => p === '/usr/bin').length, 1, 'each folder once');
  });

  it("leaves out npm's node_modules folders, world-writable, relative and missing ones", () => {
    const project = folder('project/node_modules/.bin');
    const gyp = folder('npm/node_modules/@npmcli/run-script/lib/node-gyp-bin');
    const open = folder('shared', 0o777);
    const env = labEnvironment(workspace, {
      PATH: [project, gyp, open, 'bin', '.', '', join(place, 'gone'), '/usr/bin'].join(':'),
    });
    const path = env.PATH?.split(':') ?? [];
    for (const bad of [project, gyp, open, 'bin', '.', '', join(place, 'gone')])
      assert.ok(!path.includes(bad), `${JSON.stringify(bad)} is left out of ${env.PATH}`);
  });
});
