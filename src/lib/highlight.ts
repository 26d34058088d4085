import { createHighlighter, type Highlighter } from 'shiki';

const themes = { light: 'github-light', dark: 'github-dark' } as const;
const langs = ['bash', 'shell', 'yaml', 'json', 'text'] as const;

let highlighter: Promise<Highlighter> | undefined;

/**
 * Highlights a lab's code at build time with both themes at once; the page switches between them
 * with Starlight's data-theme attribute, so no highlighting code ever reaches the browser.
 */
export async function highlight(code: string, lang: string): Promise<string> {
  highlighter ??= createHighlighter({ themes: Object.values(themes), langs: [...langs] });
  const shiki = await highlighter;
  const known = (langs as readonly string[]).includes(lang) ? lang : 'text';
  return shiki.codeToHtml(code, { lang: known, themes, defaultColor: 'light' });
}
