import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  alteredCode,
  checkBuiltCode,
  inlineCode,
} from '../../../src/integrations/code-typography.ts';

const root = new URL('../../..', import.meta.url).pathname;

describe('commands in prose and typography', () => {
  const temp = mkdtempSync(join(tmpdir(), 'code-typography-'));
  after(() => rmSync(temp, { recursive: true, force: true }));

  it('reads inline code spans, decoded, and leaves code blocks alone', () => {
    const html =
      '<p>Run <code>kind delete cluster &#x2D;&#45;name x</code> and <code class="a">a &amp;&amp; ' +
      '<span>b</span>\n  c</code>.</p><pre><code>“block”</code></pre>';
    assert.deepEqual(inlineCode(html), ['kind delete cluster --name x', 'a && b c']);
  });

  it('flags a span whose typography the sources do not have, not one they do', () => {
    const sources = 'write `kind delete cluster --name istio-lab` or `Bearer …`';
    const html = '<code>kind delete cluster –name istio-lab</code><code>Bearer …</code>';
    assert.deepEqual(alteredCode(html, sources), ['kind delete cluster –name istio-lab']);
    assert.deepEqual(alteredCode('<code>“result”:[]</code>', '"result":[]'), ['“result”:[]']);
  });

  it('names the page and the fix for every altered span of a build', () => {
    const book = join(temp, 'book');
    mkdirSync(join(book, 'src'), { recursive: true });
    mkdirSync(join(book, 'content'));
    writeFileSync(join(book, 'src/page.mdx'), 'Run <code>kind get clusters --quiet</code>.');
    const out = join(book, 'dist/en/cluster');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'index.html'), '<p>Run <code>kind get clusters –quiet</code>.</p>');
    const problems = checkBuiltCode(join(book, 'dist'), book);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^en\/cluster\/index\.html: code "kind get clusters –quiet"/);
    assert.match(problems[0] ?? '', /Markdown inline code/);
  });

  it('finds no altered command in the built book, when there is one', (t) => {
    const dist = join(root, 'dist');
    let built: string[] = [];
    try {
      built = readdirSync(dist);
    } catch {
      // No build yet: the build itself runs the same guard.
    }
    if (!built.includes('en')) {
      t.skip('the book has not been built');
      return;
    }
    assert.deepEqual(checkBuiltCode(dist, root), []);
  });

  it('keeps chapters free of <code> elements, which smart punctuation reaches', () => {
    const docs = join(root, 'src/content/docs');
    const offenders = readdirSync(docs, { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.mdx'))
      .filter((file) => readFileSync(join(docs, file), 'utf8').includes('<code>'));
    assert.deepEqual(offenders, []);
  });
});
