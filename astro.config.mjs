// @ts-check
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { labBook } from './src/integrations/lab-book.ts';

/** The test build adds the fixture chapter and lab (tests/fixtures) and goes to its own folder. */
const fixtures = process.env.ISTIO_LAB_FIXTURES === '1';

/** Pages about the learner's own setup rather than the mesh: listed apart from the chapters. */
const toolPages = ['progress', 'doctor'];

/**
 * The chapters, in the order their English front matter gives (sidebar.order): the sidebar lists
 * them in every language, Starlight finding each locale's page or falling back to English.
 */
function chapters() {
  const dir = new URL('./src/content/docs/en/', import.meta.url);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.mdx') && name !== 'index.mdx')
    .filter((name) => !toolPages.includes(name.slice(0, -'.mdx'.length)))
    .map((name) => {
      const order = /^\s+order:\s*(\d+)/m.exec(readFileSync(new URL(name, dir), 'utf8'));
      return { slug: name.slice(0, -'.mdx'.length), order: order ? Number(order[1]) : 1000 };
    })
    .sort((a, b) => a.order - b.order)
    .map((chapter) => chapter.slug);
}

export default defineConfig({
  // Every link Starlight makes ends with a slash: the site title's link to a language's home was
  // /en, where the home's relative links (its "Start with chapter 1", cluster/) resolve to /cluster/.
  trailingSlash: 'always',
  outDir: fixtures ? './dist-test' : './dist',
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
          items: [...chapters(), ...(fixtures ? ['fixture', 'short'] : [])],
        },
        {
          label: 'Your lab',
          translations: {
            it: 'Il tuo laboratorio',
            'zh-CN': '你的实验环境',
            ru: 'Ваша лаборатория',
          },
          items: toolPages.filter((slug) =>
            existsSync(new URL(`./src/content/docs/en/${slug}.mdx`, import.meta.url)),
          ),
        },
      ],
      components: {
        MarkdownContent: './src/components/overrides/MarkdownContent.astro',
        Sidebar: './src/components/overrides/Sidebar.astro',
        ThemeSelect: './src/components/overrides/ThemeSelect.astro',
      },
      customCss: ['./src/styles/lab.css'],
    }),
    labBook({ fixtures }),
  ],
});
