import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCheck } from '../../../runner/checks/checks.ts';
import { loadLabDirs, readPins } from '../../../src/lib/lab-files.ts';

const root = new URL('../../..', import.meta.url).pathname;
const pins = readPins(join(root, 'content/versions.yaml'));
const labs = loadLabDirs([join(root, 'content/labs')], pins);

/**
 * A machine where nothing answers: kubectl cannot reach an API server, Docker is down, kind
 * cannot list its clusters, and the network is gone. Each tool says so the way the real one does
 * and fails; `sleep` returns at once, so that checks which wait between two calls stay quick.
 */
const silentTools: Record<string, string> = {
  kubectl: `case "$*" in
  "config current-context") echo "error: current-context is not set" >&2; exit 1 ;;
  "config "*) exit 0 ;;
esac
echo "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?" >&2
exit 1`,
  istioctl: `case "$*" in
  "version --remote=false") echo "client version: ${pins.istio}"; exit 0 ;;
esac
echo 'Error: failed to create "istioctl" client: Get "https://127.0.0.1:6443/version?timeout=5s": dial tcp 127.0.0.1:6443: connect: connection refused' >&2
exit 1`,
  docker: `echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
exit 1`,
  kind: `echo 'ERROR: failed to list clusters: command "docker ps -a --filter label=io.x-k8s.kind.cluster --format '"'"'{{.Label "io.x-k8s.kind.cluster"}}'"'"'" failed with error: exit status 1' >&2
exit 1`,
  curl: `echo "curl: (7) Failed to connect to 127.0.0.1 port 80 after 0 ms: Could not connect to server" >&2
exit 7`,
  sleep: 'exit 0',
};

/**
 * Checks that rightly pass with no cluster at all, because what they look at is on the machine:
 * each with why. Everything else must fail when nothing answers.
 */
const local: Record<string, string> = {
  'cluster/docker-memory': 'reads the Docker resources the learner reports',
  'cluster/inotify-limits': "reads the host kernel's inotify limits",
  'install/istioctl-pinned': 'asks the downloaded istioctl for its own version',
  'install/samples-pullable': 'reads the downloaded release on disk',
};

/**
 * Checks that fail with no cluster but cannot name it as the cause, because they stop at
 * something else first: each with what.
 */
const causeElsewhere: Record<string, string> = {
  'security/jwt-required': 'fetches the sample token from the network before it asks the cluster',
  'security/jwt-checked-when-present':
    'fetches the sample token from the network before it asks the cluster',
  'secure-ingress/chain-verifies': 'verifies the certificates on disk, and asks no cluster',
};

describe('with no cluster, no check passes', () => {
  const place = mkdtempSync(join(tmpdir(), 'istio-lab-no-cluster-'));
  after(() => rmSync(place, { recursive: true, force: true }));
  const bin = join(place, 'bin');
  mkdirSync(bin);
  for (const [name, body] of Object.entries(silentTools)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const env = {
    PATH: `${bin}:/usr/bin:/bin`,
    HOME: place,
    ISTIO_LAB_HOME: place,
    KUBECONFIG: join(place, 'kubeconfig'),
  };

  for (const [slug, lab] of labs)
    for (const [id, check] of Object.entries(lab.checks ?? {})) {
      const name = `${slug}/${id}`;
      if (name in local) continue;
      it(`${name} fails, and says that no cluster answered`, async () => {
        const result = await runCheck({ ...check, waitUpTo: undefined }, { env, cwd: place });
        assert.notEqual(
          result.status,
          'pass',
          `${name} passed although nothing answered; it printed:\n${result.output}`,
        );
        if (name in causeElsewhere) return;
        assert.ok(
          result.hint !== undefined,
          `${name} failed without naming the cause (no hint); it printed:\n${result.output}`,
        );
      });
    }
});
