import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { writeAtomic } from '../workspace.ts';
import { sanitizeForPaste } from './paste.ts';

/**
 * Long cells and lab scripts reach the shell as a file, not as a paste. Readline redraws a pasted
 * command that is taller than the terminal over itself (a 17-line heredoc in the dock's 13 rows
 * came out garbled), and the up arrow then recalls all of it. A staged cell is a file in the
 * workspace that prints the cell's text and then runs it in the learner's shell: the screen shows
 * exactly the text whatever the terminal's height, and the line the shell reads and keeps in its
 * history is one short `. <file>` that runs the same cell again. Short one-line cells without a
 * pipe are still pasted as they are, so that the up arrow recalls them as written.
 */

/** A one-line cell longer than this is staged too: a long line wraps over many rows as well. */
export const inlineLimit = 160;

/** How a file path is typed on a command line: `~/…` under the home folder, quoted if it must be. */
export function shellPath(path: string, home = homedir()): string {
  const inHome = relative(home, path);
  const plain = /^[\w./-]+$/;
  if (home && !inHome.startsWith('..') && !inHome.startsWith(sep) && plain.test(inHome))
    return `~/${inHome}`;
  return plain.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/** A lab's or a cell's id as part of a file name: anything unexpected becomes `_`. */
const fileSafe = (id: string) => id.replace(/[^A-Za-z0-9-]/g, '_');

/** A heredoc delimiter that the text does not contain. */
function delimiterFor(text: string): string {
  for (;;) {
    const delimiter = `__lab_cell_${randomBytes(6).toString('hex')}`;
    if (!text.includes(delimiter)) return delimiter;
  }
}

/**
 * A cell runs with pipefail, so that `curl -fsSL … | sh -` fails when curl does, and then puts the
 * option back as the learner had it: the staged file is read by the learner's own shell, bash or
 * zsh (whose PIPE_FAIL came in 5.3: an older zsh runs the cell without it). The cell's status is
 * that of its last command, as if it had been typed.
 */
const withPipefail = {
  before:
    'if [[ -o pipefail ]] 2>/dev/null; then __lab_pipefail=-o; else __lab_pipefail=+o; set -o pipefail 2>/dev/null; fi',
  after: [
    '__lab_cell_status=$?',
    'set "$__lab_pipefail" pipefail 2>/dev/null',
    'unset __lab_pipefail',
    'return "$__lab_cell_status"',
  ],
} as const;

/**
 * A staged file: prints the text (in bold, exactly as written), then runs it between `around`'s
 * lines.
 */
function writeStaged(
  file: string,
  about: string,
  body: string,
  around: { before: string; after: readonly string[] },
): void {
  const delimiter = delimiterFor(body);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeAtomic(
    file,
    [
      `# ${about}: its text is printed, then run.`,
      "printf '\\033[1m'",
      `cat <<'${delimiter}'`,
      body,
      delimiter,
      "printf '\\033[0m'",
      around.before,
      body,
      ...around.after,
      '',
    ].join('\n'),
    0o600,
  );
}

/** Whether a cell has a pipe (`a | b`, not `a || b`): it then needs pipefail, so it is staged. */
export function hasPipe(text: string): boolean {
  return text.replaceAll('||', '').includes('|');
}

/**
 * The line to run a cell: the cell itself when short and free of pipes, else `. <file>` for a
 * staged copy (which also runs it with pipefail).
 */
export function cellCommand(folder: string, lab: string, cell: string, text: string): string {
  const body = sanitizeForPaste(text).replace(/\n+$/, '');
  if (!body.includes('\n') && body.length <= inlineLimit && !hasPipe(body)) return body;
  const file = join(folder, `${fileSafe(lab)}.${fileSafe(cell)}.sh`);
  writeStaged(file, `The cell ${lab}/${cell} of the book`, body, withPipefail);
  return `. ${shellPath(file)}`;
}

/**
 * A prepare or cleanup has failed when any of its own commands failed, as a cell has, not only
 * when its last one did: a Reset whose `kind delete cluster` was not found showed "Done · exit 0".
 * It runs in its own subshell, which does not inherit the shell's ERR trap, so it sets its own:
 * the first failure of a command of the script itself (not one inside a function of the shared
 * steps, which test their own failures; zsh runs ERR traps there too, hence `funcstack`) becomes
 * the script's exit code. Pipefail is set for the script alone.
 */
const scriptFailures = {
  before: [
    'set -o pipefail 2>/dev/null',
    // zsh counts the sourced file itself in funcstack: deeper than here is inside a function.
    '__lab_failure=0 __lab_depth=${#funcstack[@]}',
    `trap '__lab_code=$?; (( \${#funcstack[@]} > __lab_depth )) || [ "$__lab_failure" != 0 ] || __lab_failure=$__lab_code' ERR`,
  ].join('\n'),
  after: ['exit "$__lab_failure"'],
} as const;

/**
 * The line to run a lab's prepare or cleanup: the script staged, then read in a subshell, so
 * that nothing it does (`exit 1` when a step fails, `set -o pipefail` from the shared steps, a
 * `cd`) can end or change the learner's shell. Its text and its output stay on the screen; its
 * exit code is the subshell's.
 */
export function scriptCommand(folder: string, lab: string, script: string, text: string): string {
  const file = join(folder, `${fileSafe(lab)}.${fileSafe(script)}.sh`);
  writeStaged(file, `The ${script} of the lab ${lab}`, sanitizeForPaste(text).replace(/\n+$/, ''), {
    before: scriptFailures.before,
    after: scriptFailures.after,
  });
  return `( . ${shellPath(file)} )`;
}
