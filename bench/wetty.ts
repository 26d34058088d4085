import { errorMessage } from '../src/lib/wire/error-codes.ts';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopChild } from '../tests/servers.ts';
import type { Scope } from './scope.ts';
import { freePort, waitFor } from './scope.ts';

const run = promisify(execFile);

export interface WettyInstall {
  dir: string;
  version: string;
  main: string;
}

export interface Wetty {
  url: string;
  pid: number;
  /** From spawning the process to the first 200 of its page. */
  firstAnswerMs: number;
  stop(): Promise<void>;
}

/**
 * Installs wetty 3.x from the npm registry into a temporary folder (never a dependency of the
 * book). Its node-pty is built from source where no prebuilt binary fits, against the headers
 * that npm_config_nodedir names, so the install scripts of node-pty are allowed explicitly.
 */
export async function installWetty(scope: Scope): Promise<WettyInstall> {
  const dir = scope.tempDir('istio-lab-bench-wetty-');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ private: true, allowScripts: { 'node-pty': true } }),
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    await run(npm, ['install', '--prefix', dir, 'wetty@3', '--no-audit', '--no-fund'], {
      cwd: dir,
      maxBuffer: 16 << 20,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`npm install wetty@3 failed:\n${stderr ?? errorMessage(error)}`, {
      cause: error,
    });
  }
  const ptyModule = JSON.stringify(join(dir, 'node_modules/node-pty'));
  const probe = `require(${ptyModule}).spawn('true', [], {})`;
  try {
    await run(process.execPath, ['-e', probe], { cwd: dir });
  } catch {
    // No prebuilt binary and the install script did not build one: build it now.
    await run(npm, ['rebuild', 'node-pty', '--prefix', dir], { cwd: dir, maxBuffer: 16 << 20 });
  }
  const wettyDir = join(dir, 'node_modules/wetty');
  const { version, bin } = JSON.parse(readFileSync(join(wettyDir, 'package.json'), 'utf8')) as {
    version: string;
    bin: string;
  };
  return { dir, version, main: join(wettyDir, bin) };
}

/**
 * Starts wetty on a free loopback port so that it spawns a local bash rather than ssh: it does so
 * when it runs as root with its ssh host left at localhost (build/server/command.js), and
 * `--command bash` replaces its default, `login`, which would ask for a password.
 */
export async function startWetty(scope: Scope, install: WettyInstall): Promise<Wetty> {
  if (process.getuid?.() !== 0)
    throw new Error(
      'wetty spawns a local shell only when it runs as root; as any other user it connects with ssh',
    );
  const port = await freePort();
  const home = scope.tempDir('istio-lab-bench-wetty-home-');
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [install.main, '--host', '127.0.0.1', '--port', String(port), '--command', 'bash'],
    {
      cwd: home,
      // Its own HOME: the shell reads no rc file of this machine's user.
      env: { ...process.env, HOME: home, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = () => stopChild(child);
  scope.defer('stop wetty', stop);
  const url = `http://127.0.0.1:${port}/`;
  await waitFor('wetty to answer', async () => {
    if (child.exitCode !== null) throw new Error(`wetty exited early:\n${output}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      return response.ok ? true : undefined;
    } catch {
      // Not listening yet.
      return undefined;
    }
  });
  const firstAnswerMs = performance.now() - spawnedAt;
  // Its request log would grow the pipe's buffer for nothing: stop reading it.
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();
  return { url, pid: child.pid ?? 0, firstAnswerMs, stop };
}
