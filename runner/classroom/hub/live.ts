import type { ServerResponse } from 'node:http';
import type { HubLang } from './strings.ts';
import type { TableQuery } from './table.ts';
import type { HubRow, HubView } from './view.ts';

/**
 * One open table (`GET /api/events`): the first event, `rows`, is the whole view; each later one,
 * `delta`, holds only what changed since this viewer's last event — the rows whose text changed,
 * the order of the rows when it changed, and the summary, counts and chapters when they changed —
 * so that a room of a thousand does not send the whole table at every report.
 */
export interface HubDelta {
  summary?: string;
  shown?: string;
  problem?: string;
  counts?: HubView['counts'];
  chapters?: HubView['chapters'];
  /** Rows that are new or whose text changed. */
  rows: HubRow[];
  /** Every row's id in the order shown, when the order or the set of rows changed. */
  order?: string[];
}

export class LiveViewer {
  readonly response: ServerResponse;
  readonly lang: HubLang;
  readonly query: TableQuery;
  /**
   * What this viewer was last sent: each shown row, the order, and the rest as JSON. The rows are
   * kept as the objects sent and compared field by field, and the order as the array sent: a push
   * to a room of a thousand where a few rows changed then makes only those rows' text, where
   * keeping each row's JSON made the whole table's text at every push (docs/performance.md, the
   * classroom section).
   */
  #rows = new Map<string, HubRow>();
  #order: readonly string[] = [];
  #rest: Record<string, string> = {};

  constructor(response: ServerResponse, lang: HubLang, query: TableQuery) {
    this.response = response;
    this.lang = lang;
    this.query = query;
  }

  /** The whole view, as the first event; what it holds becomes what later deltas compare with. */
  first(view: HubView): string {
    this.#rows = new Map(view.rows.map((row) => [row.id, row]));
    this.#order = view.rows.map((row) => row.id);
    for (const key of restKeys) this.#rest[key] = JSON.stringify(view[key]);
    return `event: rows\ndata: ${JSON.stringify(view)}\n\n`;
  }

  /** What changed since the last event, or nothing when nothing did. */
  next(view: HubView): string | undefined {
    const delta: HubDelta = { rows: [] };
    const sameOrder = sameIds(view.rows, this.#order);
    if (!sameOrder) {
      // Rows that left the view are forgotten, so that one coming back is sent whole.
      const shown = new Set(view.rows.map((row) => row.id));
      for (const id of this.#rows.keys()) if (!shown.has(id)) this.#rows.delete(id);
      this.#order = delta.order = [...shown];
    }
    for (const row of view.rows) {
      const sent = this.#rows.get(row.id);
      if (sent !== undefined && sameRow(sent, row)) continue;
      delta.rows.push(row);
      this.#rows.set(row.id, row);
    }
    let changed = !sameOrder || delta.rows.length > 0;
    for (const key of restKeys) {
      const text = JSON.stringify(view[key]);
      if (this.#rest[key] === text) continue;
      this.#rest[key] = text;
      Object.assign(delta, { [key]: view[key] });
      changed = true;
    }
    return changed ? `event: delta\ndata: ${JSON.stringify(delta)}\n\n` : undefined;
  }
}

const restKeys = ['summary', 'shown', 'problem', 'counts', 'chapters'] as const;

/** Whether the rows are shown in the order of `ids`, with no row more or less. */
function sameIds(rows: readonly HubRow[], ids: readonly string[]): boolean {
  if (rows.length !== ids.length) return false;
  for (let index = 0; index < rows.length; index++)
    if (rows[index]?.id !== ids[index]) return false;
  return true;
}

/** Whether two rows read the same: every field a row has is a string. */
function sameRow(a: HubRow, b: HubRow): boolean {
  if (a === b) return true;
  for (const key of rowKeys) if (a[key] !== b[key]) return false;
  return true;
}

/** Every field of a row, so that the compiler says when a new field is missing here. */
const rowFields: Record<keyof HubRow, true> = {
  id: true,
  name: true,
  nameNote: true,
  chapter: true,
  chapterId: true,
  passed: true,
  latest: true,
  status: true,
  checkId: true,
  stuck: true,
  lastSeen: true,
};
const rowKeys = Object.keys(rowFields) as Array<keyof HubRow>;
