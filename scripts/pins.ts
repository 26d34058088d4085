// Prints pinned versions from content/versions.yaml as shell assignments, for shell scripts such as
// .devcontainer/setup.sh: `eval "$(node --experimental-strip-types scripts/pins.ts istio kind kubernetes)"`
// sets pin_istio, pin_kind and pin_kubernetes. The versions are written there and nowhere else.
import { join } from 'node:path';
import { readPins } from '../src/lib/lab-files.ts';

const pins = readPins(join(import.meta.dirname, '..', 'content', 'versions.yaml'));
let failed = false;
for (const name of process.argv.slice(2)) {
  const value = pins[name];
  if (value === undefined || !/^[A-Za-z0-9._:@/-]+$/.test(value)) {
    console.error(`pins: content/versions.yaml has no usable "${name}"`);
    failed = true;
    continue;
  }
  console.log(`pin_${name}=${value}`);
}
process.exit(failed ? 1 : 0);
