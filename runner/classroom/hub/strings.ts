import { readFileSync } from 'node:fs';
import { formatPlural } from '../../../src/lib/plural.ts';

/**
 * The hub's words, in the instructor's language. The runner has no Astro, so it reads the book's
 * UI string files (src/content/i18n) itself; every text the hub shows or exports comes from a
 * `lab.hub.*` key declared in src/lib/ui-strings.ts.
 */

/** The book's languages: tag (the i18n file's name) and the name a speaker reads. */
export const hubLanguages = [
  { lang: 'en', label: 'English' },
  { lang: 'it', label: 'Italiano' },
  { lang: 'zh-CN', label: '简体中文' },
  { lang: 'ru', label: 'Русский' },
] as const;
export type HubLang = (typeof hubLanguages)[number]['lang'];

const i18nDir = new URL('../../../src/content/i18n/', import.meta.url);
const tables = new Map<HubLang, Record<string, string>>();

function table(lang: HubLang): Record<string, string> {
  let found = tables.get(lang);
  if (!found) {
    found = JSON.parse(readFileSync(new URL(`${lang}.json`, i18nDir), 'utf8')) as Record<
      string,
      string
    >;
    tables.set(lang, found);
  }
  return found;
}

export interface HubStrings {
  /** The string of `key` with its {{placeholders}} filled in. */
  text: (key: string, values?: Record<string, string | number>) => string;
  /** The plural form of `key` for `count` (src/lib/plural.ts). */
  plural: (key: string, count: number, values?: Record<string, string | number>) => string;
}

export function hubStrings(lang: HubLang): HubStrings {
  const strings = table(lang);
  return {
    text: (key, values = {}) =>
      (strings[key] ?? key).replace(/\{\{(\w+)\}\}/g, (whole, name: string) =>
        name in values ? String(values[name]) : whole,
      ),
    plural: (key, count, values = {}) => formatPlural(strings, lang, key, count, values),
  };
}

/** The language named by `?lang=` if it is one of the book's, else the best of Accept-Language. */
export function pickLanguage(query: string | null, acceptLanguage: string | undefined): HubLang {
  const match = (tag: string): HubLang | undefined => {
    const lower = tag.trim().toLowerCase();
    if (lower.startsWith('zh'))
      return lower === 'zh-tw' || lower === 'zh-hant' ? undefined : 'zh-CN';
    return hubLanguages.find(({ lang }) => lower === lang || lower.startsWith(`${lang}-`))?.lang;
  };
  const asked = query ? match(query) : undefined;
  if (asked) return asked;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find(Boolean);
      return { tag, q: q === undefined ? 1 : Number(q) };
    })
    .filter(({ q }) => q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    const found = match(tag);
    if (found) return found;
  }
  return 'en';
}
