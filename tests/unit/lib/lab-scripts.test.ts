import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLabDirs, readPins } from '../../../src/lib/lab-files.ts';
import { renderSteps } from '../../../runner/steps.ts';

const root = new URL('../../..', import.meta.url).pathname;
const labs = loadLabDirs(
  [
    join(root, 'content/labs'),
    join(root, 'tests/fixtures/labs'),
    join(root, 'tests/fixtures/harness/labs'),
    join(root, 'tests/fixtures/harness/failing'),
  ],
  readPins(join(root, 'content/versions.yaml')),
);

/** Every script a lab holds, named the way an author finds it: lab, section, id. */
function scripts(): Array<[string, string]> {
  const all: Array<[string, string]> = [];
  for (const [slug, lab] of labs) {
    if (lab.prepare) all.push([`${slug} prepare`, lab.prepare]);
    if (lab.cleanup) all.push([`${slug} cleanup`, lab.cleanup]);
    for (const [id, cell] of Object.entries(lab.cells))
      if (cell.lang === 'bash') all.push([`${slug} cells.${id}`, cell.run]);
    for (const [id, check] of Object.entries(lab.checks))
      all.push([`${slug} checks.${id}`, check.run]);
  }
  return all;
}

function shellcheckVersion(): string | undefined {
  try {
    return execFileSync('shellcheck', ['--version'], { encoding: 'utf8' });
  } catch {
    // Not installed: the test below says what to install.
    return undefined;
  }
}

describe('lab scripts', () => {
  it('ShellCheck is installed (apt-get install shellcheck, brew install shellcheck)', () => {
    assert.ok(
      shellcheckVersion(),
      'shellcheck is not on PATH: install it to lint the labs (.ci/run does)',
    );
  });

  for (const [name, script] of scripts()) {
    it(`${name} passes bash -n and shellcheck`, () => {
      const syntax = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
      assert.equal(syntax.status, 0, `bash -n: ${syntax.stderr}`);
      // SC1090/SC1091: prepare scripts source the shared steps through $ISTIO_LAB_STEPS by design.
      const lint = spawnSync(
        'shellcheck',
        ['--shell=bash', '--severity=style', '--exclude=SC1090,SC1091', '-'],
        {
          input: script,
          encoding: 'utf8',
        },
      );
      assert.equal(lint.status, 0, `shellcheck:\n${lint.stdout}${lint.stderr}`);
    });
  }

  it('the shared prepare steps, pins filled in, pass bash -n and shellcheck', () => {
    const steps = renderSteps(root, readPins(join(root, 'content/versions.yaml')));
    assert.equal(spawnSync('bash', ['-n'], { input: steps }).status, 0);
    const lint = spawnSync('shellcheck', ['--shell=bash', '-'], { input: steps, encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stdout);
  });

  it("the runner's rc file passes bash -n and shellcheck", () => {
    const rc = join(root, 'runner/shell/bashrc');
    assert.equal(spawnSync('bash', ['-n', rc]).status, 0);
    const lint = spawnSync('shellcheck', ['--shell=bash', rc], { encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stdout);
  });
});
