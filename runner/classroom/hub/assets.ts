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
#problem { border-inline-start: 4px solid #a12a1d; padding: 0.5rem 0.75rem; background: #fdeceb; }
#table-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 0.75rem; margin: 1rem 0; }
#table-controls select, #table-controls button { font: inherit; padding: 0.2rem 0.4rem; }
#downloads { margin-inline-start: auto; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; }
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
  #problem { background: #3b1a17; border-color: #ff9d8f; }
  a { color: #9db4ff; }
  :focus-visible { outline-color: #9db4ff; }
  .name-note { color: #ffb86b; }
}
`;

/**
 * The page's script. The view token comes as the runner's does: from the link's fragment
 * (`#token=`), which it moves to `localStorage` and drops from the address bar, then with every
 * request as a Bearer header; no cookie. It follows the live channel (a `fetch` stream, since an
 * EventSource cannot send a header): a first `rows` event with the whole table, then `delta` events
 * with the rows that changed and their order (hub/live.ts). It builds rows, counts and chapter
 * choices with textContent only, so a name is never parsed as HTML. A change of the controls applies at once
 * (the Apply button, there for a page without its script, is hidden): the address and the
 * language links take the new query, and the live channel reopens with it. The CSV links download
 * through the same header: with a chapter chosen, one holds that chapter's learners and the other
 * the whole room; without, only the whole room's is there. Plain JavaScript, run as it is.
 */
export const hubScript = `const body = document.body;
const status = document.getElementById('connection');
const summary = document.getElementById('summary');
const problem = document.getElementById('problem');
const shown = document.getElementById('shown');
const tbody = document.getElementById('learners');
const countsSection = document.getElementById('counts-section');
const counts = document.getElementById('counts');
const form = document.getElementById('table-controls');
const sort = document.getElementById('sort');
const chapter = document.getElementById('chapter');
const csv = document.getElementById('csv');
const csvAll = document.getElementById('csv-all');
form.querySelector('button[type="submit"]').hidden = true;
const columns = ${JSON.stringify(columns)};
const defaultSort = ${JSON.stringify(defaultQuery.sort)};
const storageKey = 'istio-lab-hub-token';
let live;
let chapterList = '';

let fromFragment;
const takeFragment = () => {
  const given = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!given) return false;
  fromFragment = given;
  try { localStorage.setItem(storageKey, given); } catch {}
  history.replaceState(null, '', location.pathname + location.search);
  return true;
};
takeFragment();
const token = () => {
  try { return localStorage.getItem(storageKey) || fromFragment; } catch { return fromFragment; }
};
const authorized = () => ({ Authorization: 'Bearer ' + token() });

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

/** The table's rows by learner id, so that a delta replaces only the rows that changed. */
const rowsById = new Map();

const rowElement = (row) => {
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
    if (column === 'latest' && row.checkId) td.title = row.checkId;
    if (column === 'chapter' && row.chapterId) td.title = row.chapterId;
    tr.append(td);
  }
  return tr;
};

const renderRows = (rows) => {
  rowsById.clear();
  for (const row of rows) rowsById.set(row.id, rowElement(row));
  tbody.replaceChildren(...rowsById.values());
};

const applyRows = (rows, order) => {
  for (const row of rows) {
    const fresh = rowElement(row);
    rowsById.get(row.id)?.replaceWith(fresh);
    rowsById.set(row.id, fresh);
  }
  if (!order) return;
  const kept = new Set(order);
  for (const id of [...rowsById.keys()]) if (!kept.has(id)) rowsById.delete(id);
  tbody.replaceChildren(...order.map((id) => rowsById.get(id)).filter(Boolean));
};

const renderCounts = (list) => {
  countsSection.hidden = list.length === 0;
  counts.replaceChildren(...list.map((count) => {
    const tr = document.createElement('tr');
    const chapterCell = cell(count.chapter);
    chapterCell.title = count.chapterId;
    const checkCell = cell(count.check);
    checkCell.title = count.checkId;
    tr.append(chapterCell, checkCell, cell(count.past), cell(count.stuck));
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

const render = (view) => {
  summary.textContent = view.summary;
  shown.textContent = view.shown;
  problem.textContent = view.problem;
  problem.hidden = !view.problem;
  renderRows(view.rows);
  renderCounts(view.counts);
  renderChapters(view.chapters);
};

const renderDelta = (delta) => {
  if ('summary' in delta) summary.textContent = delta.summary;
  if ('shown' in delta) shown.textContent = delta.shown;
  if ('problem' in delta) {
    problem.textContent = delta.problem;
    problem.hidden = !delta.problem;
  }
  applyRows(delta.rows, delta.order);
  if (delta.counts) renderCounts(delta.counts);
  if (delta.chapters) renderChapters(delta.chapters);
};

const signedOut = () => {
  status.textContent = '';
  problem.textContent = body.dataset.signedOut;
  problem.hidden = false;
};

/** Reads the event stream: blocks split by a blank line, each an event name and its data. */
const follow = async (controller) => {
  const answer = await fetch('/api/events?' + query(), {
    headers: authorized(),
    signal: controller.signal,
    cache: 'no-store',
  });
  if (answer.status === 401) return 'signed-out';
  if (!answer.ok || !answer.body) throw new Error('status ' + answer.status);
  status.textContent = body.dataset.live;
  const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('closed');
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\\n\\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (event === 'rows') render(JSON.parse(data));
      if (event === 'delta') renderDelta(JSON.parse(data));
    }
  }
};

const connect = () => {
  live?.abort();
  const controller = new AbortController();
  live = controller;
  if (!token()) return signedOut();
  const attempt = () => follow(controller).then(
    (outcome) => { if (outcome === 'signed-out') signedOut(); },
    () => {
      if (controller.signal.aborted) return;
      status.textContent = body.dataset.offline;
      setTimeout(() => { if (live === controller) attempt(); }, 2000);
    },
  );
  attempt();
};

const apply = () => {
  const params = query();
  history.replaceState(null, '', '?' + params);
  csv.href = '/api/learners.csv?' + params;
  csv.hidden = !chapter.value;
  const all = new URLSearchParams(params);
  all.delete('chapter');
  csvAll.href = '/api/learners.csv?' + all;
  for (const link of document.querySelectorAll('nav a[hreflang]')) {
    const other = new URLSearchParams(params);
    other.set('lang', link.hreflang);
    link.href = '?' + other;
  }
  connect();
};

const download = async (event) => {
  event.preventDefault();
  const answer = await fetch(event.currentTarget.href, { headers: authorized(), cache: 'no-store' });
  if (answer.status === 401) return signedOut();
  if (!answer.ok) return;
  const name = /filename="([^"]+)"/.exec(answer.headers.get('content-disposition') || '');
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await answer.blob());
  link.download = name ? name[1] : 'classroom.csv';
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
};
csv.addEventListener('click', download);
csvAll.addEventListener('click', download);
form.addEventListener('submit', (event) => {
  event.preventDefault();
  apply();
});
sort.addEventListener('change', apply);
chapter.addEventListener('change', apply);
// The view link opened on a page already open here: take its token and follow again.
window.addEventListener('hashchange', () => { if (takeFragment()) connect(); });
connect();
`;
