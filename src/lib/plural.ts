/**
 * Picks the plural form of `key` for `count` in `lang` from a table of UI strings, with
 * {{placeholders}} filled in ({{count}} included). Falls back to `<key>_other`.
 */
export function formatPlural(
  table: Readonly<Record<string, string>>,
  lang: string,
  key: string,
  count: number,
  values: Record<string, string | number> = {},
): string {
  const category = new Intl.PluralRules(lang).select(count);
  const text = table[`${key}_${category}`] ?? table[`${key}_other`] ?? key;
  const all: Record<string, string | number> = { ...values, count };
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) =>
    name in all ? String(all[name]) : whole,
  );
}
