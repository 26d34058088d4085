import { config } from 'zod/mini';

/**
 * Imported before the page parses anything with zod: zod's faster parsers are compiled with
 * `new Function`, and merely probing whether that is allowed is a violation of the runner's
 * Content-Security-Policy (runner/http/csp.ts), which allows no `eval` of any kind.
 */
config({ jitless: true });
