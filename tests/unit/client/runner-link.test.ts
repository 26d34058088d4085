import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { answerJson, definePage } from '../support/page.ts';

/**
 * The page's calls to the runner's HTTP API, in Node: every answer is parsed with its schema,
 * and an answer that does not parse becomes an `error` verdict in the page's words, never a
 * crash. `fetch` answers what each test says.
 */

const strings = {
  'lab.error.internal': 'Something failed inside the runner.',
  'lab.error.unknown-check': 'The runner does not know this check.',
};

let answer: () => Promise<Response> = () => Promise.reject(new Error('no answer set'));

definePage({ fetch: () => answer(), strings });
// An unreadable answer is logged for whoever looks at the console: not here.
mock.method(console, 'warn', () => {});

const { probeRunner, readProgress, requestCheck } =
  await import('../../../src/client/runner-link.ts');

describe('runner-link', () => {
  it('takes a check result that parses as the verdict', async () => {
    const result = {
      status: 'fail',
      reason: 'not yet',
      why: { code: 'exited', params: { code: 127 } },
      cause: 'bash: kind: command not found',
      hint: { code: 'missingTool', params: { tool: 'kind' } },
      output: 'x\n',
      ms: 12,
      attempts: 2,
    };
    answer = answerJson(result);
    assert.deepEqual(await requestCheck('fixture', 'always-passes'), result);
    // A cause this page does not know yet (a newer runner's) reads as no hint: the verdict stays.
    answer = answerJson({ ...result, hint: { code: 'gremlins', params: {} } });
    const newer = await requestCheck('fixture', 'x');
    assert.equal(newer.status, 'fail');
    assert.equal(newer.hint, undefined);
    assert.equal(newer.cause, result.cause);
  });

  it('keeps whether the runner saved the result, and why not', async () => {
    const result = {
      status: 'pass',
      reason: 'ok',
      output: '',
      ms: 3,
      attempts: 1,
      saved: false,
      saveError: 'the disk is full (ENOSPC)',
    };
    answer = answerJson(result);
    assert.deepEqual(await requestCheck('fixture', 'always-passes'), result);
  });

  it('turns a check result that does not parse into an error with the internal text', async () => {
    for (const body of [
      { status: 'passed', reason: '', output: '', ms: 1, attempts: 1 },
      { status: 'pass' },
      'pass',
      null,
    ]) {
      answer = answerJson(body);
      const verdict = await requestCheck('fixture', 'always-passes');
      assert.equal(verdict.status, 'error', JSON.stringify(body));
      assert.equal(verdict.reason, strings['lab.error.internal']);
    }
    answer = () => Promise.resolve(new Response('<html>proxy error</html>', { status: 200 }));
    assert.equal((await requestCheck('fixture', 'x')).reason, strings['lab.error.internal']);
  });

  it("words a refusal by its code, and one that is not the runner's as internal", async () => {
    answer = answerJson({ code: 'unknown-check', message: 'no check "x"' }, 404);
    assert.deepEqual(await requestCheck('fixture', 'x'), {
      status: 'error',
      reason: strings['lab.error.unknown-check'],
      output: undefined,
      ms: 0,
      attempts: 0,
    });
    answer = answerJson({ code: 'no-such-code', message: 'from the future' }, 400);
    assert.equal((await requestCheck('fixture', 'x')).reason, strings['lab.error.internal']);
    answer = () => Promise.resolve(new Response('Bad Gateway', { status: 502 }));
    assert.equal((await requestCheck('fixture', 'x')).reason, strings['lab.error.internal']);
  });

  it('gives an error verdict when the request fails, never throws', async () => {
    answer = () => Promise.reject(new TypeError('Failed to fetch'));
    const verdict = await requestCheck('fixture', 'x');
    assert.equal(verdict.status, 'error');
    assert.equal(verdict.reason, strings['lab.error.internal']);
  });

  it('is connected only to a health answer of { ok: true }', async () => {
    answer = answerJson({ ok: true, version: '1.0.0' });
    assert.equal(await probeRunner({ fresh: true }), 'connected');
    for (const body of [{ ok: 'yes' }, {}, null, 'ok']) {
      answer = answerJson(body);
      assert.equal(await probeRunner({ fresh: true }), 'absent', JSON.stringify(body));
    }
    answer = () => Promise.resolve(new Response('<html></html>', { status: 200 }));
    assert.equal(await probeRunner({ fresh: true }), 'absent');
    answer = answerJson({ code: 'unauthorized', message: 'no token' }, 401);
    assert.equal(await probeRunner({ fresh: true }), 'unpaired');
  });

  it('rejects a progress that does not parse, with the internal text', async () => {
    answer = answerJson({
      version: 1,
      labs: { fixture: { 'always-passes': { status: 'passed' } } },
    });
    await assert.rejects(readProgress(), { message: strings['lab.error.internal'] });
  });
});
