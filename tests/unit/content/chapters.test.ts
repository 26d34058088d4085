import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLabDirs, readPins } from '../../../src/lib/lab-files.ts';
import type { Lab } from '../../../src/lib/lab-schema.ts';
import { manifestsIn, type FoundManifest } from '../../../src/lib/manifests.ts';
import { findPlacements } from '../../../src/lib/placements.ts';
import { modelFor } from './model-registry.ts';
import { renderSteps } from '../../../runner/lab-catalog.ts';

const root = new URL('../../..', import.meta.url).pathname;
const pins = readPins(join(root, 'content/versions.yaml'));
const labs = loadLabDirs([join(root, 'content/labs')], pins);
const english = join(root, 'src/content/docs/en');

/**
 * Kinds a lab may use that no installed package publishes a schema for. Each is listed here on
 * purpose, so a new one is seen, not silently skipped.
 */
const withoutSchema = new Set([
  'kind.x-k8s.io/v1alpha4 Cluster',
  'metallb.io/v1beta1 IPAddressPool',
  'metallb.io/v1beta1 L2Advertisement',
]);

describe('chapters and their labs', () => {
  for (const [slug, lab] of labs) {
    it(`the English "${slug}" chapter places each cell and check of its lab exactly once`, () => {
      const file = join(english, `${slug}.mdx`);
      assert.ok(
        existsSync(file),
        `content/labs/${slug}.yaml has no chapter src/content/docs/en/${slug}.mdx`,
      );
      const placed = findPlacements(readFileSync(file, 'utf8'));
      const count = (kind: 'cell' | 'check', id: string) =>
        placed.filter((p) => p.kind === kind && p.id === id).length;
      for (const id of Object.keys(lab.cells))
        assert.equal(count('cell', id), 1, `cell "${id}" placed ${count('cell', id)} times`);
      for (const id of Object.keys(lab.checks))
        assert.equal(count('check', id), 1, `check "${id}" placed ${count('check', id)} times`);
    });
  }

  it('every chapter has a slug the sidebar can order', () => {
    for (const name of readdirSync(english).filter(
      (n) => n.endsWith('.mdx') && n !== 'index.mdx',
    )) {
      assert.match(
        readFileSync(join(english, name), 'utf8'),
        /^\s+order:\s*\d+/m,
        `${name} has no sidebar.order`,
      );
    }
  });
});

describe('manifests in labs', () => {
  const manifests: FoundManifest[] = [];
  for (const [slug, lab] of labs) {
    const scripts: Array<[string, string | undefined]> = [
      ['prepare', lab.prepare],
      ['cleanup', lab.cleanup],
      ...Object.entries(lab.cells).map(([id, cell]): [string, string] => [`cells.${id}`, cell.run]),
      ...Object.entries(lab.checks).map(([id, check]): [string, string] => [
        `checks.${id}`,
        check.run,
      ]),
    ];
    for (const [where, script] of scripts)
      if (script) manifests.push(...manifestsIn(script, `${slug} ${where}`));
  }

  for (const manifest of manifests) {
    const name = `${manifest.where}: ${manifest.apiVersion} ${manifest.kind}`;
    it(`${name} validates against its published schema`, async (t) => {
      const Model = await modelFor(manifest.apiVersion, manifest.kind);
      if (!Model) {
        t.diagnostic(`no published schema for ${manifest.apiVersion} ${manifest.kind}`);
        assert.ok(
          withoutSchema.has(`${manifest.apiVersion} ${manifest.kind}`),
          `${name}: no package publishes a schema for it; if that is right, list it in withoutSchema`,
        );
        return;
      }
      assert.doesNotThrow(() => new Model(manifest.object).validate(), name);
    });
  }

  it('the manifest validation rejects a wrong manifest (it can fail)', async () => {
    const Model = await modelFor('networking.istio.io/v1', 'VirtualService');
    assert.ok(Model);
    assert.throws(() =>
      new Model({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'x' },
        spec: { hosts: 'reviews' },
      }).validate(),
    );
  });
});

describe('pinned versions', () => {
  /** Version-like pins (1.31.1, v1.36.1, …), bare and with their v, and the Istio minor. */
  const versions = Object.entries(pins)
    .filter(([, value]) => /^v?\d+\.\d+\.\d+$/.test(value))
    .map(([name, value]) => [name, value.replace(/^v/, '')] as const);
  const files = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .map((name) => join(dir, name))
          .filter((path) => /\.(ya?ml|mdx?|ts|astro|sh|json|svg)$/.test(path))
      : [];
  const scanned = [
    ...files(join(root, 'content')),
    ...files(join(root, 'src')),
    ...files(join(root, 'runner')),
    ...files(join(root, 'public')),
  ]
    .filter((path) => !path.endsWith('content/versions.yaml'))
    // A real run's recording names the versions it was recorded with: a record, not a pin.
    .filter((path) => !path.endsWith('content/labs/recorded-outputs.json'));

  it('appear nowhere but content/versions.yaml', () => {
    const found: string[] = [];
    for (const file of scanned) {
      // A sample output recorded on a real cluster says which versions produced it: that stamp is a
      // record, not a pin, and is the one place besides versions.yaml where versions may stand.
      const text = readFileSync(file, 'utf8').replace(/^\s*# recorded with .*$/gm, '');
      for (const [name, version] of versions) {
        if (new RegExp(`(?<![\\d.])v?${version.replace(/\./g, '\\.')}(?![\\d])`).test(text))
          found.push(`${file.slice(root.length)}: ${name} ${version}`);
      }
      const istioMinor = /^(\d+\.\d+)/.exec(pins.istio ?? '')?.[1];
      if (istioMinor && new RegExp(`Istio ${istioMinor.replace('.', '\\.')}(?![\\d])`).test(text))
        found.push(
          `${file.slice(root.length)}: "Istio ${istioMinor}" (use <Pin name="istioMinor" />)`,
        );
    }
    assert.deepEqual(found, [], 'write %{name} in labs and <Pin name="…" /> in prose instead');
  });

  it('the shared prepare steps are complete once pinned', () => {
    const steps = renderSteps(root, pins);
    assert.doesNotMatch(steps, /%\{/);
    assert.match(steps, new RegExp(pins.kindNodeImage?.replace(/[.@:/]/g, '\\$&') ?? 'missing'));
  });
});

/**
 * Sample outputs that show one of a cell's commands exiting with an error: kubectl's line for a
 * command it ran with `kubectl exec` that failed, and istioctl analyze's last line when it found
 * an error (it then exits non-zero, as a CI gate would want).
 */
const failureShown = [
  /^command terminated with exit code \d+$/m,
  /^Error: Analyzers found issues/m,
];

/** A command that may fail on purpose says so (docs/lab-format.md): `|| …`, `if …` or `! …`. */
const failureMeant = /\|\|\s*\S|^\s*(?:if|!)\s/m;

/** `<lab>/<cell>` of each cell whose sample shows a command failing, unannounced in its run. */
function failingUnsaid(all: ReadonlyMap<string, Lab>): string[] {
  return [...all].flatMap(([slug, lab]) =>
    Object.entries(lab.cells)
      .filter(([, cell]) => failureShown.some((shown) => shown.test(cell.output ?? '')))
      .filter(([, cell]) => !failureMeant.test(cell.run))
      .map(([id]) => `${slug}/${id}`),
  );
}

describe('cells that show a command failing', () => {
  it('say that the failure is meant, so that the page does not call the step failed', () => {
    assert.deepEqual(
      failingUnsaid(labs),
      [],
      'a cell fails when any of its commands does: end the one meant to fail with `|| true`',
    );
  });

  it('are told apart from cells that say so (the check above can fail)', () => {
    const [slug, lab] = [...labs][0] ?? [];
    assert.ok(slug && lab);
    const cell = { run: 'kubectl exec deploy/curl -- curl -s http://nowhere', lang: 'bash' };
    const output = 'command terminated with exit code 6\n';
    const probing = (run: string) =>
      new Map([[slug, { ...lab, cells: { probe: { ...cell, run, output } } }]]) as Map<string, Lab>;
    assert.deepEqual(failingUnsaid(probing(cell.run)), [`${slug}/probe`]);
    assert.deepEqual(failingUnsaid(probing(`${cell.run} || true`)), []);
    assert.deepEqual(failingUnsaid(probing(`if ${cell.run}; then echo reached; fi`)), []);
    assert.deepEqual(
      failingUnsaid(new Map([[slug, { ...lab, cells: { probe: { ...cell, output: 'ok\n' } } }]])),
      [],
      'a sample with no failure asks for nothing',
    );
  });
});
