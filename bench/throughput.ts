import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import type { Page } from '@playwright/test';
import { pageTimeUntilMarker } from './page-measures.ts';
import { quiet, terminalSize, timeUntilMarker, type StreamClient } from './stream-clients.ts';

/** 64 MiB, give or take a line. */
export const floodBytes = 64 << 20;

/**
 * Writes the output to stream: 80-byte lines (79 printable columns and a newline) that differ
 * from line to line, like a long log rather than one repeated byte.
 */
export function writeFloodFile(
  dir: string,
  bytes = floodBytes,
  name = 'flood.txt',
): { path: string; bytes: number } {
  const lineBytes = 80;
  const lines = Math.floor(bytes / lineBytes);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+.:/';
  const text = Buffer.alloc(lines * lineBytes);
  const body = alphabet.repeat(3);
  for (let i = 0; i < lines; i++) {
    const start = i * lineBytes;
    const from = i % alphabet.length;
    const line = `${String(i).padStart(8, '0')} ${body.slice(from, from + 70)}\n`;
    text.write(line, start, 'latin1');
  }
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, bytes: text.length };
}

/** A command that prints the file, then a marker line that the command line does not contain. */
export function floodCommand(path: string): { command: string; marker: string } {
  const nonce = randomBytes(6).toString('hex');
  return {
    command: `cat ${path}; printf '%s-%s\\n' bench-done ${nonce}`,
    marker: `bench-done-${nonce}`,
  };
}

/** MiB/s of one run of the file through a page's terminal. */
export async function pageThroughput(page: Page, file: { path: string; bytes: number }) {
  const { command, marker } = floodCommand(file.path);
  const ms = await pageTimeUntilMarker(page, command, marker);
  return file.bytes / (1 << 20) / (ms / 1000);
}

/** MiB/s of one run of the file through a socket client, with no browser. */
export async function streamThroughput(
  client: StreamClient,
  file: { path: string; bytes: number },
) {
  const { command, marker } = floodCommand(file.path);
  const ms = await timeUntilMarker(client, command, marker);
  await quiet(client);
  return file.bytes / (1 << 20) / (ms / 1000);
}

/**
 * The limit: a bash in a pty read by node-pty in this process, nothing done with the bytes. It is
 * driven as the other clients are (typed command, marker at the end).
 */
export function rawPtyClient(cwd: string): StreamClient {
  const shell = pty.spawn('bash', ['--norc', '--noprofile', '-i'], {
    name: 'xterm-256color',
    ...terminalSize,
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, PS1: '$ ' },
    encoding: null,
  });
  const client: StreamClient = {
    type: (text) => shell.write(text),
    onOutput: () => undefined,
    close: () => shell.kill(),
  };
  shell.onData((data) => client.onOutput(data));
  return client;
}
