/** The table's columns, in order: each is a field of a row and a `lab.hub.column.*` string. */
export const columns = ['name', 'chapter', 'passed', 'latest', 'stuck', 'lastSeen'] as const;

export const hubCss = `body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1b1f; }
header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: start; padding: 0.4rem 0.6rem; border-bottom: 1px solid #d4d4dc; }
tr[data-stuck] { background: #fff1e6; }
td[data-status="pass"] { color: #17663a; }
td[data-status="fail"], td[data-status="error"] { color: #a12a1d; }
#connection { color: #5c5c66; }
.name-note { color: #8a3b00; font-weight: 600; }
.name-note::before { content: "⚠ "; }
@media (prefers-color-scheme: dark) {
  body { background: #17171c; color: #e6e6ea; }
  th, td { border-color: #3a3a44; }
  tr[data-stuck] { background: #3b2616; }
  td[data-status="pass"] { color: #7fd19b; }
  td[data-status="fail"], td[data-status="error"] { color: #ff9d8f; }
  #connection { color: #a4a4b0; }
  .name-note { color: #ffb86b; }
}
`;

/**
 * The page's script: follows the live channel and rebuilds the rows with textContent only, so a
 * name is never parsed as HTML. Plain JavaScript, since the browser runs it as it is.
 */
export const hubScript = `const body = document.body;
const status = document.getElementById('connection');
const summary = document.getElementById('summary');
const tbody = document.getElementById('learners');
const columns = ${JSON.stringify(columns)};
const events = new EventSource('/api/events?lang=' + encodeURIComponent(body.dataset.lang));
events.addEventListener('open', () => { status.textContent = body.dataset.live; });
events.addEventListener('error', () => { status.textContent = body.dataset.offline; });
events.addEventListener('rows', (event) => {
  const view = JSON.parse(event.data);
  summary.textContent = view.summary;
  tbody.replaceChildren(...view.rows.map((row) => {
    const tr = document.createElement('tr');
    tr.dataset.learner = row.id;
    if (row.stuck) tr.dataset.stuck = '';
    for (const column of columns) {
      const td = document.createElement('td');
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
      } else {
        td.textContent = row[column];
      }
      if (column === 'latest') td.dataset.status = row.status;
      tr.append(td);
    }
    return tr;
  }));
});
`;
