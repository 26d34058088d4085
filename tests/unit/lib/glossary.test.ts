import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findViolations, parseGlossary } from '../../../src/lib/glossary.ts';

const glossary = parseGlossary(`
lang: ru
terms:
  - en: identity
    use: удостоверение
    avoid: ['/идентификатор(?![а-яё]*\\s+запроса)/i']
  - en: presenter mode
    use: режим докладчика
    avoid: [Презентация, классный хаб]
`);

describe('findViolations', () => {
  it('names the line of each forbidden rendering in prose, a plain entry across a line break too', () => {
    const page = [
      '---',
      'title: Презентация',
      '---',
      'Прокси предъявляет свой идентификатор.',
      '',
      'Идентификатор запроса остаётся, и удостоверение тоже.',
      'Это классный',
      'хаб.',
    ].join('\n');
    assert.deepEqual(
      findViolations(glossary, page, 'mdx').map(({ line, found }) => [line, found]),
      [
        [2, 'Презентация'],
        [4, 'идентификатор'],
        [7, 'классный хаб'],
      ],
    );
  });

  it('skips code, imports, link targets, tags and JSON keys', () => {
    const page = [
      "import Presentation from '~/components/Презентация.astro';",
      '```text',
      'идентификатор',
      '```',
      'Команда `echo идентификатор` и [ссылка](../Презентация/) и <Pin name="Презентация" />.',
    ].join('\n');
    assert.deepEqual(findViolations(glossary, page, 'mdx'), []);
    const json = '{\n  "Презентация": "Режим докладчика",\n  "lab.x": "Презентация"\n}';
    assert.deepEqual(
      findViolations(glossary, json, 'json').map(({ line }) => line),
      [3],
    );
    const svg = '<svg><text id="Презентация">режим</text><text>Презентация</text></svg>';
    assert.equal(findViolations(glossary, svg, 'svg').length, 1);
  });
});
