import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  avoidPattern,
  findViolations,
  parseGlossary,
  type TextKind,
} from '../../../src/lib/glossary.ts';

const root = new URL('../../..', import.meta.url).pathname;
const glossaryDir = join(root, 'content/glossary');
/** The UI string file of each docs folder: Starlight names it by language tag. */
const i18nFile: Record<string, string> = { it: 'it.json', 'zh-cn': 'zh-CN.json', ru: 'ru.json' };

/** Every file of a language a reader sees words of: chapters, UI strings (the hub's too), diagrams. */
function filesOf(lang: string): { path: string; kind: TextKind }[] {
  const inFolder = (folder: string, ext: string, kind: TextKind) => {
    const dir = join(root, folder, lang);
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => name.endsWith(ext))
          .map((name) => ({ path: `${folder}/${lang}/${name}`, kind }))
      : [];
  };
  return [
    ...inFolder('src/content/docs', '.mdx', 'mdx'),
    { path: `src/content/i18n/${i18nFile[lang]}`, kind: 'json' },
    ...inFolder('src/assets/diagrams', '.svg', 'svg'),
  ];
}

describe('glossaries', () => {
  for (const name of readdirSync(glossaryDir).filter((file) => file.endsWith('.yaml'))) {
    const glossary = parseGlossary(readFileSync(join(glossaryDir, name), 'utf8'));

    it(`${name} is for a translated language and its own renderings pass it`, () => {
      assert.equal(name, `${glossary.lang}.yaml`);
      assert.ok(glossary.lang in i18nFile, `no UI string file known for ${glossary.lang}`);
      for (const term of glossary.terms)
        for (const entry of term.avoid)
          assert.doesNotMatch(term.use, avoidPattern(entry), `"${term.en}": its use is avoided`);
    });

    for (const { path, kind } of filesOf(glossary.lang)) {
      it(`${path} uses only the renderings of content/glossary/${name}`, () => {
        const found = findViolations(glossary, readFileSync(join(root, path), 'utf8'), kind).map(
          ({ line, found, term }) =>
            `${path}:${line}: «${found}» for "${term.en}": use «${term.use}»`,
        );
        assert.deepEqual(found, []);
      });
    }
  }
});
