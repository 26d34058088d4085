import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/**
 * The Content-Security-Policy of the book's pages as the runner serves them. Scripts run only
 * from the runner's own origin or, inline, when their exact text hashes to a value the policy
 * lists: the built page's own inline scripts (Starlight's theme script, the sign-in script and
 * the like) are hashed from the very file served, so nothing injected into a page can run.
 * Astro's own `security.csp` was weighed and not used: it writes the policy into a `<meta>`,
 * which cannot hold `frame-ancestors`, and leaves `is:inline` scripts (Starlight's among them)
 * to be hashed by hand in the config, while the runner knows each page's text when it serves it.
 */

/** An inline `<script>` of an HTML page: its attributes and its exact text. */
const inlineScript = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;
/** Types a browser runs as script; any other (`application/json`) is data, never run. */
const scriptTypes = /^\s*(module|text\/javascript|application\/javascript)?\s*$/i;

/** The `'sha256-…'` source of every inline script of `html` that a browser would run. */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const [, attributes = '', text = ''] of html.matchAll(inlineScript)) {
    if (/\bsrc\s*=/i.test(attributes)) continue;
    const type = /\btype\s*=\s*["']?([^"'\s>]*)/i.exec(attributes)?.[1] ?? '';
    if (!scriptTypes.test(type)) continue;
    hashes.add(`'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`);
  }
  return [...hashes].sort();
}

/** Each page's hashes, kept while its file is unchanged (a rebuild writes new files). */
const cache = new Map<string, { stamp: string; hashes: string[] }>();

function hashesOf(file: string): string[] {
  const stat = statSync(file);
  const stamp = `${stat.mtimeMs}:${stat.size}`;
  const kept = cache.get(file);
  if (kept?.stamp === stamp) return kept.hashes;
  const hashes = inlineScriptHashes(readFileSync(file, 'utf8'));
  cache.set(file, { stamp, hashes });
  return hashes;
}

/**
 * The policy of one page: `connect` names where its requests and WebSocket may go beyond its own
 * origin (the terminal's `ws://` address). Styles may be inline: Starlight and the terminal set
 * them on elements, and a style cannot run code. `'wasm-unsafe-eval'` lets the search index's
 * WebAssembly compile, and allows no `eval` of script text.
 */
export function pagePolicy(file: string, connect: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${hashesOf(file).join(' ')}`.trimEnd(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self' ${connect.join(' ')}`.trimEnd(),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/**
 * The policy of a page with no inline code at all, such as the hub's: nothing from anywhere but
 * its own origin (`default-src 'none'`, so no object, font or image either), scripts and styles
 * from its own files only, its requests to its own origin, forms to itself, no framing.
 */
export const ownFilesPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
