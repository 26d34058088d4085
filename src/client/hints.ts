import { hintLinks, type Hint } from '../lib/wire/failure-reasons.ts';
import { t } from './strings.ts';

/**
 * Shows, in `line`, what a recognised cause of a failure means and where its fix is: "kind is
 * not installed… The Doctor says how to install it", with the link. No hint hides the line.
 */
export function showHint(line: HTMLElement | null, hint: Hint | undefined): void {
  if (!line) return;
  line.hidden = !hint;
  line.replaceChildren();
  if (!hint) return;
  const link = document.createElement('a');
  link.href = hintLinks[hint.code];
  link.textContent = t(`lab.hint.${hint.code}.link`);
  line.append(`${t(`lab.hint.${hint.code}`, hint.params)} `, link);
}
