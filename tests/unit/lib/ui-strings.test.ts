import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../src/lib/wire/error-codes.ts';
import { formatPlural } from '../../../src/lib/plural.ts';
import {
  allStringKeys,
  langOf,
  locales,
  pluralStrings,
  uiStringKeys,
} from '../../../src/lib/ui-strings.ts';

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
        readFileSync(`${root}src/content/i18n/${langOf[locale]}.json`, 'utf8'),
      ) as Record<string, string>;
      for (const key of uiStringKeys) {
        assert.ok(table[key]?.trim(), `${locale}.json lacks "${key}"`);
        assert.deepEqual(
          placeholders(table[key] ?? ''),
          placeholders(english[key] ?? ''),
          `${locale}.json "${key}" placeholders`,
        );
      }
      const lang = langOf[locale];
      for (const key of Object.keys(pluralStrings)) {
        for (const category of new Intl.PluralRules(lang).resolvedOptions().pluralCategories) {
          assert.ok(
            table[`${key}_${category}`]?.trim(),
            `${locale}.json lacks "${key}_${category}"`,
          );
        }
      }
      const unknown = Object.keys(table).filter((key) => !allStringKeys.includes(key));
      assert.deepEqual(
        unknown,
        [],
        `${locale}.json has keys src/lib/ui-strings.ts does not declare`,
      );
    });
  }
  it('picks Russian plural forms by the number: 1, 3, 5 and 21 checks', () => {
    const ru = JSON.parse(readFileSync(`${root}src/content/i18n/ru.json`, 'utf8')) as Record<
      string,
      string
    >;
    assert.equal(
      formatPlural(ru, 'ru', 'lab.progress.checks', 1, { passed: 1 }),
      'Пройдено 1 из 1 проверки',
    );
    assert.equal(
      formatPlural(ru, 'ru', 'lab.progress.checks', 3, { passed: 2 }),
      'Пройдено 2 из 3 проверок',
    );
    assert.equal(
      formatPlural(ru, 'ru', 'lab.progress.checks', 5, { passed: 3 }),
      'Пройдено 3 из 5 проверок',
    );
    assert.equal(
      formatPlural(ru, 'ru', 'lab.progress.checks', 21, { passed: 4 }),
      'Пройдено 4 из 21 проверки',
    );
    assert.equal(
      formatPlural(english, 'en', 'lab.progress.checks', 5, { passed: 3 }),
      '3 of 5 checks passed',
    );
    assert.equal(
      formatPlural(english, 'en', 'lab.progress.checks', 1, { passed: 0 }),
      '0 of 1 check passed',
    );
  });

  it('every runner error code has a string', () => {
    for (const code of Object.values(ErrorCode))
      assert.ok((uiStringKeys as string[]).includes(`lab.error.${code}`), code);
  });
});
