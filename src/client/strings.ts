import type { ErrorCode } from '../lib/wire/error-codes.ts';
import { formatPlural } from '../lib/plural.ts';
import type { RunMessage } from '../lib/wire/protocol.ts';
import type { CheckVerdict } from './runner-link.ts';
import type { PluralStringKey, UiStringKey } from '../lib/ui-strings.ts';

/** The page's UI strings, rendered into it by LabRuntime in the page's language. */
let table: Record<string, string> | undefined;

function load(): Record<string, string> {
  const element = document.querySelector('script[data-lab-strings]');
  table = element?.textContent ? (JSON.parse(element.textContent) as Record<string, string>) : {};
  return table;
}

/**
 * Whether `key` is a UI string this page has: for keys built from what the runner sent (a doctor
 * item's `lab.doctor.<id>.<code>`), which a newer runner may name without the page knowing it.
 */
export function isStringKey(key: string): key is UiStringKey {
  return Object.hasOwn(table ?? load(), key);
}

/** A localized string with its {{placeholders}} filled in. */
export function t(key: UiStringKey, values: Record<string, string | number> = {}): string {
  const text = (table ?? load())[key] ?? key;
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

/** A duration for people: "420 ms", "3.2 s", in the page's language. */
export function duration(ms: number): string {
  const lang = document.documentElement.lang || 'en';
  if (ms < 1000) return t('lab.duration.ms', { value: new Intl.NumberFormat(lang).format(ms) });
  return t('lab.duration.s', {
    value: new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(ms / 1000),
  });
}

/** The localized text for a runner error code, or the runner's own message if the page lacks it. */
export function errorText(code: ErrorCode, fallback: string): string {
  const key: `lab.error.${ErrorCode}` = `lab.error.${code}`;
  return isStringKey(key) ? t(key) : fallback;
}

/** A string whose form depends on `count`, in the page's language's plural rules. */
export function plural(
  key: PluralStringKey,
  count: number,
  values: Record<string, string | number> = {},
): string {
  return formatPlural(table ?? load(), document.documentElement.lang || 'en', key, count, values);
}

/**
 * How a cell's or a script's run stands, as a cell's state line words it; `cellText` is the
 * cell's command, to tell whether a failed command is worth naming.
 */
export function runText(
  message: RunMessage,
  cellText?: string,
): {
  state: 'running' | 'interrupted' | 'ok' | 'failed';
  text: string;
} {
  if (message.state === 'running') return { state: 'running', text: t('lab.cell.state.running') };
  if (message.state === 'interrupted')
    return { state: 'interrupted', text: t('lab.cell.state.interrupted') };
  const took = duration(message.ms ?? 0);
  // A cell is failed when any of its commands failed, even if its last one succeeded; that
  // command is named, unless it is the whole cell.
  const failed = message.type === 'cell' ? message.failed : undefined;
  const bare = (text: string) => text.replace(/\s+/g, '');
  if (failed && bare(failed.command) !== bare(cellText ?? ''))
    return {
      state: 'failed',
      text: t('lab.cell.state.failedCommand', {
        command: failed.command,
        code: failed.exitCode,
        duration: took,
      }),
    };
  if (message.exitCode === 0 && !failed)
    return { state: 'ok', text: t('lab.cell.state.ok', { duration: took }) };
  return {
    state: 'failed',
    text: t('lab.cell.state.failed', {
      code: failed?.exitCode ?? message.exitCode ?? '?',
      duration: took,
    }),
  };
}

/** Why a check passed or failed, worded in the page's language; the runner's English if unknown. */
export function checkReason(verdict: CheckVerdict): string {
  if (!verdict.why) return verdict.reason ?? '';
  const said = t(`lab.check.why.${verdict.why.code}`, verdict.why.params);
  return verdict.attempts > 1 && verdict.status !== 'pass'
    ? `${said} (${plural('lab.check.attempts', verdict.attempts)})`
    : said;
}
