import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPlacements } from '../../../src/lib/placements.ts';
import { englishParagraphs } from '../../../src/lib/untranslated.ts';
import { locales } from '../../../src/lib/ui-strings.ts';

const root = new URL('../../..', import.meta.url).pathname;
const docs = join(root, 'src/content/docs');
const chapters = readdirSync(join(docs, 'en')).filter((name) => name.endsWith('.mdx'));
const ids = (file: string) =>
  findPlacements(readFileSync(file, 'utf8')).map((p) => `${p.kind}:${p.id}`);

describe('translations', () => {
  for (const locale of locales.filter((l) => l !== 'en')) {
    for (const chapter of chapters) {
      const file = join(docs, locale, chapter);
      if (!existsSync(file)) continue;
      it(`${locale}/${chapter} places the same cells and checks in the same order as English`, () => {
        assert.deepEqual(ids(file), ids(join(docs, 'en', chapter)));
      });
      it(`${locale}/${chapter} has no untranslated English paragraph`, () => {
        assert.deepEqual(englishParagraphs(readFileSync(file, 'utf8')), []);
      });
    }
  }

  it('the detector finds an English paragraph and passes translated prose with names and commands', () => {
    const page = [
      '---',
      'title: x',
      '---',
      'Il piano di controllo di Istio è istiod: usa `kubectl get pods -n istio-system` per vederlo con Envoy e Kubernetes.',
      '',
      'This paragraph was left in English when the rest of the page was translated.',
      '',
      'Сервисная сетка управляет трафиком между сервисами с помощью Envoy.',
      '',
      '服务网格通过 Envoy 代理管理服务之间的流量。',
    ].join('\n');
    assert.deepEqual(englishParagraphs(page), [
      'This paragraph was left in English when the rest of the page was translated.',
    ]);
  });
});
