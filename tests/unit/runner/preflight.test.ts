import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('../../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const { nodeProblem } = require('../../../runner/preflight.cjs') as {
  nodeProblem: (version: string, range: string) => string | undefined;
};
const { engines, scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};
const floor = engines.node;

/** A Node older than the book's floor on this machine (Debian's, say), if there is one. */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const run = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (run.status === 0 && nodeProblem(run.stdout.trim(), floor)) return candidate;
  }
  return undefined;
}

describe('the Node preflight', () => {
  it('names the floor and the version found, and how to get a newer one', () => {
    const problem = nodeProblem('v20.20.2', '>=22.13');
    assert.match(problem ?? '', /needs Node 22\.13 or newer; you have 20\.20\.2\./);
    assert.match(problem ?? '', /nodejs\.org/);
    assert.match(problem ?? '', /nvm install --lts/);
    assert.match(nodeProblem('v22.12.9', '>=22.13') ?? '', /you have 22\.12\.9/);
    assert.equal(nodeProblem('v22.13.0', '>=22.13'), undefined);
    assert.equal(nodeProblem('v24.1.0', '>=22.13'), undefined);
    assert.equal(nodeProblem('v23.0.0', '>=22.13.1'), undefined);
    assert.match(nodeProblem('v22.13.0', '>=22.13.1') ?? '', /needs Node 22\.13\.1 or newer/);
  });

  const old = oldNode();
  for (const script of ['start', 'doctor'])
    it(
      `npm run ${script} on an old Node says what it needs, not "bad option"`,
      { skip: old ? false : 'no Node older than the floor on this machine' },
      () => {
        // The script as npm runs it (sh -c), with the old Node first on PATH, as it is for a
        // learner whose system Node is old.
        const bin = mkdtempSync(join(tmpdir(), 'istio-lab-old-node-'));
        try {
          symlinkSync(old!, join(bin, 'node'));
          const run = spawnSync('sh', ['-c', scripts[script]!], {
            cwd: root,
            encoding: 'utf8',
            env: { ...process.env, PATH: [bin, process.env.PATH].join(delimiter) },
            timeout: 60_000,
          });
          const said = run.stdout + run.stderr;
          assert.notEqual(run.status, 0);
          assert.match(said, /needs Node \d+\.\d+(\.\d+)? or newer; you have 20\./);
          assert.doesNotMatch(said, /bad option/);
        } finally {
          rmSync(bin, { recursive: true, force: true });
        }
      },
    );
});
