// @ts-check
// The runner's entry point (`npm start`): it starts runner/cli.ts in a process that keeps less
// memory for as long as the runner runs (docs/performance.md). Plain JavaScript, as what it does
// must come before any TypeScript is loaded:
// - V8's and malloc's memory settings (runner/memory.js); malloc's are read when a process starts,
//   so the process starts itself again with them;
// - the runner's TypeScript comes with its types stripped already (runner/stripped-sources.js).
//   Node strips types with a WebAssembly compiler that it loads on the first .ts file and keeps
//   for good, which costs the runner memory for as long as it runs and time at its start.
// Where Node lacks what this needs (before 22.15), the runner starts as it did, with more memory.
import { restartWithMallocSettings } from './memory.js';
import * as module from 'node:module';
import { strippedSources } from './stripped-sources.js';

restartWithMallocSettings();
const root = new URL('../', import.meta.url);
const sources =
  'registerHooks' in module
    ? strippedSources({
        root,
        folders: ['runner/', 'src/lib/'],
        cacheFile: new URL('node_modules/.cache/istio-lab/runner-stripped.json', root),
      })
    : undefined;
if (sources)
  module.registerHooks({
    load(url, context, nextLoad) {
      const source = sources.get(url);
      if (source === undefined) return nextLoad(url, context);
      // A module is loaded once: its copy can go.
      sources.delete(url);
      return { format: 'module', source, shortCircuit: true };
    },
  });
const { run } = await import('./cli.ts');
await run();
