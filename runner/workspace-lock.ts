import { createHash, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { Workspace } from './workspace.ts';

/**
 * One runner per workspace. Two runners on one workspace would each keep progress.json and the
 * process ledger in memory and overwrite the other's, and each would sweep the other's shells.
 *
 * The lock is a listening Unix socket, so that the kernel holds it and lets it go with the
 * process however that ends (kill -9 included): nothing is left behind to judge stale, and two
 * starts at the same moment cannot both win, since only one can bind the name. On Linux the
 * socket lives in the abstract namespace, under a name made from a key only the workspace's owner
 * can read (so another user on the machine can neither guess it to block the runner, nor ask it
 * anything) and the folder's device and inode (so two paths to one folder are one workspace).
 * Elsewhere it is a socket file in the workspace, which a runner killed hard leaves behind: a
 * start that finds it and cannot connect removes it and binds again, and two starts doing that
 * in the same instant could both win (docs/runner-api.md says so).
 *
 * Whoever holds the lock answers each connection with who it is (`LockHolder`), which is how a
 * second start names the runner that is in its way.
 */

/** What the runner holding a workspace says about itself. */
export interface LockHolder {
  pid: number;
  /** The runner's address, once it listens (undefined while it builds the book or starts). */
  url?: string;
}

export interface WorkspaceLock {
  /** Tells later starts the runner's address, once it has one. */
  update(holder: LockHolder): void;
  /** Lets the workspace go (a process that ends lets it go by itself). */
  release(): Promise<void>;
}

export type LockOutcome =
  { ok: true; lock: WorkspaceLock } | { ok: false; holder: LockHolder | undefined };

/** How long a start waits for the holder to say who it is. */
const askMs = 2_000;

/**
 * Takes the workspace's lock, or says who holds it. Throws only when the workspace cannot be
 * written (the key cannot be made): cli.ts turns that into the workspace's own message.
 */
export async function lockWorkspace(workspace: Workspace): Promise<LockOutcome> {
  const name = lockName(workspace);
  for (let attempt = 0; attempt < 3; attempt++) {
    let holder: LockHolder = { pid: process.pid };
    const server = createServer((socket) => socket.end(`${JSON.stringify(holder)}\n`));
    const bound = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(name, () => resolve(undefined));
    });
    if (!bound) {
      // The lock must not keep a runner that is done from exiting.
      server.unref();
      return {
        ok: true,
        lock: {
          update: (next) => (holder = next),
          release: () => close(server),
        },
      };
    }
    if (bound.code !== 'EADDRINUSE') throw bound;
    const answer = await ask(name);
    if (answer !== 'refused') return { ok: false, holder: answer };
    // A socket file that nothing listens on: left by a runner killed hard (never on Linux).
    try {
      unlinkSync(name);
    } catch {
      // Another start removed it first: bind again all the same.
    }
  }
  return { ok: false, holder: undefined };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Who holds the lock, 'refused' when nothing listens, undefined when it would not say. */
function ask(name: string): Promise<LockHolder | 'refused' | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = createConnection(name);
    socket.setTimeout(askMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'refused' : undefined),
    );
    socket.on('close', () => {
      try {
        const parsed = JSON.parse(text) as Partial<LockHolder>;
        if (!Number.isInteger(parsed.pid)) return resolve(undefined);
        resolve({
          pid: parsed.pid as number,
          ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}),
        });
      } catch {
        // It closed without a word: a holder that is ending, or not a runner.
        resolve(undefined);
      }
    });
  });
}

/** The socket's name for this workspace (see the module's comment). */
export function lockName(workspace: Workspace): string {
  if (process.platform !== 'linux') return join(workspace.root, 'runner.sock');
  const folder = statSync(workspace.root);
  const digest = createHash('sha256')
    .update(lockKey(workspace))
    .update(`\0${folder.dev}:${folder.ino}`)
    .digest('hex');
  return `\0istio-lab/${digest.slice(0, 40)}`;
}

/**
 * The workspace's secret for the lock's name, made once, readable by its owner only. It is
 * written whole under another name and then linked into place, so that two first starts at once
 * agree on one key: the second link fails, and that start reads the first one's.
 */
function lockKey(workspace: Workspace): string {
  const file = join(workspace.root, 'lock.key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const part = `${file}.${process.pid}.tmp`;
  writeFileSync(part, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    linkSync(part, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(part);
  }
  return readFileSync(file, 'utf8').trim();
}
