// Builds the test book (dist-test): the published book plus the fixture chapter and lab from
// tests/fixtures, which the end-to-end tests drive without a cluster. Cross-platform, unlike an
// inline environment variable in package.json.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const astro = fileURLToPath(new URL('../node_modules/astro/bin/astro.mjs', import.meta.url));
const result = spawnSync(process.execPath, [astro, 'build'], {
  stdio: 'inherit',
  env: { ...process.env, ISTIO_LAB_FIXTURES: '1', ASTRO_TELEMETRY_DISABLED: '1' },
});
process.exit(result.status ?? 1);
