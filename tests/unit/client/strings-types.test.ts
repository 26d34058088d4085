import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../../../src/lib/wire/error-codes.ts';
import type { CheckStatus } from '../../../src/lib/wire/protocol.ts';
import { errorText, plural, t } from '../../../src/client/strings.ts';

/**
 * The UI-string keys are typed: `t` takes only keys of src/lib/ui-strings.ts, `plural` only its
 * plural keys. This function is never called; `tsc` checks it (npm run typecheck), and fails if
 * a mistyped key stops being an error (each `@ts-expect-error` is then unused) or a key built
 * from a known union stops type-checking.
 */
function typedKeys(status: CheckStatus, code: ErrorCode): string[] {
  return [
    t('lab.cell.copy'),
    t('lab.dock.reconnecting', { seconds: 3 }),
    // Keys built from the unions they come from.
    t(`lab.check.${status}`),
    t(`lab.error.${code}`),
    errorText(code, 'fallback'),
    plural('lab.progress.checks', 2, { passed: 1 }),
    // @ts-expect-error -- no such key
    t('lab.no.such.key'),
    // @ts-expect-error -- not an error code
    t('lab.error.no-such-code'),
    // @ts-expect-error -- a plural key is not a plain one
    t('lab.progress.checks'),
    // @ts-expect-error -- no such plural key
    plural('lab.no.such.key', 1),
  ];
}

describe('typed UI strings', () => {
  it('leaves the type-level checks uncalled, and t reads the page strings', () => {
    assert.equal(typeof typedKeys, 'function');
    Object.assign(globalThis, {
      document: {
        documentElement: { lang: 'en' },
        querySelector: (selector: string) =>
          selector === 'script[data-lab-strings]'
            ? { textContent: JSON.stringify({ 'lab.check.reason': 'Why: {{why}}' }) }
            : null,
      },
    });
    assert.equal(t('lab.check.reason', { why: 'because' }), 'Why: because');
    // A key the page was not given comes back as itself, and an error code as the fallback.
    assert.equal(t('lab.cell.copy'), 'lab.cell.copy');
    assert.equal(errorText('internal', 'the runner says'), 'the runner says');
  });
});
