import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { answerJson, definePage } from '../support/page.ts';
import { waitFor } from '../support/poll.ts';

/**
 * The chapter's banner about the classroom hub, in Node: a live region whose text comes and goes
 * as the runner's health says, while the region itself stays rendered, so that a screen reader
 * announces the text (a region shown in the same step as its text may not be read).
 */

const strings = { 'lab.classroom.full': 'The classroom hub is full.' };
let answer: () => Promise<Response> = () => Promise.reject(new Error('no answer set'));
definePage({ fetch: () => answer(), strings });

/** The few parts of an element that the banner uses: its text, its children, `hidden`. */
class FakeElement {
  textContent = '';
  children: FakeElement[] = [];
  /** Every value `hidden` was set to, in order. */
  hiddenSet: boolean[] = [];
  set hidden(value: boolean) {
    this.hiddenSet.push(value);
  }
  get hidden(): boolean {
    return this.hiddenSet.at(-1) ?? false;
  }
  replaceChildren(...children: FakeElement[]): void {
    this.children = children;
    this.textContent = children.map((child) => child.textContent).join('');
  }
}
const page = document as unknown as Record<string, unknown>;
page.createElement = () => new FakeElement();
page.hidden = false;

const { probeRunner } = await import('../../../src/client/runner-link.ts');
const { hubRecheckMs, showHubStatus } = await import('../../../src/client/hub-banner.ts');

const health = (status: string) => ({ ok: true, version: 'test', protocol: 1, hub: { status } });

describe('the hub banner', () => {
  it('changes only its text as the hub fills and makes room: the live region stays rendered', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      answer = answerJson(health('full'));
      assert.equal(await probeRunner(), 'connected');
      const banner = new FakeElement();
      showHubStatus(banner as unknown as HTMLElement);
      assert.equal(banner.textContent, 'The classroom hub is full.');

      answer = answerJson(health('ok'));
      mock.timers.tick(hubRecheckMs);
      await waitFor('the banner to empty', () => banner.textContent === '');

      answer = answerJson(health('full'));
      mock.timers.tick(hubRecheckMs);
      await waitFor('the banner to say it again', () => banner.textContent !== '');
      assert.equal(banner.textContent, 'The classroom hub is full.');
      assert.deepEqual(banner.hiddenSet.filter(Boolean), [], 'the region was hidden');
    } finally {
      mock.timers.reset();
    }
  });
});
