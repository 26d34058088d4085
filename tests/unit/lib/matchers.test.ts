import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchExpect } from '../../../src/lib/matchers.ts';

describe('matchers', () => {
  it('passes on exit 0 alone when nothing is expected', () => {
    assert.equal(matchExpect('anything', undefined).ok, true);
  });
  it('contains and notContains', () => {
    assert.equal(matchExpect('a Ready b', { contains: 'Ready' }).ok, true);
    assert.deepEqual(matchExpect('a b', { contains: 'Ready' }), {
      ok: false,
      reason: 'expected the output to contain "Ready"',
      why: { code: 'notContains', params: { text: '"Ready"' } },
    });
    assert.equal(matchExpect('200 OK', { notContains: '503' }).ok, true);
    assert.match(
      matchExpect('got 503', { notContains: '503' }).reason,
      /not to contain "503", but it does/,
    );
  });
  it('equals ignores surrounding white space only', () => {
    assert.equal(matchExpect('kind-istio-lab\n', { equals: 'kind-istio-lab' }).ok, true);
    assert.match(
      matchExpect('kind-other\n', { equals: 'kind-istio-lab' }).reason,
      /to be "kind-istio-lab", got "kind-other"/,
    );
  });
  it('matches works per line, tolerant of pod-name hashes', () => {
    const pods = 'NAME READY\nreviews-v1-5b7f8c9d4-x2x7q 2/2\n';
    assert.equal(matchExpect(pods, { matches: '^reviews-v1-[a-z0-9]+-[a-z0-9]{5} 2/2$' }).ok, true);
    assert.equal(matchExpect(pods, { matches: '^ratings' }).ok, false);
  });
  it('every matcher given must hold', () => {
    assert.equal(matchExpect('v1 v2', { contains: 'v1', notContains: 'v2' }).ok, false);
    assert.match(
      matchExpect('v1', { contains: 'v1', notContains: 'v3' }).reason,
      /contains "v1", it does not contain "v3"/,
    );
  });
});
