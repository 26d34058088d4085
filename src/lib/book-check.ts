import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { labLinkProblems, readLabDirs, readPins } from './lab-files.ts';
import { findPlacements, labSlugFor, placementProblems } from './placements.ts';

export interface BookSources {
  root: string;
  docDirs: string[];
  labDirs: string[];
}

/** The book's sources for the published book, or with the fixtures for the test build. */
export function bookSources(root: string, fixtures: boolean): BookSources {
  return {
    root,
    docDirs: [
      join(root, 'src/content/docs'),
      ...(fixtures ? [join(root, 'tests/fixtures/docs')] : []),
    ],
    labDirs: [join(root, 'content/labs'), ...(fixtures ? [join(root, 'tests/fixtures/labs')] : [])],
  };
}

function mdxFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.mdx?$/.test(name))
    .map((name) => join(dir, name));
}

const labFrontmatter = /^---\n[\s\S]*?^lab:\s*['"]?([a-z0-9-]+)['"]?\s*$[\s\S]*?^---$/m;

/**
 * Every problem that would make the book wrong: each lab that does not validate, a lab that
 * requires or names a check of a lab that does not exist, or a chapter that places a cell or check
 * its lab lacks. Each problem names the file, the place and the fix. With `brokenLabs: 'warn'`, a
 * lab that does not validate goes to `warnings` instead: its chapter shows it.
 */
export function checkBook(
  sources: BookSources,
  options: { brokenLabs?: 'fail' | 'warn'; warnings?: string[] } = {},
): string[] {
  const { labs, errors } = readLabDirs(
    sources.labDirs,
    readPins(join(sources.root, 'content/versions.yaml')),
  );
  const labErrors = errors.map((error) => error.message);
  if (options.brokenLabs === 'warn') options.warnings?.push(...labErrors);
  const problems = [...(options.brokenLabs === 'warn' ? [] : labErrors), ...labLinkProblems(labs)];
  // A chapter of a lab that failed to load is not "without a lab": its lab's problem is listed.
  const broken = new Set(errors.map((error) => basename(error.file, '.yaml')));
  for (const dir of sources.docDirs) {
    for (const file of mdxFiles(dir)) {
      const source = readFileSync(file, 'utf8');
      const placements = findPlacements(source);
      if (placements.length === 0) continue;
      const shown = relative(sources.root, file);
      const id = relative(dir, file).replace(/\.mdx?$/, '');
      const slug = labSlugFor(id, labFrontmatter.exec(source)?.[1]);
      const lab = labs.get(slug);
      if (!lab) {
        if (broken.has(slug)) continue;
        problems.push(
          `${shown}: places cells or checks, but there is no lab "${slug}". Fix: create content/labs/${slug}.yaml, or name an existing lab with "lab:" in the front matter`,
        );
        continue;
      }
      for (const problem of placementProblems(placements, lab, `lab "${slug}"`))
        problems.push(`${shown}: ${problem}`);
    }
  }
  return problems;
}

/**
 * Why a chapter's lab does not load, when it is broken: the LabError's message (file, line, fix),
 * or undefined when the lab loads or does not exist.
 */
export function brokenLabProblem(sources: BookSources, slug: string): string | undefined {
  const { errors } = readLabDirs(
    sources.labDirs,
    readPins(join(sources.root, 'content/versions.yaml')),
  );
  return errors.find((error) => basename(error.file, '.yaml') === slug)?.message;
}
