import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkSchema } from '../../../src/lib/lab-schema.ts';
import type { CheckResult } from '../../../src/lib/wire/protocol.ts';
import { runCheck } from '../../../runner/checks/checks.ts';
import { LabCatalog } from '../../../runner/lab-catalog.ts';
import { ensureWorkspace, labEnvironment, workspaceAt } from '../../../runner/workspace.ts';
import { liveRunner, root, TerminalClient, type LiveRunner } from '../support/live-runner.ts';

/**
 * The environment that cells and checks get is allow-listed (runner/workspace.ts): a secret in
 * the runner's own environment never reaches them, and KUBECONFIG is always the workspace's,
 * whatever the runner was started with.
 */
const secret = 'hunter2';
const elsewhere = '/somewhere/else/kubeconfig';
/** An allow-listed variable, so that the tests also see that the environment is not just empty. */
const allowed = 'istio-lab-test-context';
/** Prints what a cell or check would see of the three. */
const show = 'printenv ISTIO_LAB_TEST_SECRET; echo "KC=$KUBECONFIG"; echo "DC=$DOCKER_CONTEXT"';

describe('the allow-listed environment of shells and checks', () => {
  const names = ['ISTIO_LAB_TEST_SECRET', 'KUBECONFIG', 'DOCKER_CONTEXT'] as const;
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  const place = mkdtempSync(join(tmpdir(), 'istio-lab-env-'));
  const workspace = workspaceAt(join(place, 'workspace'));

  before(() => {
    process.env.ISTIO_LAB_TEST_SECRET = secret;
    process.env.KUBECONFIG = elsewhere;
    process.env.DOCKER_CONTEXT = allowed;
    ensureWorkspace(workspace);
  });
  after(() => {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    rmSync(place, { recursive: true, force: true });
  });

  it('labEnvironment leaves the secret out and pins KUBECONFIG to the workspace', () => {
    const env = labEnvironment(workspace);
    assert.equal(env.ISTIO_LAB_TEST_SECRET, undefined);
    assert.equal(env.KUBECONFIG, workspace.kubeconfig);
    assert.equal(env.DOCKER_CONTEXT, allowed);
    assert.equal(env.ISTIO_LAB_HOME, workspace.root);
  });

  it('a check run with it sees no secret and the workspace kubeconfig', async () => {
    const result = await runCheck(checkSchema.parse({ run: show }), {
      env: labEnvironment(workspace),
      cwd: workspace.root,
    });
    assert.equal(result.status, 'pass', result.reason);
    assert.equal(result.output, `KC=${workspace.kubeconfig}\nDC=${allowed}\n`);
  });

  describe('in a live runner', () => {
    const labs = join(place, 'labs');
    let runner: LiveRunner;
    before(async () => {
      writeLab(labs);
      // Started after the variables are set: the runner reads its environment as it starts.
      runner = await liveRunner({
        labs: new LabCatalog([labs], join(root, 'content/versions.yaml'), () => undefined),
      });
    });
    after(async () => {
      await runner.stop();
    });

    it("a check through the API sees no secret and the runner's workspace kubeconfig", async () => {
      const answer = await fetch(new URL('api/checks/env/env-seen', runner.url), {
        method: 'POST',
        headers: runner.headers,
      });
      assert.equal(answer.status, 200);
      const result = (await answer.json()) as CheckResult;
      assert.equal(result.status, 'pass', result.reason);
      assert.equal(result.output, `KC=${runner.workspace.kubeconfig}\nDC=${allowed}\n`);
    });

    it("a terminal's shell sees no secret and the runner's workspace kubeconfig", async () => {
      const client = new TerminalClient(runner, 'session=env&cols=200&rows=30');
      try {
        await client.opened();
        await client.message('screen');
        client.type(`${show}\r`);
        // The printed values; the echoed command line has `KC=$KUBECONFIG`, which cannot match.
        const printed = /KC=([^$\r\n]*)\r\nDC=([^\r\n]*)\r\n/;
        await client.until('the printed values', () => printed.test(client.output));
        const [, kubeconfig, dockerContext] = printed.exec(client.output) ?? [];
        assert.equal(kubeconfig, runner.workspace.kubeconfig);
        assert.equal(dockerContext, allowed);
        assert.ok(!client.output.includes(secret), 'the secret was printed');
      } finally {
        client.close();
      }
    });
  });
});

/** A lab whose check prints what it sees of the environment. */
function writeLab(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'env.yaml'),
    ['title: Environment', 'order: 1', 'checks:', '  env-seen:', `    run: '${show}'`, ''].join(
      '\n',
    ),
  );
}
