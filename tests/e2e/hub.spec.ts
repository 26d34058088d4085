import { readFileSync } from 'node:fs';
import { startHub, type RunningHub } from '../../runner/classroom/hub.ts';
import { expect, startRunner, test, type Runner } from './fixtures.ts';

/**
 * The instructor's table in a real browser: signed in by the printed link, it shows a learner
 * who joins, then that learner stuck on a failing check, live, without a reload.
 */
test.describe('instructor hub', () => {
  let hub: RunningHub;
  let learner: Runner | undefined;

  test.beforeEach(async () => {
    hub = await startHub({ host: '127.0.0.1', port: 0, log: () => undefined });
  });
  test.afterEach(async () => {
    await learner?.stop();
    learner = undefined;
    await hub.close();
  });

  test('shows a learner joining and getting stuck, live, in the chosen language', async ({
    page,
  }) => {
    await page.goto(`${hub.view}#token=${hub.viewToken}`);
    await expect(page).toHaveURL(hub.view);
    await expect(page.getByRole('heading', { name: 'Classroom progress' })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Live');
    await expect(page.getByText('No learner has joined yet.', { exact: false })).toBeVisible();

    const name = '<img src=x onerror=alert(1)> Ada';
    learner = await startRunner([
      '--report-to',
      `http://127.0.0.1:${hub.port}/join/${hub.joinToken}`,
      '--name',
      name,
    ]);
    const row = page.getByRole('row', { name: /Ada/ });
    await expect(row.getByRole('cell').first()).toHaveText(name);
    await expect(page.getByText('1 of 1000 learners, 0 waiting, 0 stuck')).toBeVisible();

    const check = await fetch(new URL('api/checks/fixture/never-passes', learner.local), {
      method: 'POST',
      headers: { Authorization: `Bearer ${learner.token}` },
    });
    expect(check.status).toBe(200);
    await expect(row).toContainText('failed: never-passes');
    await expect(row.getByRole('cell').nth(4)).toHaveText('under a minute');
    await expect(page.getByText('1 of 1000 learners, 0 waiting, 1 stuck')).toBeVisible();
    await expect(page.locator('img')).toHaveCount(0);

    await page
      .getByRole('navigation', { name: 'Language' })
      .getByRole('link', { name: 'Русский' })
      .click();
    await expect(page.getByRole('heading', { name: 'Прогресс группы' })).toBeVisible();
    await expect(page.getByRole('row', { name: /Ada/ })).toContainText('не пройдена: never-passes');
    await expect(page.getByRole('row', { name: /Ada/ })).toContainText('меньше минуты');
  });

  test('sorts, filters, counts and exports the room, by the book’s names, and keeps the choice live', async ({
    page,
  }) => {
    const report = async (name: string, learner: string, results: object[]) => {
      const answer = await fetch(new URL(`/join/${hub.joinToken}/report`, hub.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name, learner, results }),
      });
      expect(answer.status).toBe(204);
    };
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const result = (lab: string, check: string, status: string, minutes: number) => ({
      lab,
      check,
      status,
      at: minutesAgo(minutes),
      attempts: 1,
    });
    // The book's own chapters and checks: the table names them as the chapters do.
    const ready = 'control-plane-ready';
    await report('Zed', 'zed-learner-00000001', [
      result('install', ready, 'pass', 30),
      result('traffic', 'only-v1', 'fail', 20),
    ]);
    await report('=1+2 Bo', 'bo-learner-000000001', [result('install', ready, 'fail', 10)]);
    await report('Ada', 'ada-learner-00000001', [result('install', ready, 'pass', 5)]);

    await page.goto(`${hub.view}#token=${hub.viewToken}`);
    const names = page.locator('#learners tr td:first-child');
    // Stuck first (both since the hub started: no result counts as older), then by name.
    await expect(names).toHaveText(['=1+2 Bo', 'Zed', 'Ada']);
    // The order and the chapter apply as they are chosen: no Apply button to press.
    await expect(page.getByRole('button', { name: 'Apply' })).toBeHidden();
    const zed = page.getByRole('row', { name: /Zed/ });
    await expect(zed.getByRole('cell').nth(1)).toHaveText('Route traffic between versions');
    await expect(zed.getByRole('cell').nth(1)).toHaveAttribute('title', 'traffic');
    await expect(zed.getByRole('cell').nth(3)).toHaveText(
      'failed: Ten requests in a row come back without stars: every one was served by reviews v1',
    );
    await expect(zed.getByRole('cell').nth(3)).toHaveAttribute('title', 'traffic/only-v1');
    const counts = page.getByRole('table', { name: 'Checks passed, by chapter' });
    await expect(counts.getByRole('row', { name: /^Install Istio istiod/ })).toHaveText(
      /^Install Istioistiod and both gateways are rolled out.*2\s*1$/,
    );
    await expect(counts.getByRole('row', { name: /^Route traffic/ })).toHaveText(
      /^Route traffic between versionsTen requests in a row.*0\s*1$/,
    );
    await expect(
      page.getByRole('link', { name: 'Download this chapter’s learners (CSV)' }),
    ).toBeHidden();

    await page.getByRole('combobox', { name: 'Sort by' }).selectOption('name');
    await expect(names).toHaveText(['=1+2 Bo', 'Ada', 'Zed']);
    await page.getByRole('combobox', { name: 'Chapter' }).selectOption('traffic');
    await expect(names).toHaveText(['Zed']);
    await expect(page.getByText('1 of 3 learners shown')).toBeVisible();
    await expect(counts.getByRole('row', { name: /Install Istio/ })).toHaveCount(0);
    await expect(page).toHaveURL(`${hub.view}?lang=en&sort=name&chapter=traffic`);

    // The filtered table stays live: a learner reaching the chapter appears, without a reload.
    await report('Ada', 'ada-learner-00000001', [result('traffic', 'only-v1', 'pass', 1)]);
    await expect(names).toHaveText(['Ada', 'Zed']);
    await expect(counts.getByRole('row', { name: /^Route traffic/ })).toHaveText(
      /^Route traffic between versionsTen requests in a row.*1\s*1$/,
    );

    // With a chapter chosen, the links say which learners each file holds.
    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download this chapter’s learners (CSV)' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^classroom-traffic-.*\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      '\uFEFFLearner,Chapter,Checks passed,Latest check,Stuck for,Last seen,Stuck since (UTC),Last seen (UTC),Chapter id,Latest check id',
    );
    expect(lines.slice(1, -1).map((line) => line.split(',')[0])).toEqual(['Ada', 'Zed']);
    expect(lines[1]).toMatch(
      /^Ada,Route traffic between versions,2,passed: Ten requests.*,traffic,traffic\/only-v1$/,
    );
    const room = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download all learners (CSV)' }).click();
    const roomFile = await room;
    expect(roomFile.suggestedFilename()).toMatch(/^classroom-\d.*\.csv$/);
    expect(readFileSync(await roomFile.path(), 'utf8').split('\r\n')).toHaveLength(5);

    // Without the filter, one link: the whole room, a formula-like name defused.
    await page.getByRole('combobox', { name: 'Chapter' }).selectOption('');
    await expect(names).toHaveCount(3);
    await expect(
      page.getByRole('link', { name: 'Download this chapter’s learners (CSV)' }),
    ).toBeHidden();
    const all = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download all learners (CSV)' }).focus();
    await page.keyboard.press('Enter');
    const whole = readFileSync(await (await all).path(), 'utf8');
    expect(whole).toContain('\r\n\'=1+2 Bo,Install Istio,0,"failed: istiod and both gateways');

    // In another language, the book's words in that language.
    await page
      .getByRole('navigation', { name: 'Language' })
      .getByRole('link', { name: 'Italiano' })
      .click();
    const zedIt = page.getByRole('row', { name: /Zed/ });
    await expect(zedIt.getByRole('cell').nth(1)).toHaveText(
      'Instradare il traffico tra le versioni',
    );
    await expect(zedIt.getByRole('cell').nth(3)).toHaveText(
      'non superata: Dieci richieste di fila tornano senza stelle: le ha servite tutte reviews v1',
    );
    await expect(
      page.getByRole('link', { name: 'Scarica tutti i partecipanti (CSV)' }),
    ).toBeVisible();
  });

  test('shows nothing of the room to a browser without the view link, and remembers it once given', async ({
    page,
  }) => {
    const report = await fetch(new URL(`/join/${hub.joinToken}/report`, hub.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Ada', learner: 'ada-learner-00000001', results: [] }),
    });
    expect(report.status).toBe(204);
    await page.goto(hub.view);
    await expect(page.getByRole('alert')).toContainText('needs the view link');
    await expect(page.locator('#learners tr')).toHaveCount(0);
    // A cookie with the view token, as the hub once set, grants nothing.
    await page
      .context()
      .addCookies([{ name: `istio_lab_hub_${hub.port}`, value: hub.viewToken, url: hub.view }]);
    await page.reload();
    await expect(page.locator('#learners tr')).toHaveCount(0);

    await page.goto(`${hub.view}#token=${hub.viewToken}`);
    await expect(page.locator('#learners tr')).toHaveCount(1);
    await expect(page).toHaveURL(hub.view);
    // The token is kept in this origin's storage: the bare address works from now on.
    await page.goto(hub.view);
    await expect(page.getByRole('status')).toHaveText('Live');
    await expect(page.locator('#learners tr')).toHaveCount(1);
  });
});
