import { errorMessage } from '../lib/wire/error-codes.ts';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Loader } from 'astro/loaders';
import {
  LabError,
  readLabData,
  readPins,
  tolerateBrokenLabs,
  validateLab,
} from '../lib/lab-files.ts';

/**
 * Loads labs (content/labs/*.yaml) into the `labs` collection with the book's pins substituted,
 * validating each with the same code as the runner so a bad lab fails the build with the file,
 * the key and the fix, not a stack trace.
 */
export function labsLoader(dirs: readonly string[]): Loader {
  return {
    name: 'istio-lab-labs',
    load: async (context) => {
      const { store, watcher, config } = context;
      const root = fileURLToPath(new URL('.', config.root));
      const pinsFile = resolve(root, 'content/versions.yaml');
      const sync = async () => {
        const pins = readPins(pinsFile);
        store.clear();
        for (const dir of dirs) {
          const folder = resolve(root, dir);
          for (const name of readdirSync(folder).filter((n) => n.endsWith('.yaml'))) {
            const file = join(folder, name);
            let data: unknown;
            try {
              data = readLabData(file, pins);
              validateLab(data, file);
            } catch (error) {
              // The runner's build leaves a broken lab out: its chapter shows the error instead.
              if (error instanceof LabError && tolerateBrokenLabs()) continue;
              throw error;
            }
            const id = name.slice(0, -'.yaml'.length);
            const filePath = relative(root, file);
            store.set({
              id,
              data: await context.parseData({
                id,
                data: data as Record<string, unknown>,
                filePath,
              }),
              filePath,
            });
          }
        }
      };
      await sync();
      watcher?.add([pinsFile, ...dirs.map((dir) => resolve(root, dir))]);
      watcher?.on('change', (path) => {
        if (
          path.endsWith('.yaml') &&
          (path === pinsFile || dirs.some((dir) => path.startsWith(resolve(root, dir))))
        ) {
          sync().catch((error: unknown) => console.error(errorMessage(error)));
        }
      });
    },
  };
}
