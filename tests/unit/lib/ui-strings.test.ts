import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../src/lib/error-codes.ts';
import { locales, uiStringKeys } from '../../../src/lib/ui-strings.ts';

const root = new URL('../../..', import.meta.url).pathname;
const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('UI strings', () => {
  const english = JSON.parse(readFileSync(`${root}src/content/i18n/en.json`, 'utf8')) as Record<
    string,
    string
  >;
  for (const locale of locales) {
    it(`${locale} has a non-empty value for every key, with the same placeholders`, () => {
      const table = JSON.parse(
        readFileSync(`${root}src/content/i18n/${locale}.json`, 'utf8'),
      ) as Record<string, string>;
      for (const key of uiStringKeys) {
        assert.ok(table[key]?.trim(), `${locale}.json lacks "${key}"`);
        assert.deepEqual(
          placeholders(table[key] ?? ''),
          placeholders(english[key] ?? ''),
          `${locale}.json "${key}" placeholders`,
        );
      }
      const unknown = Object.keys(table).filter((key) => !(uiStringKeys as string[]).includes(key));
      assert.deepEqual(
        unknown,
        [],
        `${locale}.json has keys src/lib/ui-strings.ts does not declare`,
      );
    });
  }
  it('every runner error code has a string', () => {
    for (const code of Object.values(ErrorCode))
      assert.ok((uiStringKeys as string[]).includes(`lab.error.${code}`), code);
  });
});
