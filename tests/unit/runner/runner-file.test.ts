import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startCli } from '../support/cli.ts';

describe('runner.json', () => {
  it('names the running runner, and goes when it stops', async () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-runner-file-'));
    const cli = startCli(['--port', '0'], home);
    try {
      await cli.started();
      const file = JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')) as { pid: number };
      assert.equal(file.pid, cli.child.pid);
      assert.equal(await cli.stop(), 0);
      // A tool reading it after the stop (the dev container's start.sh after a restart) finds no
      // dead runner's token.
      assert.equal(existsSync(join(home, 'runner.json')), false);
    } finally {
      await cli.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
