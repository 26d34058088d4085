import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ProgressStore } from '../../../../runner/checks/progress.ts';

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
});
