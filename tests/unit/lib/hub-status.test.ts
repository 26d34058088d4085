import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hubStatusOf } from '../../../src/lib/wire/hub-status.ts';

describe('hubStatusOf: the classroom hub in a runner health answer', () => {
  it('reads the status a runner that reports to a hub carries', () => {
    const health = { ok: true, version: '1', protocol: 1, hub: { status: 'full' } };
    assert.equal(hubStatusOf(health), 'full');
    assert.equal(
      hubStatusOf({ ...health, hub: { status: 'not-saved', since: 'later' } }),
      'not-saved',
    );
  });

  it('reads as absent what an older runner, no hub, or a newer status says', () => {
    for (const health of [
      { ok: true, version: '1' },
      { ok: true, hub: null },
      { ok: true, hub: 'full' },
      { ok: true, hub: { status: 'overbooked' } },
      null,
      'full',
    ])
      assert.equal(hubStatusOf(health), undefined, JSON.stringify(health));
  });
});
