import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './poll.ts';

const root = new URL('../../..', import.meta.url).pathname;

/** The runner started as `npm start` starts it, in its own workspace, for tests of the command line. */
export interface Cli {
  child: ChildProcessWithoutNullStreams;
  home: string;
  /** Everything it printed, stdout and stderr. */
  output(): string;
  /** Resolves once it says it is running. */
  started(): Promise<void>;
  /** Resolves with its exit code. */
  exited(): Promise<number | null>;
  /** Sends a signal (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startCli(
  args: string[],
  home = mkdtempSync(join(tmpdir(), 'istio-lab-cli-')),
): Cli {
  const child = spawn(process.execPath, [join(root, 'runner/start.js'), '--no-build', ...args], {
    env: { ...process.env, ISTIO_LAB_HOME: home },
  });
  let printed = '';
  child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    home,
    output: () => printed,
    started: async () => {
      try {
        await waitFor(
          'the runner to say it is running',
          () => {
            if (printed.includes('Stop with Ctrl-C')) return true;
            if (child.exitCode !== null || child.signalCode !== null)
              throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
            return false;
          },
          60_000,
          50,
        );
      } catch (error) {
        throw new Error(`the runner did not start: ${(error as Error).message}\n${printed}`, {
          cause: error,
        });
      }
    },
    exited: () => exit,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exit;
    },
  };
}
