// Builds the test book (dist-test): the published book plus the fixture chapter and lab from
// tests/fixtures, which the end-to-end tests drive without a cluster; then the same book for a
// site under a sub-path (dist-subpath), as a GitHub Pages project site publishes it, with Astro's
// own --base and --site. Cross-platform, unlike an inline environment variable in package.json.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const astro = fileURLToPath(new URL('../node_modules/astro/bin/astro.mjs', import.meta.url));
/** Where the end-to-end tests publish the sub-path build (tests/e2e/subpath.spec.ts). */
export const subpathBase = '/books/istio-lab/';
export const subpathSite = 'https://book.example.org';

/** The repository the sub-path build says it comes from, as GitHub Actions names it. */
export const subpathRepository = { server: 'https://github.com', name: 'example/istio-lab-book' };

function build(extra: string[], env: NodeJS.ProcessEnv = {}): number {
  const result = spawnSync(process.execPath, [astro, 'build', ...extra], {
    stdio: 'inherit',
    env: { ...process.env, ISTIO_LAB_FIXTURES: '1', ASTRO_TELEMETRY_DISABLED: '1', ...env },
  });
  return result.status ?? 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const status =
    build([]) ||
    // Built as pages.yml builds it in GitHub Actions, which names the repository.
    build(['--base', subpathBase, '--site', subpathSite, '--outDir', 'dist-subpath'], {
      GITHUB_SERVER_URL: subpathRepository.server,
      GITHUB_REPOSITORY: subpathRepository.name,
    });
  process.exit(status);
}
