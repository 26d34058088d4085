import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The rc file every lab terminal starts with. */
export const bashrc = fileURLToPath(new URL('./shell/bashrc', import.meta.url));

/** How a lab terminal is started: bash, interactive, with our rc file and no profile. */
export function shellCommand(): { file: string; args: string[] } {
  return { file: 'bash', args: ['--noprofile', '--rcfile', bashrc, '-i'] };
}

/**
 * The shell-integration marks need bash 4.4 (PS0). Says what is wrong, and what to install,
 * before the first terminal fails in a way nobody could read.
 */
export function shellProblem(): string | undefined {
  let version: string;
  try {
    version = execFileSync('bash', ['-c', 'echo "${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}"'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'bash was not found on PATH: install bash 4.4 or newer (macOS: brew install bash)';
  }
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > 4 || (major === 4 && minor >= 4)) return undefined;
  return `bash ${version} is too old for the lab terminal (it needs 4.4 or newer): install a newer bash (macOS: brew install bash) and put it first on PATH`;
}
