/**
 * Why a check passed or failed, and what a failure most likely means, as codes with parameters:
 * the runner finds them, the page words them in its language (`lab.check.why.<code>` and
 * `lab.hint.<code>`), and the runner's English sentence stays for tools and as the fallback.
 * No zod here, so that a read-only page can import it; the schemas are in protocol.ts.
 */

/** What the check's verdict rests on. */
export const whyCodes = [
  'passed',
  'exited',
  'killed',
  'timedOut',
  'notStarted',
  'notEquals',
  'notContains',
  'contains',
  'notMatches',
] as const;
export type WhyCode = (typeof whyCodes)[number];

/** A reason: its code, and the values its sentence names. */
export interface Why {
  code: WhyCode;
  params: Record<string, string | number>;
}

/**
 * Common causes the book recognises in what a failed command printed, each with a fix the page
 * links to: a tool that is not installed (the Doctor), no cluster (the cells that create it), the
 * wrong kube context (the cluster chapter's tools), Docker not running (the Doctor).
 */
export const hintCodes = ['missingTool', 'noCluster', 'wrongContext', 'dockerDown'] as const;
export type HintCode = (typeof hintCodes)[number];

/** A recognised cause: its code, and the values its sentence names (the tool, the context). */
export interface Hint {
  code: HintCode;
  params: Record<string, string | number>;
}

/** Where each hint's fix is, relative to a page of the book (`<lang>/<page>/`). */
export const hintLinks: Record<HintCode, string> = {
  missingTool: '../doctor/',
  // The cells that write the kind config and create the cluster; the cluster chapter's Catch up
  // starts from no cluster, so it creates nothing.
  noCluster: '../cluster/#cell-write-kind-config',
  wrongContext: '../cluster/#lab-tools',
  dockerDown: '../doctor/',
};

const ansi = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g;

/** Terminal output as lines of text: escape sequences gone, carriage-return rewrites applied. */
function plainLines(output: string): string[] {
  return output
    .replace(ansi, '')
    .split('\n')
    .map((line) =>
      (
        line
          .split('\r')
          .filter((part) => part !== '')
          .at(-1) ?? ''
      ).trimEnd(),
    );
}

/** The last line of the output that says something: not blank, at most 300 characters. */
export function causeLine(output: string): string | undefined {
  const line = plainLines(output)
    .map((text) => text.trim())
    .findLast((text) => /[\p{L}\p{N}]/u.test(text));
  if (!line) return undefined;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

const recognisers: {
  code: HintCode;
  find: (text: string) => Record<string, string> | undefined;
}[] = [
  {
    code: 'dockerDown',
    find: (text) =>
      /Cannot connect to the Docker daemon|permission denied while trying to connect to the Docker daemon|failed to connect to the docker API|docker daemon is not running|Is the docker daemon running\?|failed to list clusters: command "docker /i.test(
        text,
      )
        ? {}
        : undefined,
  },
  {
    code: 'wrongContext',
    find: (text) => {
      const match =
        /context "([^"]{1,100})" does not exist|no context exists with the name:? "?([^"\s]{1,100})|current-context is not set/.exec(
          text,
        );
      return match ? { context: match[1] ?? match[2] ?? '' } : undefined;
    },
  },
  {
    code: 'noCluster',
    find: (text) =>
      /The connection to the server \S+ was refused|Unable to connect to the server|couldn't get current server API group list|dial tcp [^\n]*: connect: connection refused|no kind clusters found|could not locate any control plane nodes for cluster named/i.test(
        text,
      )
        ? {}
        : undefined,
  },
  {
    code: 'missingTool',
    // zsh says `command not found: kind`, bash `kind: command not found`, dash `kind: not found`.
    find: (text) => {
      const tool = [
        /command not found: ([\w.+-]{1,60})/,
        /(?:^|\n)(?:[^\n:]*: )?(?:line \d+: )?([\w.+-]{1,60}): command not found/,
        /(?:^|\n)[^\n]*: ([\w.+-]{1,60}): not found/,
      ]
        .map((pattern) => pattern.exec(text)?.[1])
        .find((name) => name !== undefined);
      return tool ? { tool } : undefined;
    },
  },
];

/** The first common cause that the output shows, if any; Docker first, as the others follow it. */
export function recognise(output: string): Hint | undefined {
  const text = plainLines(output).join('\n');
  for (const { code, find } of recognisers) {
    const found = find(text);
    if (found) return { code, params: found };
  }
  return undefined;
}
