import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { causeLine, hintLinks, recognise } from '../../../src/lib/wire/failure-reasons.ts';

describe('what a failure printed', () => {
  it('finds the last line that says something, without colours or rewritten progress', () => {
    const output =
      'Creating cluster "istio-lab" ...\r\n\x1b[31mERROR: failed to create cluster\x1b[0m\r\n' +
      'progress 10%\rprogress 100%\n  \n---\n\n';
    assert.equal(causeLine(output), 'progress 100%');
    assert.equal(
      causeLine('\x1b[31mERROR: failed to create cluster\x1b[0m\n\n'),
      'ERROR: failed to create cluster',
    );
    assert.equal(causeLine(' \n\t\n'), undefined);
    assert.equal(causeLine(`${'x'.repeat(400)}\n`)?.length, 300);
  });

  it('recognises a missing tool as bash, zsh and sh say it', () => {
    for (const said of [
      'bash: line 2: kind: command not found',
      'bash: kind: command not found',
      'zsh: command not found: kind',
      'sh: 1: kind: not found',
    ])
      assert.deepEqual(
        recognise(`starting\n${said}\n`),
        {
          code: 'missingTool',
          params: { tool: 'kind' },
        },
        said,
      );
  });

  it('recognises no cluster, the wrong context and Docker down', () => {
    assert.equal(
      recognise(
        'The connection to the server localhost:8080 was refused - did you specify the right host or port?',
      )?.code,
      'noCluster',
    );
    assert.equal(
      recognise(
        'E1203 couldn\'t get current server API group list: Get "https://127.0.0.1:40123/api": dial tcp 127.0.0.1:40123: connect: connection refused',
      )?.code,
      'noCluster',
    );
    assert.deepEqual(recognise('error: context "kind-istio-lab" does not exist'), {
      code: 'wrongContext',
      params: { context: 'kind-istio-lab' },
    });
    assert.equal(
      recognise(
        'ERROR: failed to create cluster: failed to list nodes: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      )?.code,
      'dockerDown',
    );
    // kind says only that its docker command failed when Docker is down.
    assert.equal(
      recognise(
        'ERROR: failed to list clusters: command "docker ps -a --filter label=io.x-k8s.kind.cluster" failed with error: exit status 1',
      )?.code,
      'dockerDown',
    );
    assert.equal(recognise('Error from server (NotFound): pods "x" not found'), undefined);
    assert.equal(recognise('all good'), undefined);
  });

  it('links each cause to the page with its fix', () => {
    assert.equal(hintLinks.missingTool, '../doctor/');
    assert.equal(hintLinks.noCluster, '../cluster/#cell-write-kind-config');
  });
});
