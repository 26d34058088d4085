import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkResultSchema, parseServerMessage } from '../../../src/lib/wire/protocol.ts';
import { protocolMismatch, protocolVersion } from '../../../src/lib/wire/protocol-version.ts';

/** Parses `frames` in turn, collecting what `parseServerMessage` warns. */
function parseAll(frames: string[]) {
  const warnings: string[] = [];
  const messages = frames.map((frame) =>
    parseServerMessage(frame, (warning) => warnings.push(warning)),
  );
  return { messages, warnings };
}

describe('parseServerMessage: a runner of another version', () => {
  it('reads a message with fields it does not know, and drops them', () => {
    const { messages, warnings } = parseAll([
      JSON.stringify({
        type: 'cell',
        lab: 'fixture',
        cell: 'say-hello',
        state: 'done',
        exitCode: 0,
        ms: 12,
        cpuMs: 3,
        failed: undefined,
      }),
      JSON.stringify({ type: 'visible', data: 'rows', cursor: { x: 1, y: 2 } }),
      JSON.stringify({
        type: 'screen',
        data: '',
        cols: 80,
        rows: 24,
        running: { lab: 'fixture', cell: 'say-hello', startedAt: 5 },
      }),
    ]);
    assert.deepEqual(messages, [
      { type: 'cell', lab: 'fixture', cell: 'say-hello', state: 'done', exitCode: 0, ms: 12 },
      { type: 'visible', data: 'rows' },
      {
        type: 'screen',
        data: '',
        cols: 80,
        rows: 24,
        running: { lab: 'fixture', cell: 'say-hello' },
      },
    ]);
    assert.deepEqual(warnings, []);
  });

  it('reads a hint or a reason with a code it does not know as absent, keeping the message', () => {
    const { messages } = parseAll([
      JSON.stringify({
        type: 'cell',
        lab: 'fixture',
        cell: 'c',
        state: 'done',
        exitCode: 1,
        hint: { code: 'cosmicRays', params: {} },
      }),
      JSON.stringify({
        type: 'check',
        lab: 'fixture',
        check: 'k',
        attempt: 2,
        why: { code: 'moonPhase', params: {} },
      }),
    ]);
    assert.deepEqual(messages, [
      { type: 'cell', lab: 'fixture', cell: 'c', state: 'done', exitCode: 1, hint: undefined },
      { type: 'check', lab: 'fixture', check: 'k', attempt: 2, why: undefined },
    ]);
    const result = checkResultSchema.safeParse({
      status: 'fail',
      reason: 'the moon is full',
      why: { code: 'moonPhase', params: {} },
      output: '',
      ms: 1,
      attempts: 1,
      flavour: 'new',
    });
    assert.equal(result.success, true);
    assert.equal(result.data?.reason, 'the moon is full');
    assert.equal(result.data?.why, undefined);
  });

  it('ignores a message type it does not know, and logs it once however often it comes', () => {
    const { messages, warnings } = parseAll([
      '{"type":"telemetry","cpu":1}',
      '{"type":"telemetry","cpu":2}',
      '{"type":"telemetry","cpu":3}',
      '{"type":"bell"}',
    ]);
    assert.deepEqual(messages, [undefined, undefined, undefined, undefined]);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /"telemetry".*newer than this page/);
    assert.match(warnings[1] ?? '', /"bell"/);
  });

  it('ignores, and logs each time, a known type whose fields it cannot read', () => {
    const { messages, warnings } = parseAll([
      '{"type":"cell","lab":"fixture","cell":"c","state":"sleeping"}',
      '{"type":"cell","lab":"fixture","cell":"c","state":"sleeping"}',
      'not json',
    ]);
    assert.deepEqual(messages, [undefined, undefined, undefined]);
    assert.equal(warnings.length, 3);
  });
});

describe('protocolMismatch', () => {
  const page = { version: 3, oldest: 2 };

  it('works with a runner whose protocol is in the range the page reads', () => {
    assert.equal(protocolMismatch({ ok: true, version: 'x', protocol: 2 }, page), undefined);
    assert.equal(protocolMismatch({ ok: true, version: 'x', protocol: 3 }, page), undefined);
    assert.equal(
      protocolMismatch({ ok: true, version: 'x', protocol: protocolVersion }),
      undefined,
    );
  });

  it('calls a runner that announces no protocol version 1', () => {
    assert.equal(protocolMismatch({ ok: true, version: 'x' }), undefined);
    assert.equal(protocolMismatch({ ok: true, version: 'x' }, page), 'old');
  });

  it('says which side is behind', () => {
    assert.equal(protocolMismatch({ ok: true, protocol: 1 }, page), 'old');
    assert.equal(protocolMismatch({ ok: true, protocol: 4 }, page), 'new');
  });
});
