import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

/**
 * The workflow that publishes the read-only book to GitHub Pages. GitHub cannot run here, so it
 * is checked as data, and its build step's shell is run with a stand-in npm for a project site
 * and for a user site, to prove the base Astro gets in each.
 */
const root = new URL('../../..', import.meta.url).pathname;

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: { push?: { branches?: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, { needs?: string; steps: Step[]; environment?: { name: string } }>;
}
const workflow = parse(readFileSync(join(root, '.github/workflows/pages.yml'), 'utf8')) as Workflow;
const build = workflow.jobs.build?.steps ?? [];
const buildStep = build.find((step) => step.run?.includes('npm run build'));

/** What `npm` the build step calls with, given what configure-pages answered. */
function buildArgs(origin: string, basePath: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'istio-lab-pages-'));
  writeFileSync(join(dir, 'npm'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
  chmodSync(join(dir, 'npm'), 0o755);
  const run = spawnSync('bash', ['-euo', 'pipefail', '-c', buildStep?.run ?? 'false'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, SITE: origin, BASE: basePath },
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim().split('\n');
}

describe('the GitHub Pages workflow', () => {
  it('publishes on every push to main, with only the permissions Pages needs', () => {
    assert.deepEqual(workflow.on.push?.branches, ['main']);
    assert.deepEqual(workflow.permissions, {
      contents: 'read',
      pages: 'write',
      'id-token': 'write',
    });
  });

  it('builds with Node 24 and takes site and base from the repository’s Pages settings', () => {
    const node = build.find((step) => step.uses?.startsWith('actions/setup-node@'));
    assert.equal(Number(node?.with?.['node-version']), 24);
    const pages = build.find((step) => step.uses?.startsWith('actions/configure-pages@'));
    assert.ok(pages?.id, 'configure-pages needs an id for its outputs');
    assert.deepEqual(buildStep?.env && [buildStep.env.SITE, buildStep.env.BASE], [
      `\${{ steps.${pages.id}.outputs.origin }}`,
      `\${{ steps.${pages.id}.outputs.base_path }}`,
    ]);
    const upload = build.find((step) => step.uses?.startsWith('actions/upload-pages-artifact@'));
    assert.equal(upload?.with?.path, 'dist');
    const deploy = workflow.jobs.deploy;
    assert.equal(deploy?.needs, 'build');
    assert.equal(deploy?.environment?.name, 'github-pages');
    assert.ok(deploy?.steps.some((step) => step.uses?.startsWith('actions/deploy-pages@')));
  });

  it('gives Astro the project site’s path as its base, and / for a user site', () => {
    assert.deepEqual(buildArgs('https://you.github.io', '/istio-lab-book'), [
      'run',
      'build',
      '--',
      '--site',
      'https://you.github.io',
      '--base',
      '/istio-lab-book/',
    ]);
    assert.deepEqual(buildArgs('https://you.github.io', '').slice(-2), ['--base', '/']);
  });
});
