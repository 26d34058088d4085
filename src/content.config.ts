import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { docsLoader, i18nLoader } from '@astrojs/starlight/loaders';
import { docsSchema, i18nSchema } from '@astrojs/starlight/schema';
import { z } from 'astro/zod';
import { labsLoader } from './integrations/labs-loader.ts';
import { labSchema } from './lib/lab-schema.ts';
import { allStringKeys } from './lib/ui-strings.ts';

const fixtures = process.env.ISTIO_LAB_FIXTURES === '1';

/** Chapters may name their lab when it differs from their slug. */
const chapterFields = z.object({ lab: z.string().optional() });

/**
 * The docs collection. The test build also reads the fixture chapter from tests/fixtures/docs, so
 * that it exists only there and never in the published book.
 */
const docsCollectionLoader = fixtures
  ? glob({
      base: '.',
      pattern: ['src/content/docs/**/[^_]*.{md,mdx}', 'tests/fixtures/docs/**/[^_]*.{md,mdx}'],
      generateId: ({ entry }) =>
        entry
          .replace(/^(src\/content\/docs|tests\/fixtures\/docs)\//, '')
          .replace(/\.mdx?$/, '')
          .toLowerCase(),
    })
  : docsLoader();

export const collections = {
  docs: defineCollection({
    loader: docsCollectionLoader,
    schema: docsSchema({ extend: chapterFields }),
  }),
  i18n: defineCollection({
    loader: i18nLoader(),
    schema: i18nSchema({
      extend: z.object(
        Object.fromEntries(allStringKeys.map((key) => [key, z.string().optional()])),
      ),
    }),
  }),
  labs: defineCollection({
    loader: labsLoader(fixtures ? ['content/labs', 'tests/fixtures/labs'] : ['content/labs']),
    schema: labSchema,
  }),
};
