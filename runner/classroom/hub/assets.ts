import { defaultQuery } from './table.ts';

/** The table's columns, in order: each is a field of a row and a `lab.hub.column.*` string. */
export const columns = ['name', 'chapter', 'passed', 'latest', 'stuck', 'lastSeen'] as const;

export const hubCss = `body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1b1f; }
header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: start; padding: 0.4rem 0.6rem; border-bottom: 1px solid #d4d4dc; }
tr[data-stuck] { background: #fff1e6; }
td[data-status="pass"] { color: #17663a; }
td[data-status="fail"], td[data-status="error"] { color: #a12a1d; }
#connection, #shown { color: #5c5c66; }
#table-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 0.75rem; margin: 1rem 0; }
#table-controls select, #table-controls button { font: inherit; padding: 0.2rem 0.4rem; }
#table-controls a { margin-inline-start: auto; }
:focus-visible { outline: 2px solid #3b5bdb; outline-offset: 2px; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
.name-note { color: #8a3b00; font-weight: 600; }
.name-note::before { content: "⚠ "; }
@media (prefers-color-scheme: dark) {
  body { background: #17171c; color: #e6e6ea; }
  th, td { border-color: #3a3a44; }
  tr[data-stuck] { background: #3b2616; }
  td[data-status="pass"] { color: #7fd19b; }
  td[data-status="fail"], td[data-status="error"] { color: #ff9d8f; }
  #connection, #shown { color: #a4a4b0; }
  a { color: #9db4ff; }
  :focus-visible { outline-color: #9db4ff; }
  .name-note { color: #ffb86b; }
}
`;

/**
 * The page's script: follows the live channel and rebuilds the rows, the counts and the chapter
 * choices with textContent only, so a name is never parsed as HTML. The controls' form works
 * without it (a GET of the page); with it, a change applies at once: the address, the CSV link and
 * the language links take the new query, and the live channel reopens with it. Plain JavaScript,
 * since the browser runs it as it is.
 */
export const hubScript = `const body = document.body;
const status = document.getElementById('connection');
const summary = document.getElementById('summary');
const shown = document.getElementById('shown');
const tbody = document.getElementById('learners');
const countsSection = document.getElementById('counts-section');
const counts = document.getElementById('counts');
const form = document.getElementById('table-controls');
const sort = document.getElementById('sort');
const chapter = document.getElementById('chapter');
const csv = document.getElementById('csv');
const columns = ${JSON.stringify(columns)};
const defaultSort = ${JSON.stringify(defaultQuery.sort)};
let events;
let chapterList = '';

const query = () => {
  const params = new URLSearchParams({ lang: body.dataset.lang });
  if (sort.value !== defaultSort) params.set('sort', sort.value);
  if (chapter.value) params.set('chapter', chapter.value);
  return params;
};

const cell = (text) => {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
};

const renderRows = (rows) => tbody.replaceChildren(...rows.map((row) => {
  const tr = document.createElement('tr');
  tr.dataset.learner = row.id;
  if (row.stuck) tr.dataset.stuck = '';
  for (const column of columns) {
    const td = cell(column === 'name' ? '' : row[column]);
    if (column === 'name') {
      const bdi = document.createElement('bdi');
      bdi.textContent = row.name;
      td.append(bdi);
      if (row.nameNote) {
        const note = document.createElement('small');
        note.className = 'name-note';
        note.textContent = row.nameNote;
        td.append(' ', note);
      }
    }
    if (column === 'latest') td.dataset.status = row.status;
    tr.append(td);
  }
  return tr;
}));

const renderCounts = (list) => {
  countsSection.hidden = list.length === 0;
  counts.replaceChildren(...list.map((count) => {
    const tr = document.createElement('tr');
    tr.append(cell(count.chapter), cell(count.check), cell(count.past), cell(count.stuck));
    return tr;
  }));
};

// Rebuilt only when the list changes, so that an open list is not closed under the pointer.
const renderChapters = (list) => {
  const chosen = chapter.value;
  const all = list.some((item) => item.id === chosen) || !chosen
    ? list
    : [...list, { id: chosen, label: chosen + ' (0)' }];
  const text = JSON.stringify(all);
  if (text === chapterList) return;
  chapterList = text;
  chapter.replaceChildren(chapter.options[0], ...all.map((item) => {
    const option = document.createElement('option');
    option.value = item.id;
    option.textContent = item.label;
    option.selected = item.id === chosen;
    return option;
  }));
};

const connect = () => {
  events?.close();
  events = new EventSource('/api/events?' + query());
  events.addEventListener('open', () => { status.textContent = body.dataset.live; });
  events.addEventListener('error', () => { status.textContent = body.dataset.offline; });
  events.addEventListener('rows', (event) => {
    const view = JSON.parse(event.data);
    summary.textContent = view.summary;
    shown.textContent = view.shown;
    renderRows(view.rows);
    renderCounts(view.counts);
    renderChapters(view.chapters);
  });
};

const apply = () => {
  const params = query();
  history.replaceState(null, '', '?' + params);
  csv.href = '/api/learners.csv?' + params;
  for (const link of document.querySelectorAll('nav a[hreflang]')) {
    const other = new URLSearchParams(params);
    other.set('lang', link.hreflang);
    link.href = '?' + other;
  }
  connect();
};

form.addEventListener('submit', (event) => {
  event.preventDefault();
  apply();
});
sort.addEventListener('change', apply);
chapter.addEventListener('change', apply);
connect();
`;
