import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CellTracker, type TrackerEffect } from '../../../../runner/terminal/cell-tracker.ts';

const prompt = { kind: 'prompt' } as const;
const start = { kind: 'start' } as const;
const end = (exitCode: number) => ({ kind: 'end', exitCode }) as const;
const cell = { lab: 'fixture', cell: 'say-hello' };

/** A tracker on a clock the test moves by hand. */
function tracker() {
  let now = 1000;
  const t = new CellTracker(() => now);
  return { t, advance: (ms: number) => (now += ms) };
}

/** The effects as short words, for readable assertions. */
function words(effects: readonly TrackerEffect[]): string[] {
  return effects.map((effect) => {
    if (effect.kind === 'paste') return `paste ${effect.command}`;
    const m = effect.message;
    const what = m.type === 'cell' ? m.cell : `@${m.script}`;
    return [m.type, what, m.state, m.exitCode, m.ms].filter((x) => x !== undefined).join(' ');
  });
}

function requested(t: CellTracker, target: Parameters<CellTracker['request']>[0], command: string) {
  const asked = t.request(target, command);
  assert.ok(asked.ok, 'the request is accepted');
  return words(asked.effects);
}

const failed = (exitCode: number, command: string) =>
  ({ kind: 'failed', exitCode, command }) as const;

describe('the cell tracker', () => {
  it("names a cell's first failed command with its end, even when the cell exits 0", () => {
    const { t } = tracker();
    t.mark(prompt);
    requested(t, cell, 'a; b; c');
    t.mark(failed(1, 'before the start'));
    t.mark(start);
    t.mark(failed(127, 'kind get clusters'));
    t.mark(failed(1, 'kubectl get nodes'));
    const [ended] = t.mark(end(0));
    assert.ok(ended?.kind === 'message' && ended.message.type === 'cell');
    assert.equal(ended.message.exitCode, 0);
    assert.deepEqual(ended.message.failed, { command: 'kind get clusters', exitCode: 127 });
    // The next run starts clean, and a learner's own failure at the prompt is nobody's.
    t.mark(prompt);
    t.mark(failed(2, 'typed by hand'));
    requested(t, cell, 'true');
    t.mark(start);
    const [next] = t.mark(end(0));
    assert.ok(next?.kind === 'message' && next.message.type === 'cell');
    assert.equal(next.message.failed, undefined);
  });

  it('recognises a common cause in what a failed run printed, and only in a failed one', () => {
    const { t } = tracker();
    t.mark(prompt);
    requested(t, cell, 'kubectl get nodes');
    const said = Buffer.from('The connection to the server localhost:8080 was refused\r\n');
    t.read(Buffer.concat([Buffer.from('x'), said]), [{ mark: start, end: 1 }]);
    const [ended] = t.mark(end(1));
    assert.ok(ended?.kind === 'message');
    assert.deepEqual(ended.message.hint, { code: 'noCluster', params: {} });

    t.mark(prompt);
    requested(t, cell, 'kubectl get nodes');
    t.mark(start);
    t.read(said, []);
    const [passed] = t.mark(end(0));
    assert.ok(passed?.kind === 'message');
    assert.equal(passed.message.hint, undefined);
  });

  it("leaves a script's failures to its exit code and its last step", () => {
    const { t } = tracker();
    t.mark(prompt);
    requested(t, { lab: 'fixture', script: 'prepare' }, 'prepare');
    t.mark(start);
    t.mark(failed(1, 'probe'));
    const [ended] = t.mark(end(0));
    assert.ok(ended?.kind === 'message');
    assert.ok(!('failed' in ended.message));
  });

  it('queues a run asked for before the first prompt and pastes it at that prompt', () => {
    const { t } = tracker();
    assert.deepEqual(requested(t, cell, 'echo hi'), ['cell say-hello running']);
    assert.deepEqual(t.running, cell);
    assert.deepEqual(words(t.mark(prompt)), ['paste echo hi']);
    assert.deepEqual(words(t.mark(start)), []);
    assert.deepEqual(words(t.mark(end(0))), ['cell say-hello done 0 0']);
    assert.equal(t.running, undefined);
  });

  it('queues a run asked for between a command line’s end and its prompt, and pastes it there', () => {
    const { t } = tracker();
    t.mark(prompt);
    requested(t, cell, 'true');
    t.mark(start);
    // The page is told the cell is done at the end mark, and may ask for the next one at once,
    // before the shell has drawn its prompt (the two marks can come in two reads).
    assert.deepEqual(words(t.mark(end(0))), ['cell say-hello done 0 0']);
    const next = { lab: 'fixture', cell: 'next' };
    assert.deepEqual(requested(t, next, 'echo next'), ['cell next running']);
    assert.equal(t.request(cell, 'true').ok, false, 'one run queued at a time');
    assert.deepEqual(words(t.mark(prompt)), ['paste echo next']);
  });

  it('pastes at once at a prompt, and times the run from the start mark, not the paste', () => {
    const { t, advance } = tracker();
    t.mark(prompt);
    assert.deepEqual(requested(t, cell, 'sleep 1'), ['cell say-hello running', 'paste sleep 1']);
    advance(400); // the paste travels, the shell reads the line
    t.mark(start);
    advance(1234);
    assert.deepEqual(words(t.mark(end(3))), ['cell say-hello done 3 1234']);
  });

  it('refuses a second run while one is on its way, and while the shell runs something', () => {
    const { t } = tracker();
    t.mark(prompt);
    requested(t, cell, 'true');
    const busy = t.request({ lab: 'fixture', cell: 'other' }, 'true');
    assert.equal(busy.ok, false);
    assert.equal(!busy.ok && busy.code, 'shell-busy');
    t.mark(start);
    t.mark(end(0));
    t.mark(start); // the learner types a command of their own
    assert.equal(t.request(cell, 'true').ok, false, 'busy while the learner’s command runs');
    t.mark(end(0));
    t.mark(prompt);
    assert.equal(t.request(cell, 'true').ok, true, 'free at the next prompt');
  });

  it('ends a pasted line that never started (Ctrl-C on the line) as interrupted', () => {
    const { t } = tracker();
    t.mark(prompt);
    requested(t, cell, 'true');
    assert.deepEqual(words(t.mark(prompt)), ['cell say-hello interrupted']);
    assert.equal(t.running, undefined);
  });

  it('ends a run whose shell was replaced (a prompt with no end mark) as interrupted', () => {
    const { t } = tracker();
    t.mark(prompt);
    requested(t, cell, 'exec zsh');
    t.mark(start);
    assert.deepEqual(words(t.mark(prompt)), ['cell say-hello interrupted']);
  });

  it('ignores an end mark of a command that is not the run (a learner’s own)', () => {
    const { t } = tracker();
    t.mark(prompt);
    t.mark(start);
    assert.deepEqual(words(t.mark(end(1))), []);
    t.mark(prompt);
    requested(t, cell, 'true');
    assert.deepEqual(words(t.mark(end(5))), [], 'an end before the run started is not its end');
    t.mark(start);
    assert.deepEqual(words(t.mark(end(0))), ['cell say-hello done 0 0']);
  });

  it('reports a lab script as a script, not as a cell', () => {
    const { t } = tracker();
    t.mark(prompt);
    const script = { lab: 'fixture', script: 'prepare' } as const;
    assert.deepEqual(requested(t, script, 'lab_prepare'), [
      'script @prepare running',
      'paste lab_prepare',
    ]);
    assert.deepEqual(t.running, script);
    t.mark(start);
    assert.deepEqual(words(t.mark(end(1))), ['script @prepare done 1 0']);
  });

  it('interrupts what runs when the shell ends, and is busy from then on', () => {
    const { t } = tracker();
    t.mark(prompt);
    requested(t, cell, 'sleep 100');
    t.mark(start);
    assert.deepEqual(words(t.end()), ['cell say-hello interrupted']);
    assert.deepEqual(words(t.end()), [], 'nothing is left to interrupt');
    assert.equal(t.request(cell, 'true').ok, false);
  });

  it("remembers a script's last announced step and tells it with the script's end", () => {
    const { t } = tracker();
    t.mark(prompt);
    requested(t, { lab: 'fixture', script: 'prepare' }, 'lab_reach mesh');
    t.output('==> [1/3] not yet: the command line has not started\n');
    t.mark(start);
    t.output('==> [1/3] the kind cluster istio-lab\n    cluster exists\n==> [2/3] istioct');
    t.output('l 1.31.1\r\n');
    const [finished] = t.mark({ kind: 'end', exitCode: 1 });
    assert.ok(finished?.kind === 'message' && finished.message.type === 'script');
    assert.equal(finished.message.step, '2/3 istioctl 1.31.1', 'a line split across reads');
    // A cell has no steps.
    t.mark(prompt);
    requested(t, cell, 'echo "==> [9/9] not a step"');
    t.mark(start);
    t.output('==> [9/9] not a step\n');
    const [done] = t.mark(end(0));
    assert.ok(done?.kind === 'message');
    assert.equal('step' in done.message, false);
  });

  it("reads a script's steps between its start and end marks when all come in one chunk", () => {
    const { t } = tracker();
    t.mark(prompt);
    requested(t, { lab: 'fixture', script: 'prepare' }, 'lab_reach mesh');
    // The echo of the pasted line, the start mark, the steps, the end mark: one read of the pty.
    const parts = [
      "echo '==> [9/9] the echo, not a step'\r\n",
      '<C>',
      '==> [1/2] the kind cluster istio-lab\r\n==> [2/2] istioctl 1.31.1\r\n',
      '<D>',
    ];
    const data = Buffer.from(parts.join(''));
    const cEnd = parts[0]!.length + 3;
    const dEnd = data.length;
    const effects = t.read(data, [
      { mark: start, end: cEnd },
      { mark: end(1), end: dEnd },
    ]);
    const finished = effects.find((effect) => effect.kind === 'message');
    assert.ok(finished?.kind === 'message' && finished.message.type === 'script');
    assert.deepEqual(
      [finished.message.state, finished.message.exitCode, finished.message.step],
      ['done', 1, '2/2 istioctl 1.31.1'],
    );
  });
});
