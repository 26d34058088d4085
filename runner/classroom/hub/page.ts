import { readFileSync } from 'node:fs';
import { formatPlural } from '../../../src/lib/plural.ts';
import { columns } from './assets.ts';
import type { LearnerSummary } from './learners.ts';

/**
 * The instructor's table, rendered by the hub in the instructor's language: the page itself, and
 * the rows that the live channel pushes. The runner has no Astro, so it reads the book's UI string
 * files (src/content/i18n) itself; every text on the page comes from a `lab.hub.*` key.
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

/** One row of the table as text, in one language; `status` is kept raw for styling. */
export interface HubRow {
  id: string;
  name: string;
  /** Beside the name, when it deserves a second look (duplicate or look-alike), else empty. */
  nameNote: string;
  chapter: string;
  passed: string;
  latest: string;
  status: '' | 'pass' | 'fail' | 'error';
  stuck: string;
  lastSeen: string;
}

/** What the page shows above and in the table: a summary line and the rows. */
export interface HubView {
  summary: string;
  rows: HubRow[];
}

export function hubView(learners: LearnerSummary[], lang: HubLang, now = Date.now()): HubView {
  const strings = table(lang);
  const text = (key: string, values: Record<string, string | number> = {}) =>
    (strings[key] ?? key).replace(/\{\{(\w+)\}\}/g, (whole, name: string) =>
      name in values ? String(values[name]) : whole,
    );
  const plural = (key: string, count: number, values: Record<string, string | number> = {}) =>
    formatPlural(strings, lang, key, count, values);
  const rows = learners.map((learner): HubRow => {
    const seenMinutes = Math.max(0, Math.floor((now - Date.parse(learner.lastSeen)) / 60_000));
    const stuck = learner.stuck;
    return {
      id: learner.id,
      name: learner.name,
      nameNote: learner.nameWarning ? text(`lab.hub.name.${learner.nameWarning}`) : '',
      chapter: learner.chapter ?? '',
      passed: String(learner.passed),
      latest: learner.latest
        ? `${learner.latest.check}: ${text(`lab.hub.status.${learner.latest.status}`)}`
        : '',
      status: learner.latest?.status ?? '',
      stuck: !stuck
        ? ''
        : stuck.minutes < 1
          ? text('lab.hub.stuckUnderMinute', { check: stuck.check })
          : plural('lab.hub.stuck', stuck.minutes, { check: stuck.check }),
      lastSeen:
        seenMinutes < 1 ? text('lab.hub.seenJustNow') : plural('lab.hub.seenAgo', seenMinutes),
    };
  });
  const stuckCount = learners.filter((learner) => learner.stuck).length;
  return {
    summary: rows.length
      ? plural('lab.hub.summary', rows.length, { stuck: stuckCount })
      : text('lab.hub.empty'),
    rows,
  };
}

/** Text made safe for HTML content and attribute values: learners choose their own names. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? '',
  );
}

function rowHtml(row: HubRow): string {
  const cells = columns.map((column) => {
    const value = escapeHtml(row[column]);
    if (column === 'name')
      return row.nameNote
        ? `<td><bdi>${value}</bdi> <small class="name-note">${escapeHtml(row.nameNote)}</small></td>`
        : `<td><bdi>${value}</bdi></td>`;
    if (column === 'latest') return `<td data-status="${row.status}">${value}</td>`;
    return `<td>${value}</td>`;
  });
  return `<tr data-learner="${escapeHtml(row.id)}"${row.stuck ? ' data-stuck' : ''}>${cells.join('')}</tr>`;
}

/**
 * The whole page. The script and the style are separate routes (the CSP allows no inline code);
 * the page tells the script its language and its two status texts through data attributes.
 */
export function hubPage(learners: LearnerSummary[], lang: HubLang, now = Date.now()): string {
  const strings = table(lang);
  const t = (key: string) => escapeHtml(strings[key] ?? key);
  const view = hubView(learners, lang, now);
  const switcher = hubLanguages
    .map(({ lang: other, label }) =>
      other === lang
        ? `<strong lang="${other}">${escapeHtml(label)}</strong>`
        : `<a href="?lang=${other}" hreflang="${other}" lang="${other}">${escapeHtml(label)}</a>`,
    )
    .join(' · ');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t('lab.hub.title')}</title>
<link rel="stylesheet" href="/hub.css">
<script type="module" src="/hub.js"></script>
</head>
<body data-lang="${lang}" data-live="${t('lab.hub.live')}" data-offline="${t('lab.hub.offline')}">
<header>
<h1>${t('lab.hub.title')}</h1>
<nav aria-label="${t('lab.hub.language')}">${switcher}</nav>
</header>
<p>${t('lab.hub.intro')}</p>
<p><span id="summary">${escapeHtml(view.summary)}</span> <span id="connection" role="status"></span></p>
<table>
<thead><tr>${columns.map((column) => `<th scope="col">${t(`lab.hub.column.${column}`)}</th>`).join('')}</tr></thead>
<tbody id="learners">${view.rows.map(rowHtml).join('\n')}</tbody>
</table>
</body>
</html>
`;
}
