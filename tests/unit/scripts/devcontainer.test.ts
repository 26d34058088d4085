import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readPins } from '../../../src/lib/lab-files.ts';

/**
 * The dev container (.devcontainer/): no container engine runs here, so its configuration is
 * checked as data, its scripts with bash -n and ShellCheck, and its setup script is run against
 * a fake curl that records what it was asked to download.
 */
const root = new URL('../../..', import.meta.url).pathname;
const dir = join(root, '.devcontainer');
const pins = readPins(join(root, 'content/versions.yaml'));
const config = JSON.parse(readFileSync(join(dir, 'devcontainer.json'), 'utf8')) as {
  features: Record<string, Record<string, unknown>>;
  containerEnv: Record<string, string>;
  postCreateCommand: string;
  postStartCommand: string;
  postAttachCommand: string;
  forwardPorts: number[];
  portsAttributes: Record<string, { label?: string }>;
};
const scripts = readdirSync(dir).filter((name) => name.endsWith('.sh'));

describe('the dev container', () => {
  it('has Node 24, Docker in Docker and zsh, and marks itself for the Doctor', () => {
    const feature = (name: string) =>
      Object.entries(config.features).find(([id]) => id.includes(`/features/${name}:`))?.[1];
    assert.equal(feature('node')?.version, '24');
    assert.ok(feature('docker-in-docker'), 'docker-in-docker feature');
    assert.equal(feature('common-utils')?.installZsh, true);
    assert.equal(config.containerEnv.ISTIO_LAB_DEVCONTAINER, '1');
  });

  it('builds and starts the book when it starts, and forwards its port with a label', () => {
    assert.match(config.postCreateCommand, /npm ci && bash \.devcontainer\/setup\.sh/);
    assert.equal(config.postStartCommand, 'bash .devcontainer/start.sh');
    assert.equal(config.postAttachCommand, 'bash .devcontainer/start.sh --link');
    assert.deepEqual(config.forwardPorts, [4321]);
    assert.equal(config.portsAttributes['4321']?.label, 'Istio Lab Book');
  });

  it('its scripts parse and pass ShellCheck', () => {
    assert.deepEqual(scripts.sort(), ['setup.sh', 'start.sh']);
    for (const name of scripts) {
      const parsed = spawnSync('bash', ['-n', join(dir, name)], { encoding: 'utf8' });
      assert.equal(parsed.status, 0, `${name}: ${parsed.stderr}`);
      const checked = spawnSync('shellcheck', [join(dir, name)], { encoding: 'utf8' });
      assert.equal(checked.status, 0, `${name}: ${checked.stdout}${checked.stderr}`);
    }
  });

  it('repeats no pinned version: the scripts read them from content/versions.yaml', () => {
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), 'utf8');
      for (const key of ['istio', 'kind', 'kubernetes', 'gatewayApi', 'metallb'])
        assert.ok(!text.includes(String(pins[key])), `${name} repeats the ${key} pin`);
    }
  });

  it('setup installs kind, kubectl and istioctl at the pinned versions, for this CPU', () => {
    const work = mkdtempSync(join(tmpdir(), 'istio-lab-devcontainer-'));
    const bin = join(work, 'fakes');
    const tools = join(work, 'tools');
    mkdirSync(bin);
    mkdirSync(tools);
    const asked = join(work, 'asked.txt');
    // A curl that records each URL and writes something the script can install: a tarball with
    // an istioctl in it for the istioctl download, a script for the others.
    writeFileSync(
      join(bin, 'curl'),
      `#!/usr/bin/env bash
out=""; url=""
while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done
echo "$url" >> "${asked}"
case "$url" in
  *.tar.gz) d=$(mktemp -d); printf '#!/bin/sh\\necho istioctl\\n' > "$d/istioctl"; tar -czf "$out" -C "$d" istioctl ;;
  *) printf '#!/bin/sh\\necho fake\\n' > "$out" ;;
esac
`,
    );
    chmodSync(join(bin, 'curl'), 0o755);
    const run = spawnSync('bash', [join(dir, 'setup.sh')], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ISTIO_LAB_TOOLS_DIR: tools },
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
    assert.deepEqual(readFileSync(asked, 'utf8').trim().split('\n'), [
      `https://kind.sigs.k8s.io/dl/${pins.kind}/kind-linux-${arch}`,
      `https://dl.k8s.io/release/${pins.kubernetes}/bin/linux/${arch}/kubectl`,
      `https://github.com/istio/istio/releases/download/${pins.istio}/istioctl-${pins.istio}-linux-${arch}.tar.gz`,
    ]);
    assert.deepEqual(readdirSync(tools).sort(), ['istioctl', 'kind', 'kubectl']);
    const istioctl = spawnSync(join(tools, 'istioctl'), { encoding: 'utf8' });
    assert.equal(istioctl.stdout.trim(), 'istioctl');
  });

  it('start gives the runner the forwarded address in Codespaces, and none elsewhere', () => {
    const command = (env: NodeJS.ProcessEnv) =>
      spawnSync('bash', [join(dir, 'start.sh'), '--print-command'], {
        encoding: 'utf8',
        env: { ...process.env, CODESPACE_NAME: '', ...env },
      })
        .stdout.trim()
        .split('\n');
    assert.deepEqual(
      command({
        CODESPACE_NAME: 'fluffy-space-7x9',
        GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN: 'app.github.dev',
      }),
      [
        'npm',
        'start',
        '--',
        '--port',
        '4321',
        '--public-url',
        'https://fluffy-space-7x9-4321.app.github.dev',
      ],
    );
    assert.deepEqual(command({}), ['npm', 'start', '--', '--port', '4321']);
  });

  it('start waits for its own runner, prints its link in every new terminal and keeps its secrets', (t) => {
    // Stand-ins for what the container has: sudo and Docker that answer, and an npm whose
    // `npm start` is a runner that writes runner.json, prints its link with the token and waits.
    const work = mkdtempSync(join(tmpdir(), 'istio-lab-devcontainer-start-'));
    t.after(() => {
      const pid = Number(JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')).pid);
      try {
        process.kill(pid);
      } catch {
        // Stopped already.
      }
      rmSync(work, { recursive: true, force: true });
    });
    const fakes = join(work, 'fakes');
    const home = join(work, 'workspace');
    const user = join(work, 'home');
    mkdirSync(join(fakes, 'runner'), { recursive: true });
    mkdirSync(user);
    mkdirSync(home, { mode: 0o755 });
    const token = 'Fresh-Token_0123456789abcdefghijk';
    writeFileSync(join(fakes, 'sudo'), '#!/bin/sh\nexit 0\n');
    writeFileSync(join(fakes, 'docker'), '#!/bin/sh\nexit 0\n');
    writeFileSync(join(fakes, 'npm'), `#!/bin/sh\nexec bash "${fakes}/runner/start.sh" "$@"\n`);
    writeFileSync(
      join(fakes, 'runner/start.sh'),
      `#!/usr/bin/env bash
printf 'Building the book...\\n'
printf '{"url":"http://127.0.0.1:4321","book":"http://abc.localhost:4321/","port":4321,"token":"${token}","pid":%s}\\n' $$ > "$ISTIO_LAB_HOME/runner.json.tmp"
mv "$ISTIO_LAB_HOME/runner.json.tmp" "$ISTIO_LAB_HOME/runner.json"
printf 'Open http://abc.localhost:4321/?token=${token}\\n'
printf 'pair: http://site/en/progress/#runner=http://127.0.0.1:4321&token=${token}\\n'
trap 'kill $!; exit 0' TERM
sleep 600 &
wait
`,
    );
    for (const name of ['sudo', 'docker', 'npm', 'runner/start.sh'])
      chmodSync(join(fakes, name), 0o755);
    // A runner.json left by a runner that stopped with its codespace: a dead pid, an old token.
    writeFileSync(
      join(home, 'runner.json'),
      JSON.stringify({
        url: 'http://127.0.0.1:4321',
        port: 4321,
        token: 'OldDeadToken',
        pid: 2 ** 22 + 1,
      }),
    );
    const env = {
      ...process.env,
      PATH: `${fakes}:${process.env.PATH}`,
      HOME: user,
      ISTIO_LAB_HOME: home,
      CODESPACE_NAME: '',
      ISTIO_LAB_START_WAIT: '30',
    };
    const start = spawnSync('bash', [join(dir, 'start.sh')], { encoding: 'utf8', env });
    assert.equal(start.status, 0, start.stderr);
    assert.match(start.stdout, new RegExp(`open http://abc\\.localhost:4321/\\?token=${token}`));
    assert.doesNotMatch(start.stdout, /OldDeadToken/);
    // The workspace and the log are the learner's alone, and the log holds no token.
    assert.equal(statSync(home).mode & 0o777, 0o700);
    const log = join(home, 'runner.log');
    assert.equal(statSync(log).mode & 0o777, 0o600);
    assert.match(readFileSync(log, 'utf8'), /Building the book/);
    assert.doesNotMatch(readFileSync(log, 'utf8'), new RegExp(token));

    // Every new terminal prints the link; a second start adds no second line for it.
    assert.equal(
      spawnSync('bash', [join(dir, 'start.sh')], { encoding: 'utf8', env }).stdout.includes(
        'already running',
      ),
      true,
    );
    for (const rc of ['.bashrc', '.zshrc'])
      assert.equal(readFileSync(join(user, rc), 'utf8').match(/istio-lab-book link/g)?.length, 1);
    const terminal = spawnSync('bash', ['--rcfile', join(user, '.bashrc'), '-i', '-c', 'true'], {
      encoding: 'utf8',
      env,
    });
    assert.match(terminal.stdout, new RegExp(`\\?token=${token}`));

    // Once that runner is gone, a terminal says so instead of handing out its token.
    process.kill(Number(JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')).pid));
    const stopped = spawnSync('bash', [join(dir, 'start.sh'), '--link'], { encoding: 'utf8', env });
    assert.match(stopped.stdout, /not running yet/);
    assert.doesNotMatch(stopped.stdout, new RegExp(token));
    assert.ok(existsSync(log));
  });
});
