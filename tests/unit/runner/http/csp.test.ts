import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inlineScriptHashes, pagePolicy } from '../../../../runner/http/csp.ts';

const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('the pages’ Content-Security-Policy', () => {
  it('hashes exactly the inline scripts a browser would run', () => {
    const html = [
      '<script>(() => { theme(); })();</script>',
      '<script is:inline type="module">import("/x.js")</script>',
      '<script type="module" src="/_astro/page.js"></script>',
      '<script type="application/json" data-lab-strings>{"a":"b"}</script>',
      '<SCRIPT type=text/javascript>\nlet x = "é";\n</SCRIPT>',
    ].join('');
    assert.deepEqual(
      inlineScriptHashes(html),
      [sha('(() => { theme(); })();'), sha('import("/x.js")'), sha('\nlet x = "é";\n')].sort(),
    );
  });

  it('allows no inline script but those, no eval, no plugin, no <base>, and connects only where it says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-csp-'));
    try {
      const page = join(dir, 'index.html');
      writeFileSync(page, '<script>go()</script>');
      const policy = pagePolicy(page, ['ws://abc.localhost:4321']);
      const parts = new Map(
        policy.split('; ').map((part) => [part.split(' ')[0], part.split(' ').slice(1)]),
      );
      assert.deepEqual(parts.get('script-src'), ["'self'", "'wasm-unsafe-eval'", sha('go()')]);
      assert.deepEqual(parts.get('object-src'), ["'none'"]);
      assert.deepEqual(parts.get('base-uri'), ["'none'"]);
      assert.deepEqual(parts.get('connect-src'), ["'self'", 'ws://abc.localhost:4321']);
      assert.doesNotMatch(policy, /'unsafe-eval'|script-src[^;]*'unsafe-inline'/);
      // A rebuilt page is hashed again.
      writeFileSync(page, '<script>went()</script><!-- longer -->');
      assert.match(pagePolicy(page, []), new RegExp(sha('went()').replace(/[+/]/g, '\\$&')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
