import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('../../..', import.meta.url).pathname;
const fixtures = join(root, 'tests/fixtures/harness');

/** Runs `npm run test:cluster` (the script itself) with a fresh workspace; returns its exit code and output. */
function harness(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'scripts/test-cluster.ts'), ...args], {
      env: {
        ...process.env,
        ISTIO_LAB_HOME: mkdtempSync(join(tmpdir(), 'istio-lab-harness-')),
        ...env,
      },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('test:cluster, over fixture labs', () => {
  it('runs every chapter in order through the real terminal and checks, and prints a table per chapter', async () => {
    const { code, out } = await harness(['--labs', join(fixtures, 'labs')]);
    assert.equal(code, 0, out);
    assert.match(out, /^alpha: 1 cells run, 1\/1 checks passed, /m);
    assert.match(out, /^beta: 1 cells run, 1\/1 checks passed, /m);
    assert.match(out, /\| ✔ cell build \| exit 0 \|/);
    assert.match(out, /\| ✔ check alpha-built \| pass \|/);
    // The sample outputs are compared with what the run printed: alpha's is not its real output.
    assert.match(out, /^Sample outputs unlike this run \(1\): run with --record/m);
    assert.match(
      out,
      /^- alpha\/build: the sample begins "sample, to be recorded", a real run "alpha built"$/m,
    );
  });

  it('--only and --from start a chapter through its prepare, from nothing', async () => {
    for (const flag of ['--only', '--from']) {
      const { code, out } = await harness(['--labs', join(fixtures, 'labs'), flag, 'beta']);
      assert.equal(code, 0, out);
      assert.doesNotMatch(out, /^alpha:/m);
      // The readiness check (beta's ready: alpha/alpha-built) runs after the prepare.
      assert.match(out, /✔ beta check alpha\/alpha-built: pass/);
      assert.match(out, /^beta: 1 cells run, 2\/2 checks passed/m);
    }
  });

  it('--prepare-only proves each prepare from nothing', async () => {
    const { code, out } = await harness([
      '--labs',
      join(fixtures, 'labs'),
      '--prepare-only',
      '--reset',
      'rm -rf "$ISTIO_LAB_HOME/world"',
    ]);
    assert.equal(code, 0, out);
    assert.match(out, /^alpha: 0 cells run, 0\/0 checks passed/m);
    assert.match(out, /^beta: 0 cells run, 1\/1 checks passed/m);
  });

  it('a failing check fails the run, with its reason and the tail of its output', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'istio-lab-report-')), 'report.md');
    const { code, out } = await harness(['--labs', join(fixtures, 'failing'), '--report', report]);
    assert.equal(code, 1, out);
    assert.match(out, /^gamma: 1 cells run, 0\/1 checks passed/m);
    assert.match(
      out,
      /✘ check wrong-answer: expected the output to contain "the expected answer"\n```\nthe actual answer\n```/,
    );
    assert.match(readFileSync(report, 'utf8'), /^# Istio Lab Book on kind[\s\S]*wrong-answer/);
  });

  it('--record writes each cell real output back into its lab, stamped with the versions', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'istio-lab-record-'));
    cpSync(join(fixtures, 'labs'), copy, { recursive: true });
    const { code, out } = await harness(['--labs', copy, '--record']);
    assert.equal(code, 0, out);
    const alpha = readFileSync(join(copy, 'alpha.yaml'), 'utf8');
    assert.match(
      alpha,
      /# recorded with Istio [\d.]+, kind v[\d.]+, kindest\/node:.*, on \d{4}-\d{2}-\d{2}\n\s+output: \|-?\n\s+alpha built/,
    );
    assert.match(readFileSync(join(copy, 'beta.yaml'), 'utf8'), /output: \|-?\n\s+beta extended/);
    assert.doesNotMatch(alpha, /sample, to be recorded/);
    // Every cell's and check's output, for the samples to be compared with.
    const recording = JSON.parse(readFileSync(join(copy, 'recorded-outputs.json'), 'utf8')) as {
      cells: Record<string, string>;
      checks: Record<string, string>;
      recordedWith: Record<string, string>;
    };
    assert.equal(recording.cells['alpha/build'], 'alpha built');
    assert.equal(recording.checks['alpha/alpha-built']?.trim(), 'built');
    assert.match(recording.recordedWith.istio ?? '', /^\d+\.\d+\.\d+$/);
  });

  it('--matrix catches each chapter up from a fresh machine and from the ends before it', async () => {
    const { code, out } = await harness([
      '--labs',
      join(fixtures, 'labs'),
      '--matrix',
      '--reset',
      'rm -rf "$ISTIO_LAB_HOME/world"',
    ]);
    assert.equal(code, 0, out);
    assert.match(out, /^Catch-up matrix: 3\/3 runs passed$/m);
    assert.match(out, /\| ✔ alpha \| a fresh machine \| ok \| 1\/1 \|/);
    assert.match(out, /\| ✔ beta \| a fresh machine \| ok \| 2\/2 \|/);
    assert.match(out, /\| ✔ beta \| the end of alpha \| ok \| 2\/2 \|/);
  });

  it('--matrix finds a Catch up that fails only from the end of another chapter', async () => {
    const { code, out } = await harness([
      '--labs',
      join(fixtures, 'matrix'),
      '--matrix',
      '--matrix-from',
      'one',
      '--reset',
      'rm -rf "$ISTIO_LAB_HOME/world"',
    ]);
    assert.equal(code, 1, out);
    assert.match(out, /^Catch-up matrix: 2\/3 runs passed$/m);
    assert.match(out, /\| ✔ two \| a fresh machine \| ok \| 1\/1 \|/);
    assert.match(out, /\| ✘ two \| the end of one \| ok \| 0\/1 \|/);
    assert.match(out, /✘ check sidecar-mode: expected the output to be "sidecar", got "ambient"/);
  });

  it('--matrix-from names chapters that exist', async () => {
    const { code, out } = await harness([
      '--labs',
      join(fixtures, 'labs'),
      '--matrix',
      '--matrix-from',
      'ambient',
    ]);
    assert.equal(code, 2);
    assert.match(out, /--matrix-from: there is no chapter "ambient": use one of alpha, beta/);
  });

  it('says exactly what is missing, with its own exit code, where Docker or kind is absent', async () => {
    const { code, out } = await harness([], { PATH: '/nonexistent' });
    assert.equal(code, 3);
    assert.match(
      out,
      /test:cluster cannot run here: missing Docker with a running daemon, kind \(v[\d.]+\), kubectl\./,
    );
  });

  it('refuses a chapter that does not exist', async () => {
    const { code, out } = await harness(['--labs', join(fixtures, 'labs'), '--only', 'nope']);
    assert.equal(code, 2);
    assert.match(out, /There is no chapter "nope": use one of alpha, beta/);
  });
});
