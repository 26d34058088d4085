/**
 * `<lab-question>`: a choice is marked right or wrong when clicked; the right one reveals the
 * explanation. Works on every page, with or without a runner.
 */
class LabQuestion extends HTMLElement {
  /** Ends what this element listens to while it is in the page. */
  #connected: AbortController | undefined;

  connectedCallback(): void {
    this.#connected = new AbortController();
    const strings = readStrings(this);
    this.addEventListener(
      'click',
      (event) => {
        const choice = (event.target as HTMLElement).closest<HTMLButtonElement>('.lab-choice');
        if (!choice) return;
        const right = choice.dataset.correct === 'true';
        choice.dataset.answered = right ? 'right' : 'wrong';
        choice.setAttribute('aria-pressed', 'true');
        const verdict = this.querySelector('.lab-question-verdict');
        if (verdict) verdict.textContent = right ? strings.right : strings.wrong;
        if (right) {
          for (const explain of this.querySelectorAll<HTMLElement>('.lab-explain'))
            explain.hidden = false;
          for (const other of this.querySelectorAll<HTMLButtonElement>('.lab-choice'))
            other.disabled = true;
        }
      },
      { signal: this.#connected.signal },
    );
  }

  disconnectedCallback(): void {
    this.#connected?.abort();
  }
}

function readStrings(element: Element): { right: string; wrong: string } {
  const source = element
    .closest('.lab-quiz')
    ?.querySelector('script[data-quiz-strings]')?.textContent;
  return source
    ? (JSON.parse(source) as { right: string; wrong: string })
    : { right: '✓', wrong: '✗' };
}

customElements.define('lab-question', LabQuestion);
