import { formatPlural } from '../lib/plural.ts';

/** The page's UI strings, rendered into it by LabRuntime in the page's language. */
let table: Record<string, string> | undefined;

function load(): Record<string, string> {
  const element = document.querySelector('script[data-lab-strings]');
  table = element?.textContent ? (JSON.parse(element.textContent) as Record<string, string>) : {};
  return table;
}

/** A localized string with its {{placeholders}} filled in. */
export function t(key: string, values: Record<string, string | number> = {}): string {
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

/** The localized text for a runner error code, or the runner's own message if the code is new. */
export function errorText(code: string, fallback: string): string {
  const key = `lab.error.${code}`;
  const text = t(key);
  return text === key ? fallback : text;
}

/** A string whose form depends on `count`, in the page's language's plural rules. */
export function plural(
  key: string,
  count: number,
  values: Record<string, string | number> = {},
): string {
  return formatPlural(table ?? load(), document.documentElement.lang || 'en', key, count, values);
}
