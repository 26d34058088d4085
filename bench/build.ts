import { spawn, spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { isStale } from '../runner/book-build.ts';
import { root } from './our-runner.ts';
import type { Scope } from './scope.ts';

/**
 * The test book (dist-test), built with \`npm run build:test\` if it is missing or older than its
 * sources, then copied into a temporary folder, so that a rebuild by someone else during the run
 * cannot pull a page from under a measurement.
 */
export function testBook(scope: Scope, log: (message: string) => void): string {
  const dist = join(root, 'dist-test');
  if (isStale(dist)) {
    log('building dist-test (npm run build:test)...');
    const built = spawnSync(process.execPath, [join(root, 'scripts/build-test-book.ts')], {
      cwd: root,
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error('npm run build:test failed: see the messages above');
  }
  const copy = join(scope.tempDir('istio-lab-bench-dist-'), 'dist');
  cpSync(dist, copy, { recursive: true });
  return copy;
}

/**
 * Builds the published book (no fixtures) into a temporary folder, never over dist/, and
 * resolves with the wall time of `astro build`.
 */
export async function timeBookBuild(scope: Scope): Promise<number> {
  const outDir = scope.tempDir('istio-lab-bench-build-');
  const env: NodeJS.ProcessEnv = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' };
  delete env.ISTIO_LAB_FIXTURES;
  const astro = join(root, 'node_modules/astro/bin/astro.mjs');
  const start = performance.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [astro, 'build', '--outDir', outDir], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`astro build failed (exit ${code}):\n${output.slice(-2000)}`);
  return ms;
}
