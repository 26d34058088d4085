// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { labBook } from './src/integrations/lab-book.ts';

/** The test build adds the fixture chapter and lab (tests/fixtures) and goes to its own folder. */
const fixtures = process.env.ISTIO_LAB_FIXTURES === '1';

export default defineConfig({
  outDir: fixtures ? './dist-test' : './dist',
  redirects: { '/': '/en/' },
  integrations: [
    starlight({
      title: 'Istio Lab Book',
      description: 'Learn the Istio service mesh by running it on your own kind cluster.',
      defaultLocale: 'en',
      locales: {
        en: { label: 'English', lang: 'en' },
        it: { label: 'Italiano', lang: 'it' },
        'zh-cn': { label: '简体中文', lang: 'zh-CN' },
        ru: { label: 'Русский', lang: 'ru' },
      },
      sidebar: [
        {
          label: 'Chapters',
          translations: { it: 'Capitoli', 'zh-CN': '章节', ru: 'Главы' },
          items: ['cluster', ...(fixtures ? ['fixture'] : [])],
        },
      ],
      components: {
        MarkdownContent: './src/components/overrides/MarkdownContent.astro',
      },
      customCss: ['./src/styles/lab.css'],
    }),
    labBook({ fixtures }),
  ],
});
