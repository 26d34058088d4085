import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveStatic } from '../../../../runner/http/static-files.ts';

describe('static files of the built book', () => {
  let place: string;
  let book: string;
  before(() => {
    place = mkdtempSync(join(tmpdir(), 'istio-lab-static-'));
    book = join(place, 'dist');
    mkdirSync(join(book, 'en', 'install'), { recursive: true });
    writeFileSync(join(book, 'index.html'), 'home');
    writeFileSync(join(book, 'en', 'install', 'index.html'), 'install');
    writeFileSync(join(place, 'secret.txt'), 'not part of the book');
    mkdirSync(join(place, 'private'));
    writeFileSync(join(place, 'private', 'index.html'), 'private');
    // Links inside the book that point out of it: a file, and a folder.
    symlinkSync(join(place, 'secret.txt'), join(book, 'leak.txt'));
    symlinkSync(join(place, 'private'), join(book, 'elsewhere'));
    // A link that stays inside the book is fine.
    symlinkSync(join(book, 'en', 'install', 'index.html'), join(book, 'alias.html'));
  });
  after(() => rmSync(place, { recursive: true, force: true }));

  it('finds pages by path, folder index and .html', () => {
    assert.match(resolveStatic(book, '/') ?? '', /index\.html$/);
    assert.match(resolveStatic(book, '/en/install/') ?? '', /install[/\\]index\.html$/);
    assert.ok(resolveStatic(book, '/alias'), 'a link inside the book is served');
  });

  it('never leaves the book by .. or encoded ..', () => {
    assert.equal(resolveStatic(book, '/../secret.txt'), undefined);
    assert.equal(resolveStatic(book, '/%2e%2e/secret.txt'), undefined);
  });

  it('never follows a symbolic link out of the book', () => {
    assert.equal(resolveStatic(book, '/leak.txt'), undefined);
    assert.equal(resolveStatic(book, '/elsewhere/'), undefined);
    assert.equal(resolveStatic(book, '/elsewhere/index.html'), undefined);
  });
});
