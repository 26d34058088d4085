import { columns } from './assets.ts';
import { namer } from './book-names.ts';
import type { LearnerSummary } from './learners.ts';
import { hubLanguages, hubStrings, type HubLang } from './strings.ts';
import { defaultQuery, queryParams, sortKeys, type TableQuery } from './table.ts';
import { hubView, type HubRow, type HubView, type ViewOptions } from './view.ts';

/**
 * The instructor's page, rendered by the hub in the instructor's language, with the rows, the
 * counts and the controls as the query asks; the script (assets.ts) then follows the live channel.
 * The controls are a plain GET form, so they work from the keyboard and without the script too.
 */

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
    if (column === 'chapter' && row.chapterId)
      return `<td title="${escapeHtml(row.chapterId)}">${value}</td>`;
    if (column === 'latest')
      return `<td data-status="${row.status}" title="${escapeHtml(row.checkId)}">${value}</td>`;
    return `<td>${value}</td>`;
  });
  return `<tr data-learner="${escapeHtml(row.id)}"${row.stuck ? ' data-stuck' : ''}>${cells.join('')}</tr>`;
}

function countsHtml(counts: HubView['counts']): string {
  return counts
    .map(
      (count) =>
        `<tr><td title="${escapeHtml(count.chapterId)}">${escapeHtml(count.chapter)}</td><td title="${escapeHtml(count.checkId)}">${escapeHtml(count.check)}</td><td>${count.past}</td><td>${count.stuck}</td></tr>`,
    )
    .join('\n');
}

/** A link to `path` with the language and the query. */
export function hubHref(path: string, lang: HubLang, query: TableQuery): string {
  const params = new URLSearchParams({ lang });
  for (const [name, value] of queryParams(query)) params.set(name, value);
  return `${path}?${params.toString()}`;
}

function controlsHtml(
  view: HubView,
  lang: HubLang,
  query: TableQuery,
  chapterName: (id: string) => string,
): string {
  const t = (key: string) => escapeHtml(hubStrings(lang).text(key));
  const option = (value: string, label: string, selected: boolean) =>
    `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
  const chapters = [...view.chapters];
  // A chapter asked for by the address that nobody has reached yet stays selectable.
  if (query.chapter && !chapters.some(({ id }) => id === query.chapter))
    chapters.push({ id: query.chapter, label: `${chapterName(query.chapter)} (0)` });
  return `<form id="table-controls" method="get" action="/">
<input type="hidden" name="lang" value="${lang}">
<label for="sort">${t('lab.hub.sort.label')}</label>
<select id="sort" name="sort">${sortKeys.map((key) => option(key, hubStrings(lang).text(`lab.hub.sort.${key}`), key === query.sort)).join('')}</select>
<label for="chapter">${t('lab.hub.filter.label')}</label>
<select id="chapter" name="chapter">${option('', hubStrings(lang).text('lab.hub.filter.all'), !query.chapter)}${chapters.map(({ id, label }) => option(id, label, id === query.chapter)).join('')}</select>
<button type="submit">${t('lab.hub.apply')}</button>
<span id="downloads"><a id="csv" href="${escapeHtml(hubHref('/api/learners.csv', lang, query))}" download${query.chapter ? '' : ' hidden'}>${t('lab.hub.csv.shown')}</a>
<a id="csv-all" href="${escapeHtml(hubHref('/api/learners.csv', lang, { ...query, chapter: undefined }))}" download>${t('lab.hub.csv')}</a></span>
</form>`;
}

/**
 * The whole page. The script and the style are separate routes (the CSP allows no inline code);
 * the page tells the script its language and its two status texts through data attributes.
 */
export function hubPage(
  learners: LearnerSummary[],
  lang: HubLang,
  now = Date.now(),
  options: ViewOptions = {},
): string {
  const query = options.query ?? defaultQuery;
  const t = (key: string) => escapeHtml(hubStrings(lang).text(key));
  const view = hubView(learners, lang, now, options);
  const switcher = hubLanguages
    .map(({ lang: other, label }) =>
      other === lang
        ? `<strong lang="${other}">${escapeHtml(label)}</strong>`
        : `<a href="${escapeHtml(hubHref('/', other, query))}" hreflang="${other}" lang="${other}">${escapeHtml(label)}</a>`,
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
<body data-lang="${lang}" data-live="${t('lab.hub.live')}" data-offline="${t('lab.hub.offline')}" data-signed-out="${t('lab.hub.signedOut')}">
<header>
<h1>${t('lab.hub.title')}</h1>
<nav aria-label="${t('lab.hub.language')}">${switcher}</nav>
</header>
<p>${t('lab.hub.intro')}</p>
${controlsHtml(view, lang, query, namer(options.names, lang).chapter)}
<p id="problem" role="alert"${view.problem ? '' : ' hidden'}>${escapeHtml(view.problem)}</p>
<p><span id="summary">${escapeHtml(view.summary)}</span> <span id="shown">${escapeHtml(view.shown)}</span> <span id="connection" role="status"></span></p>
<table>
<thead><tr>${columns.map((column) => `<th scope="col">${t(`lab.hub.column.${column}`)}</th>`).join('')}</tr></thead>
<tbody id="learners">${view.rows.map(rowHtml).join('\n')}</tbody>
</table>
<section id="counts-section" aria-labelledby="counts-title"${view.counts.length ? '' : ' hidden'}>
<h2 id="counts-title">${t('lab.hub.counts.title')}</h2>
<table aria-labelledby="counts-title">
<thead><tr><th scope="col">${t('lab.hub.column.chapter')}</th><th scope="col">${t('lab.hub.counts.check')}</th><th scope="col">${t('lab.hub.counts.past')}</th><th scope="col">${t('lab.hub.counts.stuck')}</th></tr></thead>
<tbody id="counts">${countsHtml(view.counts)}</tbody>
</table>
</section>
</body>
</html>
`;
}
