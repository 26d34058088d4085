import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The rc files every lab terminal starts with. */
export const bashrc = fileURLToPath(new URL('./shell/bashrc', import.meta.url));
export const zshDotDir = fileURLToPath(new URL('./shell/zsh', import.meta.url));

export type ShellKind = 'bash' | 'zsh';

/** How a lab terminal is started: the program, its arguments and what it adds to the environment. */
export interface ShellCommand {
  kind: ShellKind;
  file: string;
  args: string[];
  env: Record<string, string>;
}

const minimum = { bash: [4, 4], zsh: [5, 1] } as const;

function versionOf(kind: ShellKind): [number, number] | undefined {
  const probe =
    kind === 'bash' ? 'echo "${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}"' : 'echo "$ZSH_VERSION"';
  try {
    const [major = 0, minor = 0] = execFileSync(kind, ['-c', probe], { encoding: 'utf8' })
      .trim()
      .split('.')
      .map(Number);
    return [major, minor];
  } catch {
    // Not installed (or not runnable): the caller tries the other shell.
    return undefined;
  }
}

function recentEnough(kind: ShellKind, version: [number, number]): boolean {
  const [major, minor] = minimum[kind];
  return version[0] > major || (version[0] === major && version[1] >= minor);
}

function commandFor(kind: ShellKind): ShellCommand {
  return kind === 'bash'
    ? {
        kind,
        file: 'bash',
        args: ['--noprofile', '--rcfile', bashrc, '-i'],
        env: { SHELL: 'bash' },
      }
    : { kind, file: 'zsh', args: ['-d', '-i'], env: { ZDOTDIR: zshDotDir, SHELL: 'zsh' } };
}

/**
 * The shell for lab terminals: bash 4.4 or newer (PS0 carries the command-start mark), else zsh
 * 5.1 or newer (preexec and bracketed paste); `preferred` picks one. When neither will do, the
 * answer says what to install instead of a terminal failing in a way nobody could read.
 */
export function chooseShell(preferred?: ShellKind): ShellCommand | { problem: string } {
  const order: ShellKind[] = preferred ? [preferred] : ['bash', 'zsh'];
  const seen: string[] = [];
  for (const kind of order) {
    const version = versionOf(kind);
    if (version && recentEnough(kind, version)) return commandFor(kind);
    seen.push(version ? `${kind} ${version.join('.')} (too old)` : `no ${kind}`);
  }
  return {
    problem:
      `the lab terminal needs bash ${minimum.bash.join('.')}+ or zsh ${minimum.zsh.join('.')}+, and found ${seen.join(', ')}. ` +
      'Install one (macOS: brew install bash, or use the zsh it ships; Debian/Ubuntu: apt install bash) and put it first on PATH.',
  };
}
