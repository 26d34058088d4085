import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classroomHealth,
  type Classroom,
  type ClassroomArgs,
} from '../../../../runner/classroom/classroom.ts';

const reportTo: ClassroomArgs = {
  hub: undefined,
  reportTo: { url: 'http://127.0.0.1:4322/join/aaaaaaaaaaaaaaaaaaaa', name: 'Dana' },
};

describe("the runner's health of its classroom", () => {
  it('says ok with --report-to before the reporter starts, so that a page reading it then asks again', () => {
    const started: { classroom?: Classroom } = {};
    const health = classroomHealth(reportTo, () => started.classroom);
    assert.equal(health(), 'ok');
    started.classroom = { hub: undefined, hubStatus: () => 'full', close: () => Promise.resolve() };
    assert.equal(health(), 'full');
  });

  it('names no hub without --report-to, before or after the classroom starts', () => {
    const started: { classroom?: Classroom } = {};
    const health = classroomHealth(
      { hub: undefined, reportTo: undefined },
      () => started.classroom,
    );
    assert.equal(health(), undefined);
    started.classroom = {
      hub: undefined,
      hubStatus: () => undefined,
      close: () => Promise.resolve(),
    };
    assert.equal(health(), undefined);
  });
});
