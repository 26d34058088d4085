import { Terminal, type ITerminalOptions } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import { bus } from './bus.ts';
import { t } from './strings.ts';
import { chooseRenderer, hardwareWebgl, rendererStorage, type RendererReason } from './renderer.ts';
import { afterNextFrame } from './next-frame.ts';
import { TerminalConnection } from './terminal-connection.ts';
import { FlowLimits } from '../lib/wire/flow-limits.ts';

/** The terminal's type size: larger in presenter mode (src/client/presenter.ts). */
function terminalFontSize(): number {
  return document.documentElement.dataset.presenter === 'on' ? 22 : 14;
}

/** Remembered between pages and visits. */
const storage = {
  height: 'istio-lab.dock.height',
  collapsed: 'istio-lab.dock.collapsed',
  screenReader: 'istio-lab.dock.screenReader',
} as const;
const heights = { initial: 300, min: 120, marginTop: 80 } as const;

/**
 * `<lab-dock>`: the terminal docked at the bottom of a chapter. Collapsible and resizable by its
 * top edge; its size is remembered. Its connection reconnects by itself (terminal-connection.ts).
 * What it registers while in the page (listeners outside it, the terminal, its addons and its
 * connection) it releases when it leaves.
 */
class LabDock extends HTMLElement {
  #terminal: Terminal | undefined;
  /**
   * The terminal that measured the box, kept in it until the dock's own opens: it shows a long
   * restored screen's visible rows meanwhile (see #preview).
   */
  #placeholder: Terminal | undefined;
  #fit: FitAddon | undefined;
  #connection: TerminalConnection | undefined;
  /** Ends the DOM and bus listeners this dock added while in the page. */
  #connected: AbortController | undefined;
  /** Releases everything else it registered, run last to first when it leaves. */
  #releases: Array<() => void> = [];

  connectedCallback(): void {
    this.#connected = new AbortController();
    const { signal } = this.#connected;
    this.innerHTML = `
      <div class="lab-dock-handle" role="separator" aria-orientation="horizontal" tabindex="0"></div>
      <div class="lab-dock-bar">
        <strong class="lab-dock-title"></strong>
        <span class="lab-dock-status" role="status" aria-live="polite"></span>
        <button type="button" class="lab-button lab-dock-takeback" hidden></button>
        <button type="button" class="lab-button lab-dock-reader" aria-pressed="false"></button>
        <button type="button" class="lab-button lab-dock-toggle" aria-expanded="true"></button>
      </div>
      <div class="lab-dock-body"><div class="lab-dock-terminal"></div></div>`;
    this.#q('.lab-dock-title').textContent = t('lab.dock.title');
    this.#q('.lab-dock-handle').setAttribute('aria-label', t('lab.dock.resize'));
    this.#q('.lab-dock-takeback').textContent = t('lab.dock.takeBack');
    this.#setHeight(Number(localStorage.getItem(storage.height)) || heights.initial);
    this.#setCollapsed(localStorage.getItem(storage.collapsed) === '1');
    this.#q('.lab-dock-toggle').addEventListener(
      'click',
      () => this.#setCollapsed(!this.hasAttribute('collapsed')),
      { signal },
    );
    this.#wireResize(signal);
    // The page's padding for the dock goes with it.
    this.#releases.push(() => document.documentElement.style.removeProperty('--lab-dock-space'));

    const options: ITerminalOptions = {
      fontFamily:
        'ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono CJK SC", Menlo, Consolas, monospace',
      fontSize: terminalFontSize(),
      // At a line height of 1, some monospace fonts clip the underscore out of sight.
      lineHeight: 1.2,
      // As many lines as the runner's kept screen, and the ones it sends a page that is behind.
      scrollback: FlowLimits.scrollback,
      cursorBlink: true,
      theme: { background: '#0b1020' },
    };
    const box = this.#q('.lab-dock-terminal');
    const reading = localStorage.getItem(storage.screenReader) === '1';
    const { placeholder, size } = measuringTerminal(box, options);
    this.#placeholder = placeholder;
    this.#releases.push(() => this.#dropPlaceholder());
    const terminal = new Terminal({ ...options, ...size, screenReaderMode: reading });
    // xterm's screen-reader mode: its rows kept as text that a screen reader can read and follow.
    const reader = this.#q('.lab-dock-reader');
    reader.textContent = t('lab.dock.screenReader');
    reader.setAttribute('aria-pressed', String(reading));
    reader.addEventListener(
      'click',
      () => {
        const on = !terminal.options.screenReaderMode;
        terminal.options.screenReaderMode = on;
        reader.setAttribute('aria-pressed', String(on));
        localStorage.setItem(storage.screenReader, on ? '1' : '0');
      },
      { signal },
    );
    const fit = new FitAddon();
    const links = new WebLinksAddon();
    terminal.loadAddon(fit);
    terminal.loadAddon(links);
    // Tab belongs to the shell (completion); Shift+Tab leaves the terminal, so that the keyboard
    // is never trapped in it. The browser then moves the focus back as it always does.
    terminal.attachCustomKeyEventHandler((event) => !(event.key === 'Tab' && event.shiftKey));
    this.#terminal = terminal;
    this.#fit = fit;
    this.#releases.push(
      () => terminal.dispose(),
      () => fit.dispose(),
      () => links.dispose(),
    );
    // Opened only once the first screen is written into it (see #show).
    const connection = new TerminalConnection(terminal, (status) => this.#status(status), {
      shown: () => this.#show(terminal, box),
      preview: (rows, drawn) => this.#preview(terminal, rows, drawn),
    });
    this.#connection = connection;
    this.#releases.push(() => connection.dispose());
    this.#q('.lab-dock-takeback').addEventListener('click', () => connection.connect(), {
      signal,
    });
    const resizeObserver = new ResizeObserver(() => {
      if (this.hasAttribute('collapsed')) return;
      fit.fit();
      connection.resize(terminal.cols, terminal.rows);
    });
    resizeObserver.observe(this.#q('.lab-dock-body'));
    this.#releases.push(() => resizeObserver.disconnect());
    // Presenter mode: the terminal's type grows and shrinks with the prose.
    bus.on(
      'presenter',
      () => {
        terminal.options.fontSize = terminalFontSize();
        fit.fit();
        connection.resize(terminal.cols, terminal.rows);
      },
      { signal },
    );
    bus.on(
      'run',
      (target) => {
        this.#setCollapsed(false);
        connection.run(target, { focus: !target.keepFocus });
      },
      { signal },
    );
    connection.connect();
  }

  disconnectedCallback(): void {
    this.#connected?.abort();
    this.#connected = undefined;
    for (const release of this.#releases.splice(0).reverse()) release();
    this.#terminal = undefined;
    this.#fit = undefined;
    this.#connection = undefined;
  }

  /**
   * Opens the terminal when its first screen has been written. Written into a terminal not yet
   * opened, which has no viewport to scroll and no rows to draw, the 10,000 lines of a restored
   * screen parse in about half the time (docs/performance.md).
   */
  #show(terminal: Terminal, box: HTMLElement): void {
    if (terminal.element) return;
    const focused = this.#placeholder?.element?.contains(document.activeElement) === true;
    this.#dropPlaceholder();
    terminal.open(box);
    if (focused) terminal.focus();
    const { cols, rows } = terminal;
    this.#fit?.fit();
    if (terminal.cols !== cols || terminal.rows !== rows)
      this.#connection?.resize(terminal.cols, terminal.rows);
    this.#drawnBy('dom', undefined);
    // Asking for a WebGL context takes a few tens of ms: after the first frame, not before it.
    afterNextFrame(() => {
      if (this.#terminal !== terminal) return;
      const { renderer, reason } = chooseRenderer(
        localStorage.getItem(rendererStorage),
        hardwareWebgl,
      );
      this.#drawnBy('dom', reason);
      if (renderer === 'webgl') void this.#useWebgl(terminal, reason);
    });
  }

  /**
   * Shows a long restored screen's visible rows in the placeholder while the whole screen is
   * written into the dock's terminal, not yet opened (see #show); false once that one is open
   * (a reconnect), which then takes the whole screen at once.
   */
  #preview(terminal: Terminal, rows: string, drawn: () => void): boolean {
    const placeholder = this.#placeholder;
    if (!placeholder || terminal.element) return false;
    placeholder.resize(terminal.cols, terminal.rows);
    placeholder.reset();
    placeholder.write(rows, () => afterNextFrame(drawn));
    return true;
  }

  #dropPlaceholder(): void {
    this.#placeholder?.dispose();
    this.#placeholder = undefined;
  }

  /**
   * Draws with xterm's WebGL addon, loaded only then (its code stays out of other pages). Until it
   * is loaded, and for good if it fails or its context is lost (a GPU reset, too many contexts),
   * xterm's DOM renderer draws.
   */
  async #useWebgl(terminal: Terminal, reason: RendererReason): Promise<void> {
    try {
      const { WebglAddon } = await import('@xterm/addon-webgl');
      if (this.#terminal !== terminal) return;
      const addon = new WebglAddon();
      addon.onContextLoss(() => {
        addon.dispose();
        this.#drawnBy('dom', 'contextLost');
      });
      terminal.loadAddon(addon);
      this.#releases.push(() => addon.dispose());
      this.#drawnBy('webgl', reason);
    } catch {
      this.#drawnBy('dom', 'failed');
    }
  }

  /** `reason` undefined: the renderer is not chosen yet. */
  #drawnBy(renderer: 'webgl' | 'dom', reason: RendererReason | undefined): void {
    this.dataset.renderer = renderer;
    if (reason) this.dataset.rendererReason = reason;
    else delete this.dataset.rendererReason;
  }

  /** The terminal's text, line by line: what a learner would read on it (used by the e2e tests). */
  text(): string {
    const buffer = this.#terminal?.buffer.active;
    if (!buffer) return '';
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++)
      lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n').trimEnd();
  }

  /**
   * The terminal itself, for the e2e tests that compare its cells, colours and state with a
   * reference terminal's (tests/e2e/screen-differential.spec.ts). A script in the page could
   * already type into it and read it: this gives it nothing more.
   */
  get terminal(): Terminal | undefined {
    return this.#terminal;
  }

  #status(status: { text: string; state: string; takeBack?: boolean }): void {
    const line = this.#q('.lab-dock-status');
    line.textContent = status.text;
    line.dataset.state = status.state;
    this.#q('.lab-dock-takeback').hidden = !status.takeBack;
  }

  #setCollapsed(collapsed: boolean): void {
    this.toggleAttribute('collapsed', collapsed);
    localStorage.setItem(storage.collapsed, collapsed ? '1' : '0');
    const toggle = this.#q('.lab-dock-toggle');
    toggle.textContent = collapsed ? t('lab.dock.expand') : t('lab.dock.collapse');
    toggle.setAttribute('aria-expanded', String(!collapsed));
    this.#updatePagePadding();
  }

  #setHeight(height: number): void {
    const max = Math.max(heights.min, window.innerHeight - heights.marginTop);
    const clamped = Math.round(Math.min(max, Math.max(heights.min, height)));
    this.style.setProperty('--lab-dock-height', `${clamped}px`);
    // The handle is a focusable separator: it says where it stands, in pixels of dock height.
    const handle = this.#q('.lab-dock-handle');
    handle.setAttribute('aria-valuemin', String(heights.min));
    handle.setAttribute('aria-valuemax', String(Math.round(max)));
    handle.setAttribute('aria-valuenow', String(clamped));
    localStorage.setItem(storage.height, String(clamped));
    this.#updatePagePadding();
  }

  #updatePagePadding(): void {
    // Keep the end of the chapter reachable above the dock.
    document.documentElement.style.setProperty(
      '--lab-dock-space',
      `${this.getBoundingClientRect().height}px`,
    );
  }

  #wireResize(signal: AbortSignal): void {
    const handle = this.#q('.lab-dock-handle');
    handle.addEventListener(
      'pointerdown',
      (down: PointerEvent) => {
        handle.setPointerCapture(down.pointerId);
        // One drag's listeners: gone at pointerup, or with the dock's if it leaves mid-drag.
        const drag = new AbortController();
        signal.addEventListener('abort', () => drag.abort(), { signal: drag.signal });
        handle.addEventListener(
          'pointermove',
          (event: PointerEvent) => this.#setHeight(window.innerHeight - event.clientY),
          { signal: drag.signal },
        );
        for (const end of ['pointerup', 'pointercancel'])
          handle.addEventListener(end, () => drag.abort(), { signal: drag.signal });
      },
      { signal },
    );
    handle.addEventListener(
      'keydown',
      (event: KeyboardEvent) => {
        const current = this.getBoundingClientRect().height;
        if (event.key === 'ArrowUp') this.#setHeight(current + 24);
        else if (event.key === 'ArrowDown') this.#setHeight(current - 24);
      },
      { signal },
    );
  }

  #q(selector: string): HTMLElement {
    const element = this.querySelector<HTMLElement>(selector);
    if (!element) throw new Error(`lab-dock: ${selector} is missing`);
    return element;
  }
}

customElements.define('lab-dock', LabDock);

/**
 * A terminal opened in `box` to measure the size a terminal with these options fits to there
 * (80×24 if the box is hidden: a collapsed dock), since the dock's own is opened later. It takes
 * no keys and shows no cursor: it stands in the box until the dock's opens. Its scrollback is the
 * dock's, though it only ever holds a screen: the fit leaves room for a scrollbar only then.
 */
function measuringTerminal(
  box: HTMLElement,
  options: ITerminalOptions,
): { placeholder: Terminal; size: { cols: number; rows: number } } {
  const placeholder = new Terminal({ ...options, disableStdin: true, cursorBlink: false });
  const fit = new FitAddon();
  placeholder.loadAddon(fit);
  placeholder.open(box);
  placeholder.write('\x1b[?25l');
  const size = fit.proposeDimensions();
  fit.dispose();
  const fits = size && Number.isInteger(size.cols) && Number.isInteger(size.rows);
  return {
    placeholder,
    size: fits && size.cols >= 2 && size.rows >= 1 ? size : { cols: 80, rows: 24 },
  };
}

/** Adds the dock to the page (once). */
export function openDock(): void {
  if (!document.querySelector('lab-dock')) document.body.append(document.createElement('lab-dock'));
}
