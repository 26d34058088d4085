import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

/**
 * Renovate watches the pins in content/versions.yaml and opens a pull request for each upstream
 * bump. Renovate cannot run here, so its regex managers are run as Renovate runs them (each match
 * string as an ECMAScript regex with the g flag, over the whole file) and held to the pins: every
 * pin that names an upstream release is found, with the value it has.
 */
const root = new URL('../../..', import.meta.url).pathname;
const versionsText = readFileSync(join(root, 'content/versions.yaml'), 'utf8');
const pins = parse(versionsText) as Record<string, string>;

interface CustomManager {
  customType: string;
  managerFilePatterns: string[];
  matchStrings: string[];
  depNameTemplate?: string;
  packageNameTemplate?: string;
  datasourceTemplate?: string;
}
interface PackageRule {
  matchDepNames?: string[];
  allowedVersions?: string;
}
const renovate = JSON.parse(readFileSync(join(root, 'renovate.json'), 'utf8')) as {
  customManagers: CustomManager[];
  packageRules: PackageRule[];
};

/**
 * Pins that no upstream release names: derived from another pin (held to it below) or the
 * book's own names.
 */
const notUpstream: Record<string, string> = {
  istioMinor: "the minor of istio; a new minor is a bump by hand (renovate.json's packageRules)",
  istioKubernetes: "the Kubernetes range of istio's minor, from its release notes",
  istioBranch: "istio's release branch, release-<istioMinor>",
  istioRevision: 'istio with dashes',
  istioPreviousRevision: 'istioPrevious with dashes',
  clusterName: "the book's own name for its cluster",
  kubeContext: "kind's name for that cluster's context",
};

/** Every pin a manager matches, with the value it captured and the dependency it names. */
function matches(): Map<string, { value: string; dep: string; datasource: string }> {
  const found = new Map<string, { value: string; dep: string; datasource: string }>();
  for (const manager of renovate.customManagers) {
    const files = manager.managerFilePatterns.map((pattern) => {
      const body = /^\/(.*)\/$/.exec(pattern)?.[1];
      assert.ok(body, `managerFilePatterns entry ${pattern} is written /regex/`);
      return new RegExp(body);
    });
    if (!files.some((file) => file.test('content/versions.yaml'))) continue;
    for (const matchString of manager.matchStrings) {
      for (const match of versionsText.matchAll(new RegExp(matchString, 'g'))) {
        const line = versionsText.slice(0, (match.index ?? 0) + 1).split('\n').length;
        const key = /^(\w+):/.exec(versionsText.split('\n')[line - 1] ?? '')?.[1];
        assert.ok(key, `${matchString} matched line ${line}, which is not a pin`);
        found.set(key, {
          value: match.groups?.currentValue ?? '',
          dep: manager.depNameTemplate ?? match.groups?.depName ?? '',
          datasource: manager.datasourceTemplate ?? '',
        });
      }
    }
  }
  return found;
}

describe('Renovate over content/versions.yaml', () => {
  const found = matches();

  it('finds every pin that names an upstream release, with its value', () => {
    for (const [key, value] of Object.entries(pins)) {
      if (key in notUpstream) continue;
      const match = found.get(key);
      assert.ok(
        match,
        `the pin ${key} is not matched by any regex manager in renovate.json: add one, or name it in notUpstream with why`,
      );
      assert.ok(
        String(value).includes(match.value),
        `${key}: captured ${match.value}, pinned ${value}`,
      );
      assert.ok(match.dep && match.datasource, `${key}: a dependency name and a datasource`);
    }
  });

  it('matches no pin that has no upstream release', () => {
    for (const key of Object.keys(notUpstream)) assert.equal(found.has(key), false, key);
  });

  it('keeps each bump within what the book supports, and the pins derived from others in step', () => {
    const allowed = (dep: string) =>
      renovate.packageRules.find((rule) => rule.matchDepNames?.includes(dep))?.allowedVersions;
    const regex = (rule: string | undefined) =>
      new RegExp(/^\/(.*)\/$/.exec(rule ?? '')?.[1] ?? '^$');
    assert.match(pins.istio ?? '', regex(allowed('istio')));
    assert.match(pins.istioPrevious ?? '', regex(allowed('istio-previous')));
    assert.match(pins.kubernetes ?? '', regex(allowed('kindest/node')));
    assert.equal(pins.istioRevision, pins.istio?.replaceAll('.', '-'));
    assert.equal(pins.istioPreviousRevision, pins.istioPrevious?.replaceAll('.', '-'));
    assert.equal(pins.istioMinor, pins.istio?.split('.').slice(0, 2).join('.'));
    assert.equal(pins.istioBranch, `release-${pins.istioMinor}`);
    assert.ok(pins.kindNodeImage?.startsWith(`kindest/node:${pins.kubernetes}@sha256:`));
  });
});
