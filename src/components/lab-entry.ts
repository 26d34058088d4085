import { getCollection } from 'astro:content';
import { parse } from 'yaml';
import pinsSource from '../../content/versions.yaml?raw';
import type { Lab } from '../lib/lab-schema.ts';
import { bookSources, brokenLabProblem } from '../lib/book-check.ts';
import { tolerateBrokenLabs } from '../lib/lab-files.ts';
import { checkSummaries, findPlacements, labSlugFor } from '../lib/placements.ts';

interface RouteLocals {
  starlightRoute: { entry: { id: string; data: { lab?: string } } };
}

/** The lab of the chapter being rendered, or undefined for a page without one. */
export async function currentLab(locals: unknown): Promise<{ slug: string; lab: Lab } | undefined> {
  const { entry } = (locals as RouteLocals).starlightRoute;
  const slug = labSlugFor(entry.id, entry.data.lab);
  const found = (await getCollection('labs')).find((lab) => lab.id === slug);
  return found ? { slug, lab: found.data } : undefined;
}

/**
 * Same, for a component that cannot work without a lab: says which file to create. In the
 * runner's build a lab file that does not load is no error of the build: `problem` is its error
 * (file, line, fix), which the component shows where the cell or check would be.
 */
export async function requireLab(
  locals: unknown,
  component: string,
  id: string,
): Promise<{ slug: string; lab: Lab } | { slug: string; problem: string }> {
  const found = await currentLab(locals);
  if (found) return found;
  const { entry } = (locals as RouteLocals).starlightRoute;
  const slug = labSlugFor(entry.id, entry.data.lab);
  const problem = tolerateBrokenLabs()
    ? brokenLabProblem(bookSources(process.cwd(), process.env.ISTIO_LAB_FIXTURES === '1'), slug)
    : undefined;
  if (problem !== undefined) return { slug, problem };
  throw new Error(
    `${entry.id}: <${component} id="${id}"> is placed, but this chapter has no lab. ` +
      `Fix: create content/labs/${labSlugFor(entry.id, entry.data.lab)}.yaml, or name a lab with "lab:" in the front matter.`,
  );
}

const pins = Object.fromEntries(
  Object.entries(parse(pinsSource) as Record<string, unknown>).map(([name, value]) => [
    name,
    String(value),
  ]),
);

/** A chapter with a lab, as the progress page and the sidebar marks list it. */
export interface ChapterChecks {
  slug: string;
  title: string;
  href: string;
  /** The checks the chapter places, in order, each with its first sentence in the locale. */
  checks: Array<{ id: string; summary: string }>;
}

/**
 * Every chapter with a lab, in book order, in the given locale (a page the locale lacks is read
 * from English, as Starlight's fallback shows it).
 */
export async function chaptersWithChecks(locale: string): Promise<ChapterChecks[]> {
  const docs = await getCollection('docs');
  const labs = (await getCollection('labs')).sort((a, b) => a.data.order - b.data.order);
  const chapters: ChapterChecks[] = [];
  for (const lab of labs) {
    const entry =
      docs.find(
        (doc) => labSlugFor(doc.id, doc.data.lab) === lab.id && doc.id.startsWith(`${locale}/`),
      ) ??
      docs.find((doc) => labSlugFor(doc.id, doc.data.lab) === lab.id && doc.id.startsWith('en/'));
    if (!entry?.body) continue;
    // A <Pin name> in a check's text reads as the version it pins.
    const body = entry.body.replace(
      /<Pin\s+name=["']([^"']+)["']\s*\/>/g,
      (whole, name: string) => pins[name] ?? whole,
    );
    const summaries = checkSummaries(body);
    chapters.push({
      slug: lab.id,
      title: entry.data.title,
      href: `${import.meta.env.BASE_URL.replace(/\/?$/, '/')}${locale}/${entry.id.slice(entry.id.indexOf('/') + 1)}/`,
      checks: findPlacements(entry.body)
        .filter((placement) => placement.kind === 'check')
        .map(({ id }) => ({ id, summary: summaries.get(id) ?? id })),
    });
  }
  return chapters;
}
