import { getCollection } from 'astro:content';
import type { Lab } from '../lib/lab-schema.ts';
import { labSlugFor } from '../lib/placements.ts';

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

/** Same, for a component that cannot work without a lab: says which file to create. */
export async function requireLab(
  locals: unknown,
  component: string,
  id: string,
): Promise<{ slug: string; lab: Lab }> {
  const found = await currentLab(locals);
  if (found) return found;
  const { entry } = (locals as RouteLocals).starlightRoute;
  throw new Error(
    `${entry.id}: <${component} id="${id}"> is placed, but this chapter has no lab. ` +
      `Fix: create content/labs/${labSlugFor(entry.id, entry.data.lab)}.yaml, or name a lab with "lab:" in the front matter.`,
  );
}
