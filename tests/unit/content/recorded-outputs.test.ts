import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { catchUpMatrix, samplesUnlike } from '../../../scripts/cluster-harness.ts';
import { loadLabDirs, readPins } from '../../../src/lib/lab-files.ts';

const root = new URL('../../..', import.meta.url).pathname;
const pins = readPins(join(root, 'content/versions.yaml'));
const labs = loadLabDirs([join(root, 'content/labs')], pins);

describe('sample outputs and the Catch-up matrix', () => {
  it('plans every chapter from a fresh machine, the chapter before, and the ends of ambient and egress', () => {
    const slugs = [...labs].sort(([, a], [, b]) => a.order - b.order).map(([slug]) => slug);
    const runs = catchUpMatrix(slugs, ['ambient', 'egress']);
    for (const [index, chapter] of slugs.entries()) {
      const starts = runs.filter((run) => run.chapter === chapter).map((run) => run.start);
      assert.ok(starts.includes('fresh'), `${chapter} from a fresh machine`);
      if (index > 0)
        assert.ok(starts.includes(slugs[index - 1] ?? ''), `${chapter} after the one before`);
      for (const end of ['ambient', 'egress'])
        if (end !== chapter) assert.ok(starts.includes(end), `${chapter} from the end of ${end}`);
      assert.equal(new Set(starts).size, starts.length, `${chapter}: no start twice`);
    }
  });

  it('tells a sample that no longer looks like its real output, and passes one that does', () => {
    const sampled = [...labs].flatMap(([slug, lab]) =>
      Object.entries(lab.cells)
        .filter(([, cell]) => cell.output !== undefined)
        .map(([id, cell]) => ({ key: `${slug}/${id}`, output: cell.output ?? '' })),
    );
    const [first, second] = sampled;
    assert.ok(first && second, 'the book has sample outputs');
    // A real run with other hashes, ages and spacing still looks like its sample.
    const alike = first.output.replace(/\d+/g, '42').replace(/ +/g, '   ');
    assert.deepEqual(
      samplesUnlike(labs, { cells: { [first.key]: alike, [second.key]: second.output } }),
      [],
    );
    const unlike = samplesUnlike(labs, { cells: { [second.key]: 'Error: something else' } });
    assert.equal(unlike.length, 1);
    assert.match(unlike[0] ?? '', new RegExp(`^${second.key}: the sample begins`));
  });
});
