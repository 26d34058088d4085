import type { Why } from './wire/failure-reasons.ts';
import type { Expect } from './lab-schema.ts';

/**
 * The verdict of a check's `expect` on its standard output: the reason in English, and the same
 * as a code with parameters for the page to word.
 */
export interface MatchResult {
  ok: boolean;
  reason: string;
  why: Why;
}

const quote = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);

/**
 * Applies every matcher given; all must hold. `equals` compares with surrounding white space
 * trimmed (commands end their output with a newline that nobody means).
 */
export function matchExpect(stdout: string, expect: Expect | undefined): MatchResult {
  if (!expect) return { ok: true, reason: 'the command exited 0', why: passed([]) };
  const held: string[] = [];
  if (expect.equals !== undefined) {
    if (stdout.trim() !== expect.equals.trim()) {
      return {
        ok: false,
        reason: `expected the output to be ${quote(expect.equals.trim())}, got ${quote(stdout.trim())}`,
        why: {
          code: 'notEquals',
          params: { expected: quote(expect.equals.trim()), got: quote(stdout.trim()) },
        },
      };
    }
    held.push(`it is ${quote(expect.equals.trim())}`);
  }
  if (expect.contains !== undefined) {
    if (!stdout.includes(expect.contains)) {
      return {
        ok: false,
        reason: `expected the output to contain ${quote(expect.contains)}`,
        why: { code: 'notContains', params: { text: quote(expect.contains) } },
      };
    }
    held.push(`it contains ${quote(expect.contains)}`);
  }
  if (expect.notContains !== undefined) {
    if (stdout.includes(expect.notContains)) {
      return {
        ok: false,
        reason: `expected the output not to contain ${quote(expect.notContains)}, but it does`,
        why: { code: 'contains', params: { text: quote(expect.notContains) } },
      };
    }
    held.push(`it does not contain ${quote(expect.notContains)}`);
  }
  if (expect.matches !== undefined) {
    if (!new RegExp(expect.matches, 'm').test(stdout)) {
      return {
        ok: false,
        reason: `expected the output to match /${expect.matches}/`,
        why: { code: 'notMatches', params: { pattern: `/${expect.matches}/` } },
      };
    }
    held.push(`it matches /${expect.matches}/`);
  }
  return {
    ok: true,
    reason: `the command exited 0 and ${held.join(', ')}`,
    why: passed(held),
  };
}

/** A pass: what held, as one parameter (the expectations are quoted from the lab, not words). */
function passed(held: string[]): Why {
  return { code: 'passed', params: { matched: held.length } };
}
