import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { fakeTool, pins, writeFakeTools } from '../unit/support/fake-tools.ts';
import { expect, test } from './fixtures.ts';

/** The Doctor page as a learner reads it: one entry per item. */
function item(page: Page, id: string): Locator {
  return page.locator(`lab-doctor .lab-doctor-item[data-item="${id}"]`);
}

const dockerDown = `#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2\nexit 1\n`;

test('with a runner, the Doctor page shows each item, the fix, and checks again on demand', async ({
  page,
  runner,
}) => {
  // The runner's labs see its workspace bin/ first on PATH: fake tools there are what it finds.
  const bin = join(runner.home, 'bin');
  writeFakeTools(bin, {
    docker: dockerDown,
    kind: fakeTool('kind', { version: 'kind v0.1.0 go1.22.0 linux/amd64' }),
  });
  await runner.signIn(page, '/en/doctor/');

  await expect(item(page, 'docker').locator('.lab-doctor-status')).toHaveText('✘ Fail');
  await expect(item(page, 'docker').locator('.lab-doctor-text')).toHaveText(
    /^docker is installed, but its daemon does not answer/,
  );
  await expect(item(page, 'docker').locator('.lab-doctor-detail')).toHaveText(
    'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.',
  );
  await expect(page.locator('.lab-doctor-summary')).toHaveText(
    'Fix the items marked Fail before you start the chapters.',
  );

  const kind = item(page, 'kind');
  await expect(kind.locator('.lab-doctor-status')).toHaveText('! Warning');
  await expect(kind.locator('.lab-doctor-text')).toContainText(
    `kind v0.1.0 is installed, but the book is tested with ${pins.kind}`,
  );
  const fix = kind.locator('.lab-doctor-fix');
  await expect(fix).toContainText('To fix it, run:');
  await expect(fix.locator('pre')).toContainText(`https://kind.sigs.k8s.io/dl/${pins.kind}/kind-`);
  await expect(fix.getByRole('button', { name: 'Copy' })).toBeVisible();
  await expect(item(page, 'kubectl').locator('.lab-doctor-status')).toHaveText('✔ OK');
  // An OK item shows no raw detail: "Where the labs run" says it in words, not `machine`.
  await expect(item(page, 'place').locator('.lab-doctor-text')).toContainText('On this machine');
  await expect(item(page, 'place').locator('.lab-doctor-detail')).toBeHidden();
  // Without asking a cluster, the version kubectl is compared with is the pinned one, and says so.
  await expect(item(page, 'kubectl').locator('.lab-doctor-text')).toContainText(
    `Kubernetes ${pins.kubernetes}, the version pinned for the book's cluster`,
  );
  // "Check again" stands apart from the paragraph above it.
  const gap = await page.locator('.lab-doctor-bar').evaluate((bar) => {
    const above = bar.closest('lab-doctor')?.previousElementSibling;
    return above ? bar.getBoundingClientRect().top - above.getBoundingClientRect().bottom : 99;
  });
  expect(gap).toBeGreaterThanOrEqual(12);
  await expect(item(page, 'cluster').locator('.lab-doctor-text')).toHaveText(
    `The current context is ${pins.kubeContext}, and its API server answers.`,
  );
  await expect(page.locator('.lab-doctor-readonly')).toBeHidden();

  // Docker started: "Check again" asks the runner anew.
  writeFakeTools(bin, { kind: fakeTool('kind', { version: 'kind v0.1.0 go1.22.0 linux/amd64' }) });
  await page.getByRole('button', { name: 'Check again' }).click();
  await expect(item(page, 'docker').locator('.lab-doctor-status')).toHaveText('✔ OK');
  await expect(item(page, 'docker').locator('.lab-doctor-text')).toHaveText(
    'Docker 28.2.2 answers.',
  );
  await expect(item(page, 'docker').locator('.lab-doctor-fix')).toHaveCount(0);

  // The same report in another language: words from that language, commands as they are.
  await page.goto(new URL('/ru/doctor/', runner.url).href);
  await expect(item(page, 'kind').locator('.lab-doctor-status')).toHaveText('! Внимание');
  await expect(item(page, 'kind').locator('.lab-doctor-fix pre')).toContainText(
    `https://kind.sigs.k8s.io/dl/${pins.kind}/`,
  );
});

test('without a runner, the Doctor page lists the checks and says how to run them', async ({
  page,
  staticHost,
}) => {
  await page.goto(new URL('/en/doctor/', staticHost.url).href);
  const doctor = page.locator('lab-doctor');
  await expect(doctor.locator('.lab-doctor-readonly')).toBeVisible();
  await expect(doctor.locator('.lab-doctor-readonly')).toContainText(
    'No runner answers this page, so it cannot look at your machine.',
  );
  await expect(doctor.locator('.lab-doctor-readonly pre').first()).toHaveText('npm run doctor');
  await expect(doctor.locator('.lab-doctor-readonly pre').nth(1)).toHaveText('npm start');
  await expect(item(page, 'inotify')).toContainText('File watchers (inotify)');
  await expect(item(page, 'inotify')).toContainText('too many open files');
  await expect(item(page, 'inotify').locator('.lab-doctor-status')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Check again' })).toBeHidden();
});

test('the read-only banner of a chapter links to the Doctor page in its language', async ({
  page,
  staticHost,
}) => {
  await page.goto(new URL('/it/cluster/', staticHost.url).href);
  const link = page.locator('.lab-banner[data-kind="absent"]').getByRole('link', {
    name: 'Non sai se la tua macchina è pronta?',
  });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page).toHaveURL(new URL('/it/doctor/', staticHost.url).href);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Diagnostica');
  await expect(item(page, 'ports')).toContainText('Porte');
});
