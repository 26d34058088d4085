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
  /** What this viewer was last sent: each row's JSON, the order, and the rest. */
  #rows = new Map<string, string>();
  #order = '';
  #rest: Record<string, string> = {};

  constructor(response: ServerResponse, lang: HubLang, query: TableQuery) {
    this.response = response;
    this.lang = lang;
    this.query = query;
  }

  /** The whole view, as the first event; what it holds becomes what later deltas compare with. */
  first(view: HubView): string {
    this.#remember(view);
    return `event: rows\ndata: ${JSON.stringify(view)}\n\n`;
  }

  /** What changed since the last event, or nothing when nothing did. */
  next(view: HubView): string | undefined {
    const delta: HubDelta = { rows: [] };
    for (const row of view.rows) {
      const text = JSON.stringify(row);
      if (this.#rows.get(row.id) !== text) delta.rows.push(row);
    }
    const order = view.rows.map((row) => row.id);
    const orderText = order.join('\n');
    if (orderText !== this.#order) delta.order = order;
    for (const key of ['summary', 'shown', 'problem', 'counts', 'chapters'] as const) {
      const text = JSON.stringify(view[key]);
      if (this.#rest[key] !== text) Object.assign(delta, { [key]: view[key] });
    }
    this.#remember(view);
    if (Object.keys(delta).length === 1 && delta.rows.length === 0) return undefined;
    return `event: delta\ndata: ${JSON.stringify(delta)}\n\n`;
  }

  #remember(view: HubView): void {
    this.#rows = new Map(view.rows.map((row) => [row.id, JSON.stringify(row)]));
    this.#order = view.rows.map((row) => row.id).join('\n');
    for (const key of ['summary', 'shown', 'problem', 'counts', 'chapters'] as const)
      this.#rest[key] = JSON.stringify(view[key]);
  }
}
