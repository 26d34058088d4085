import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { substitutePins, type Pins } from '../src/lib/lab-files.ts';
import { writeAtomic, type Workspace } from './workspace.ts';

/** The shared prepare steps (content/steps.sh) with the book's pins filled in. */
export function renderSteps(projectRoot: string, pins: Pins): string {
  const file = join(projectRoot, 'content', 'steps.sh');
  return substitutePins(readFileSync(file, 'utf8'), pins, 'content/steps.sh') as string;
}

/** Writes them to the workspace, where prepare scripts find them as $ISTIO_LAB_STEPS. */
export function installSteps(projectRoot: string, workspace: Workspace, pins: Pins): void {
  writeAtomic(workspace.steps, renderSteps(projectRoot, pins), 0o644);
}
