import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pasteCommand, sanitizeForPaste } from '../../../../runner/terminal/paste.ts';

describe('paste', () => {
  it('wraps the text in a bracketed paste after clearing the line, then presses Enter', () => {
    assert.equal(pasteCommand('echo hi\n'), '\x05\x15\x1b[200~echo hi\x1b[201~\r');
  });

  it('keeps newlines and tabs of multi-line cells and heredocs', () => {
    assert.equal(sanitizeForPaste("cat <<'EOF'\n\tline\nEOF"), "cat <<'EOF'\n\tline\nEOF");
    assert.equal(sanitizeForPaste('a\r\nb\rc'), 'a\nb\nc');
  });

  for (const [name, hostile] of [
    ['a 7-bit paste end', 'echo a\x1b[201~rm -rf ~\n'],
    ['an 8-bit CSI paste end', 'echo a\u009b201~rm -rf ~\n'],
    ['a nested paste', 'echo \x1b[200~a\x1b[201~\x1b[201~b'],
    ['other controls', 'echo a\x03\x04\x1a\x7fb'],
  ] as const) {
    it(`strips ${name}, so the paste cannot end early`, () => {
      const pasted = pasteCommand(hostile);
      const body = pasted.slice('\x05\x15\x1b[200~'.length, -'\x1b[201~\r'.length);
      assert.doesNotMatch(body, /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/);
      assert.equal(pasted.split('\x1b[201~').length, 2, 'exactly one paste end');
    });
  }
});
