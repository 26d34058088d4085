import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ProgressStore } from '../../../../runner/checks/progress.ts';
import { startCli } from '../../support/cli.ts';

const pass = { status: 'pass' as const, reason: 'ok', output: '', ms: 12, attempts: 1 };
const fail = { ...pass, status: 'fail' as const };

describe('progress file', () => {
  it('records results by atomic rename, readable only by the owner, and reads them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-progress-'));
    const file = join(dir, 'progress.json');
    const store = new ProgressStore(file);
    await Promise.all([
      store.record('cluster', 'node-ready', pass),
      store.record('cluster', 'context-is-book', fail),
    ]);
    assert.deepEqual(readdirSync(dir), ['progress.json'], 'no temporary file is left behind');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const again = new ProgressStore(file).snapshot;
    assert.equal(again.labs.cluster?.['node-ready']?.status, 'pass');
    assert.equal(again.labs.cluster?.['context-is-book']?.status, 'fail');
  });

  it('keeps the first pass time when a later run fails (drift)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'istio-lab-progress-')), 'progress.json');
    const store = new ProgressStore(file);
    await store.record('cluster', 'node-ready', pass);
    const first = store.snapshot.labs.cluster?.['node-ready']?.firstPassedAt;
    await store.record('cluster', 'node-ready', fail);
    const entry = JSON.parse(readFileSync(file, 'utf8')).labs.cluster['node-ready'];
    assert.equal(entry.status, 'fail');
    assert.equal(entry.firstPassedAt, first);
  });

  it('survives a crash in the middle of a write: the last whole file is read, the torn one ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-progress-'));
    const file = join(dir, 'progress.json');
    await new ProgressStore(file).record('cluster', 'node-ready', pass);
    // A crash between writing the temporary file and renaming it leaves both behind.
    writeFileSync(`${file}.4242.tmp`, '{"version":1,"labs":{"clu');
    const after = new ProgressStore(file);
    assert.equal(after.snapshot.labs.cluster?.['node-ready']?.status, 'pass');
    await after.record('cluster', 'context-is-book', pass);
    assert.equal(
      new ProgressStore(file).snapshot.labs.cluster?.['context-is-book']?.status,
      'pass',
    );
  });

  it('moves a corrupt file aside with a warning instead of dropping it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-progress-'));
    const file = join(dir, 'progress.json');
    writeFileSync(file, '{"version":1,"labs":{"cluster":');
    const warnings: string[] = [];
    const store = new ProgressStore(file, (message) => warnings.push(message));
    assert.deepEqual(store.snapshot.labs, {});
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /moved it to .*progress\.json\.corrupt-/);
    const aside = readdirSync(dir).find((name) => name.startsWith('progress.json.corrupt-'));
    assert.ok(aside && readFileSync(join(dir, aside), 'utf8').startsWith('{"version":1'));
    assert.equal(existsSync(file), false);
  });

  it('says so at start as a warning, which the runner shows at --log warn', async () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-progress-start-'));
    writeFileSync(join(home, 'progress.json'), '{"version":1,"labs":{"cluster":');
    const cli = startCli(['--port', '0', '--log', 'warn'], home);
    try {
      await cli.started();
      assert.match(cli.output(), /progress file was unreadable .*progress\.json\.corrupt-/);
    } finally {
      await cli.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('drops one entry that does not read, names it, and keeps every other', () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-progress-'));
    const file = join(dir, 'progress.json');
    const good = { status: 'pass', at: '2026-12-01T10:00:00.000Z', ms: 5, attempts: 1 };
    const text = JSON.stringify({
      version: 1,
      labs: {
        cluster: { 'node-ready': good, 'context-is-book': { ...good, status: 'maybe' } },
        traffic: { 'split-applied': good },
        broken: 'not a map',
      },
    });
    writeFileSync(file, text);
    const warnings: string[] = [];
    const store = new ProgressStore(file, (message) => warnings.push(message));
    assert.deepEqual(store.snapshot.labs, {
      cluster: { 'node-ready': good },
      traffic: { 'split-applied': good },
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /2 entries that could not be read/);
    assert.match(warnings[0] ?? '', /cluster\/context-is-book \(status: /);
    assert.match(warnings[0] ?? '', /broken \(not a map of checks\)/);
    const aside = readdirSync(dir).find((name) => name.startsWith('progress.json.invalid-'));
    assert.equal(aside && readFileSync(join(dir, aside), 'utf8'), text, 'the file as it was');
  });

  it('says when a result could not be saved, and saves it with the next write that can', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-progress-'));
    const file = join(dir, 'progress.json');
    const warnings: string[] = [];
    const store = new ProgressStore(file, (message) => warnings.push(message));
    assert.deepEqual(await store.record('cluster', 'node-ready', pass), { saved: true });
    // A folder where the file goes: the rename fails, as any write can.
    rmSync(file);
    mkdirSync(join(file, 'in-the-way'), { recursive: true });
    const refused = await store.record('cluster', 'context-is-book', pass);
    assert.deepEqual(refused, {
      saved: false,
      saveError: 'a folder stands where a file should be (EISDIR)',
    });
    assert.match(warnings.join('\n'), /could not save progress/);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.endsWith('.tmp')),
      [],
      'no temporary file is left behind',
    );
    rmSync(file, { recursive: true });
    assert.deepEqual(await store.record('traffic', 'split-applied', fail), { saved: true });
    const saved = new ProgressStore(file).snapshot.labs;
    assert.equal(saved.cluster?.['context-is-book']?.status, 'pass', 'saved with the next write');
  });

  it('on a full disk (a tiny tmpfs, filled): not saved, the disk named, the file as it was', async (t: TestContext) => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-progress-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      return t.skip(`mounting a tmpfs was refused (it takes root): ${String(error)}`);
    }
    try {
      const file = join(dir, 'progress.json');
      const store = new ProgressStore(file, () => undefined);
      assert.deepEqual(await store.record('cluster', 'node-ready', pass), { saved: true });
      const before = readFileSync(file, 'utf8');
      try {
        writeFileSync(join(dir, 'filler'), Buffer.alloc(1 << 20));
      } catch (error) {
        assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
      }
      assert.deepEqual(await store.record('cluster', 'context-is-book', fail), {
        saved: false,
        saveError: 'the disk is full (ENOSPC)',
      });
      assert.equal(readFileSync(file, 'utf8'), before, 'the last saved file is whole');
    } finally {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
