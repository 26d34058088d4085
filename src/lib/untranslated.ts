/**
 * Finds English left in a translated page: prose with the code, front matter, imports, inline
 * code, URLs and tags taken out, then runs of words that are English function words. Proper
 * names and commands are not function words, so "kubectl get pods" or "Istio" never count.
 */
const english = new Set(
  'the and is are was were be been of to that this these those with for from by as at on which when where what you your it its they their there here can will would should must not but or if then than into about because'.split(
    ' ',
  ),
);

/** How many English function words within a window of words make a paragraph English. */
const threshold = { window: 12, words: 4 } as const;

export function proseOf(mdx: string): string[] {
  const body = mdx
    .replace(/^---\n[\s\S]*?\n---\n/, '')
    .replace(/^(import|export) .*$/gm, '')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, ' ')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/<[^>]+>/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ');
  return body
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/** Paragraphs of a translated page that read as English. */
export function englishParagraphs(mdx: string): string[] {
  return proseOf(mdx).filter((paragraph) => {
    const words = paragraph.toLowerCase().match(/[a-z']+/g) ?? [];
    for (let start = 0; start < words.length; start++) {
      const window = words.slice(start, start + threshold.window);
      if (window.filter((word) => english.has(word)).length >= threshold.words) return true;
    }
    return false;
  });
}
