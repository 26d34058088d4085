import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReportClock, RowsEvents, type ClassroomRun } from '../../../bench/classroom.ts';
import {
  classroomHeading,
  classroomRows,
  classroomSection,
  hubRssWhy,
  mergeClassroomSection,
} from '../../../bench/classroom-report.ts';

const mib = 1 << 20;

function run(over: Partial<ClassroomRun> = {}): ClassroomRun {
  return {
    learners: 200,
    seconds: 60,
    sent: 4000,
    stored: 4000,
    toTable: Array.from({ length: 4000 }, (_, i) => 150 + (i % 100)),
    neverShown: 0,
    learnersListed: 200,
    rssBefore: 120 * mib,
    rssPeakFirstHalf: 140 * mib,
    rssPeakSecondHalf: 141 * mib,
    cpuShare: 0.2,
    ...over,
  };
}

const results = (r: ClassroomRun) => classroomRows(r).map((row) => row.at(-1));

describe('the classroom phase of the bench', () => {
  it('matches each report to the first table event that shows it, earlier ones included', () => {
    const clock = new ReportClock();
    clock.sent('a', 0, 1000);
    clock.sent('a', 1, 1100);
    clock.sent('a', 2, 1200);
    clock.sent('b', 0, 1000);
    clock.shown('a', 'step-0', 1250);
    clock.shown('a', 'step-0', 1300);
    assert.deepEqual(clock.toTable, [250]);
    clock.shown('a', 'step-2', 1500);
    clock.shown('b', 'routes', 1500);
    assert.deepEqual(clock.toTable, [250, 400, 300]);
    assert.equal(clock.unshown(), 1, "b's report is not shown yet");
    clock.shown('b', 'step-0', 1600);
    assert.equal(clock.unshown(), 0);
    assert.deepEqual(clock.toTable, [250, 400, 300, 600]);
  });

  it('reads rows events out of a stream cut anywhere', () => {
    const events = new RowsEvents();
    const stream =
      'retry: 2000\nevent: rows\ndata: {"rows":[1]}\n\nevent: other\ndata: x\n\nevent: rows\ndata: {"rows":[2]}\n\n';
    const got: string[] = [];
    for (let i = 0; i < stream.length; i += 7) got.push(...events.push(stream.slice(i, i + 7)));
    assert.deepEqual(got, ['{"rows":[1]}', '{"rows":[2]}']);
  });

  it('reads the delta events that follow the first table too', () => {
    const events = new RowsEvents();
    const got = events.push(
      'event: rows\ndata: {"rows":[1]}\n\nevent: delta\ndata: {"rows":[3]}\n\nevent: other\ndata: y\n\n',
    );
    assert.deepEqual(got, ['{"rows":[1]}', '{"rows":[3]}']);
  });

  it('judges each target, and misses them when the room is not served', () => {
    assert.deepEqual(results(run()), ['met', 'met', 'met', 'met']);
    assert.equal(results(run({ stored: 3999 }))[0], '**missed**');
    assert.equal(results(run({ neverShown: 2 }))[0], '**missed**');
    assert.equal(results(run({ learnersListed: 199 }))[0], '**missed**');
    assert.equal(results(run({ toTable: [100, 200, 5000] }))[1], '**missed**');
    assert.equal(results(run({ rssPeakSecondHalf: 160 * mib }))[2], '**missed**');
    assert.equal(results(run({ cpuShare: 0.8 }))[3], '**missed**');
    assert.match(classroomRows(run())[0]?.[2] ?? '', /^66\.7 reports\/s; 200 learners listed$/);
  });

  it("says under the table what keeps the hub's RSS level, whether the row is met or missed", () => {
    const why = hubRssWhy.split(' ').slice(0, 6).join(' ');
    assert.ok(classroomSection(run({ rssPeakSecondHalf: 160 * mib }), 'M.').includes(why));
    assert.ok(classroomSection(run(), 'M.').includes(why));
  });

  it('replaces its own section of the page, or adds it before the changes', () => {
    const page =
      '# Performance\n\n## Results\n\nrows\n\n## What these measurements changed\n\nold\n';
    const first = mergeClassroomSection(page, classroomSection(run(), 'Measured once.'));
    assert.match(
      first,
      /## Results\n\nrows\n\n## A classroom on one hub\n[\s\S]*Measured once\.[\s\S]*\n\n## What these measurements changed\n\nold\n$/,
    );
    const second = mergeClassroomSection(
      first,
      classroomSection(run({ sent: 10, stored: 10 }), 'Measured twice.'),
    );
    assert.equal(second.split(classroomHeading).length, 2, 'one section');
    assert.doesNotMatch(second, /Measured once/);
    assert.match(second, /Measured twice\./);
    assert.match(second, /## What these measurements changed\n\nold\n$/);
    assert.match(mergeClassroomSection('# P\n', 'S'), /^# P\n\nS\n$/);
  });
});
