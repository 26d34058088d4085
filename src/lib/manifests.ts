import { parseAllDocuments } from 'yaml';

/** A Kubernetes object found in a lab script, with where it was found. */
export interface FoundManifest {
  where: string;
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

const heredoc =
  /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1[^\n]*\n([\s\S]*?)\n[ \t]*\2[ \t]*(?:\n|$)/g;

/** The bodies of every heredoc in a shell script (a cell that writes or applies YAML uses one). */
export function heredocBodies(script: string): string[] {
  return [...script.matchAll(heredoc)].map((match) => dedent(match[3] ?? ''));
}

/** Every YAML object with apiVersion and kind in a script's heredocs. */
export function manifestsIn(script: string, where: string): FoundManifest[] {
  const found: FoundManifest[] = [];
  for (const body of heredocBodies(script)) {
    for (const document of parseAllDocuments(body)) {
      if (document.errors.length > 0) {
        throw new Error(
          `${where}: a heredoc is not valid YAML: ${document.errors[0]?.message ?? ''}`,
        );
      }
      const object: unknown = document.toJS();
      if (object && typeof object === 'object' && 'apiVersion' in object && 'kind' in object) {
        const { apiVersion, kind } = object;
        if (typeof apiVersion === 'string' && typeof kind === 'string') {
          found.push({ where, apiVersion, kind, object: object });
        }
      }
    }
  }
  return found;
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines
    .filter((line) => line.trim())
    .map((line) => /^[ \t]*/.exec(line)?.[0].length ?? 0);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(cut)).join('\n');
}
