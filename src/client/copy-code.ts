import { t } from './strings.ts';

/**
 * Copies the code of the `.lab-cell` block around `button` (its `[data-code]`) to the clipboard,
 * or selects it when the clipboard refuses; the button says which, then goes back to its label.
 */
export async function copyCode(button: HTMLButtonElement): Promise<void> {
  const block = button.closest('.lab-cell');
  const code = block?.querySelector<HTMLElement>('[data-code]')?.dataset.code ?? '';
  try {
    await navigator.clipboard.writeText(code);
    button.textContent = t('lab.cell.copied');
  } catch {
    // The clipboard can be refused (insecure origin, permissions): select the code instead.
    const target = block?.querySelector('.lab-cell-code pre');
    if (target) getSelection()?.selectAllChildren(target);
    button.textContent = t('lab.cell.copyFailed');
  }
  setTimeout(() => (button.textContent = button.dataset.label ?? t('lab.cell.copy')), 1500);
}
