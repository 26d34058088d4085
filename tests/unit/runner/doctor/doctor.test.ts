import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseRunnerArgs } from '../../../../runner/args.ts';
import {
  diagnose,
  doctorItemIds,
  hubDefaultPort,
  labPorts,
  runnerDefaultPort,
  type DoctorItem,
  type DoctorSystem,
} from '../../../../runner/doctor/doctor.ts';
import { devContainerIn } from '../../../../runner/doctor/system.ts';
import type { CommandResult } from '../../../../runner/doctor/types.ts';
import type { ImageList } from '../../../../runner/images/images.ts';
import { pins, root } from '../../support/fake-tools.ts';

const english = JSON.parse(readFileSync(join(root, 'src/content/i18n/en.json'), 'utf8')) as Record<
  string,
  string
>;
const gib = 2 ** 30;
const env = {
  ISTIO_LAB_HOME: '/home/you/.istio-lab',
  KUBECONFIG: '/home/you/.istio-lab/kubeconfig',
};

/** What each command line prints on a machine ready for the book; a test changes some. */
function healthyAnswers(): Record<string, Partial<CommandResult>> {
  return {
    'docker info --format {{.ServerVersion}} {{.MemTotal}}': { stdout: `28.2.2 ${16 * gib}\n` },
    'kind version': { stdout: `kind ${pins.kind} go1.25.3 linux/amd64\n` },
    'kind get clusters': { stdout: '' },
    'kubectl version --client': {
      stdout: `Client Version: ${pins.kubernetes}\nKustomize Version: v5.7.1\n`,
    },
    'istioctl version --remote=false': { stdout: `client version: ${pins.istio}\n` },
    'kubectl config current-context': { stdout: `${pins.kubeContext}\n` },
    'kubectl get --raw /readyz --request-timeout=5s': { stdout: 'ok' },
    [`kind get nodes --name ${pins.clusterName}`]: { stdout: `${node}\n` },
    [`docker exec ${node} crictl images -o json`]: {
      stdout: crictlImages([{ repoTags: ['docker.io/istio/pilot:1.31.1'], repoDigests: [] }]),
    },
  };
}

const node = `${pins.clusterName}-control-plane`;

/** What `crictl images -o json` prints on a node that has these images. */
function crictlImages(images: { repoTags: string[]; repoDigests: string[] }[]): string {
  return JSON.stringify({
    images: images.map((image, index) => ({ id: `sha256:${index}`, ...image })),
  });
}

/** The images the labs run, as the resolver would list them on a machine ready for the book. */
function imageList(refs: string[], problems: string[] = []): Promise<ImageList> {
  return Promise.resolve({
    images: [
      ...refs.map((ref) => ({ ref, target: 'cluster' as const, sources: ['profile demo'] })),
      { ref: pins.kindNodeImage ?? '', target: 'host' as const, sources: ['kind node image'] },
    ],
    problems,
  });
}

interface Machine {
  answers?: Record<string, Partial<CommandResult> | 'missing'>;
  proc?: Record<string, string>;
  system?: Partial<DoctorSystem>;
  labProblems?: string[];
}

/** Runs the doctor on a made-up machine; unknown commands are not installed. */
async function doctorOn(machine: Machine = {}, ownPort: number | undefined = 4321) {
  const answers = { ...healthyAnswers(), ...machine.answers };
  const ran: string[] = [];
  const proc = machine.proc ?? {
    '/proc/sys/fs/inotify/max_user_watches': '1048576\n',
    '/proc/sys/fs/inotify/max_user_instances': '512\n',
  };
  const items = await diagnose({
    env,
    kubeContext: pins.kubeContext ?? '',
    pins,
    ownPort,
    ports: [],
    ...(machine.labProblems ? { labProblems: machine.labProblems } : {}),
    system: {
      run: (command, args) => {
        const line = [command, ...args].join(' ');
        ran.push(line);
        const answer = answers[line];
        if (!answer || answer === 'missing')
          return Promise.resolve({ ok: false, missing: true, stdout: '', stderr: '' });
        return Promise.resolve({ ok: true, missing: false, stdout: '', stderr: '', ...answer });
      },
      readProc: (path) => {
        const text = proc[path];
        return text === undefined
          ? Promise.reject(new Error(`ENOENT: no such file, open '${path}'`))
          : Promise.resolve(text);
      },
      platform: 'linux',
      arch: 'x64',
      freeMemory: () => 6 * gib,
      portBusy: () => Promise.resolve(false),
      leftovers: () => [],
      unreadableLedgers: () => [],
      devContainer: () => undefined,
      imageList: () => imageList(['istio/pilot:1.31.1']),
      ...machine.system,
    },
  });
  for (const item of items) {
    const key = `lab.doctor.${item.id}.${item.code}`;
    assert.ok(english[key], `en.json has no ${key}`);
  }
  const item = (id: DoctorItem['id']) => {
    const found = items.find((i) => i.id === id);
    assert.ok(found, id);
    return found;
  };
  return { items, item, ran };
}

describe('doctor', () => {
  it('reports every item, in order, all fine on a ready machine, with nothing to fix', async () => {
    const { items } = await doctorOn();
    assert.deepEqual(
      items.map((i) => i.id),
      [...doctorItemIds],
    );
    for (const item of items) {
      assert.equal(item.status, 'ok', `${item.id}: ${item.detail}`);
      assert.equal(item.fix, '');
      assert.deepEqual(item.commands, []);
    }
  });

  describe('inotify', () => {
    it('warns when a limit is below kind’s, with sysctl commands that never lower the other', async () => {
      const { item } = await doctorOn({
        proc: {
          '/proc/sys/fs/inotify/max_user_watches': '1048576\n',
          '/proc/sys/fs/inotify/max_user_instances': '128\n',
        },
      });
      const inotify = item('inotify');
      assert.equal(inotify.status, 'warn');
      assert.equal(inotify.code, 'low');
      assert.deepEqual(inotify.params, {
        watches: 1048576,
        instances: 128,
        minWatches: 524288,
        minInstances: 512,
      });
      assert.deepEqual(inotify.commands, [
        'sudo sysctl -w fs.inotify.max_user_watches=1048576 fs.inotify.max_user_instances=512',
        "printf 'fs.inotify.max_user_watches = 1048576\\nfs.inotify.max_user_instances = 512\\n' | sudo tee /etc/sysctl.d/99-istio-lab-inotify.conf",
      ]);
      assert.match(inotify.fix, /too many open files/);
      assert.match(inotify.fix, /max_user_instances is 128/);
    });

    it('is fine at exactly kind’s values', async () => {
      const { item } = await doctorOn({
        proc: {
          '/proc/sys/fs/inotify/max_user_watches': '524288',
          '/proc/sys/fs/inotify/max_user_instances': '512',
        },
      });
      assert.equal(item('inotify').status, 'ok');
      assert.equal(item('inotify').detail, 'max_user_watches=524288 max_user_instances=512');
    });

    it('is skipped on macOS without reading /proc', async () => {
      let read = 0;
      const { item } = await doctorOn({
        system: {
          platform: 'darwin',
          readProc: () => {
            read += 1;
            return Promise.resolve('0');
          },
        },
      });
      assert.equal(item('inotify').status, 'skip');
      assert.equal(item('inotify').code, 'notLinux');
      assert.equal(item('inotify').fix, '');
      assert.equal(read, 0);
    });

    it('warns, with the command to look by hand, when /proc cannot be read', async () => {
      const { item } = await doctorOn({ proc: {} });
      assert.equal(item('inotify').status, 'warn');
      assert.equal(item('inotify').code, 'unreadable');
      assert.match(item('inotify').detail, /ENOENT/);
      assert.equal(item('inotify').commands.length, 1);
    });
  });

  describe('versions', () => {
    it('warns on another kind release, with the download of the pinned one for this machine', async () => {
      const { item } = await doctorOn({
        answers: { 'kind version': { stdout: 'kind v0.29.0 go1.24.2 linux/amd64\n' } },
      });
      const kind = item('kind');
      assert.equal(kind.status, 'warn');
      assert.equal(kind.code, 'mismatch');
      assert.deepEqual(kind.params, { found: 'v0.29.0', pinned: pins.kind });
      assert.equal(kind.detail, 'kind v0.29.0 go1.24.2 linux/amd64');
      assert.deepEqual(kind.commands, [
        `curl --create-dirs -fLo /home/you/.istio-lab/bin/kind https://kind.sigs.k8s.io/dl/${pins.kind}/kind-linux-amd64`,
        'chmod +x /home/you/.istio-lab/bin/kind',
      ]);
      assert.match(
        kind.fix,
        new RegExp(`kind v0\\.29\\.0 is installed, but the book is tested with ${pins.kind}`),
      );
    });

    it('names the download for a Mac with Apple silicon', async () => {
      const { item } = await doctorOn({
        answers: { 'kind version': 'missing' },
        system: { platform: 'darwin', arch: 'arm64' },
      });
      assert.equal(item('kind').status, 'fail');
      assert.equal(item('kind').code, 'missing');
      assert.match(item('kind').commands[0] ?? '', /kind-darwin-arm64$/);
    });

    it('accepts kubectl one minor version off, and warns beyond that', async () => {
      const [major, minor] = (pins.kubernetes ?? '').replace(/^v/, '').split('.').map(Number);
      const near = await doctorOn({
        answers: {
          'kubectl version --client': {
            stdout: `Client Version: v${major}.${Number(minor) - 1}.4\n`,
          },
        },
      });
      assert.equal(near.item('kubectl').status, 'ok');
      const far = await doctorOn({
        answers: {
          'kubectl version --client': {
            stdout: `Client Version: v${major}.${Number(minor) - 3}.0\n`,
          },
        },
      });
      assert.equal(far.item('kubectl').status, 'warn');
      assert.equal(far.item('kubectl').code, 'skew');
      assert.match(
        far.item('kubectl').commands[0] ?? '',
        new RegExp(`https://dl\\.k8s\\.io/release/${pins.kubernetes}/bin/linux/amd64/kubectl$`),
      );
    });

    it('warns on another istioctl, and only warns when there is none yet', async () => {
      const other = await doctorOn({
        answers: { 'istioctl version --remote=false': { stdout: '1.24.0\n' } },
      });
      assert.equal(other.item('istioctl').code, 'mismatch');
      assert.equal(other.item('istioctl').status, 'warn');
      assert.match(
        other.item('istioctl').commands[0] ?? '',
        new RegExp(`ISTIO_VERSION=${pins.istio} sh -$`),
      );
      const none = await doctorOn({ answers: { 'istioctl version --remote=false': 'missing' } });
      assert.equal(none.item('istioctl').status, 'warn');
      assert.equal(none.item('istioctl').code, 'missing');
    });
  });

  describe('in a dev container', () => {
    const down = {
      'docker info --format {{.ServerVersion}} {{.MemTotal}}': {
        ok: false,
        stdout: '',
        stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n',
      },
    } as const;

    it('says where the labs run, and it is never a problem', async () => {
      for (const [place, code] of [
        [undefined, 'machine'],
        ['devContainer', 'devContainer'],
        ['codespaces', 'codespaces'],
      ] as const) {
        const { item } = await doctorOn({ system: { devContainer: () => place } });
        assert.deepEqual([item('place').status, item('place').code], ['ok', code]);
      }
    });

    it('tells each dev container apart by the variable it sets, and a machine by none', () => {
      assert.equal(devContainerIn({ CODESPACES: 'true', REMOTE_CONTAINERS: 'true' }), 'codespaces');
      assert.equal(devContainerIn({ REMOTE_CONTAINERS: 'true' }), 'devContainer');
      assert.equal(devContainerIn({ DEVPOD: 'true' }), 'devContainer');
      assert.equal(devContainerIn({ ISTIO_LAB_DEVCONTAINER: '1' }), 'devContainer');
      assert.equal(devContainerIn({ CODESPACES: 'false', HOME: '/home/you' }), undefined);
    });

    it('starts Docker in Docker rather than a system service, and rebuilds a container without it', async () => {
      const stopped = await doctorOn({
        answers: down,
        system: { devContainer: () => 'codespaces' },
      });
      assert.equal(stopped.item('docker').code, 'unreachableContainer');
      assert.deepEqual(stopped.item('docker').commands, [
        'sudo bash /usr/local/share/docker-init.sh',
      ]);
      assert.match(stopped.item('docker').fix, /Docker in Docker/);
      const missing = await doctorOn({
        answers: { 'docker info --format {{.ServerVersion}} {{.MemTotal}}': 'missing' },
        system: { devContainer: () => 'devContainer' },
      });
      assert.deepEqual(
        [missing.item('docker').code, missing.item('docker').commands],
        ['missingContainer', []],
      );
      // On a machine, the same answers keep the machine's fixes.
      const machine = await doctorOn({ answers: down });
      assert.deepEqual(machine.item('docker').commands, ['sudo systemctl start docker']);
    });

    it('in a codespace short of memory, asks for a bigger machine type, not Docker settings', async () => {
      const small = await doctorOn({
        answers: {
          'docker info --format {{.ServerVersion}} {{.MemTotal}}': {
            stdout: `28.1.1 ${4 * gib}\n`,
          },
        },
        system: { devContainer: () => 'codespaces', freeMemory: () => 3 * gib },
      });
      assert.deepEqual(
        [small.item('memory').status, small.item('memory').code, small.item('memory').params],
        ['warn', 'codespaceLow', { docker: 4, free: 3 }],
      );
      assert.match(small.item('memory').fix, /machine type with at least 16 GB/);
      const elsewhere = await doctorOn({
        answers: {
          'docker info --format {{.ServerVersion}} {{.MemTotal}}': {
            stdout: `28.1.1 ${4 * gib}\n`,
          },
        },
        system: { devContainer: () => 'devContainer', freeMemory: () => 3 * gib },
      });
      assert.equal(elsewhere.item('memory').code, 'dockerLow');
    });
  });

  describe('docker and the cluster', () => {
    it('fails when docker is missing, refused or its daemon is down', async () => {
      const missing = await doctorOn({
        answers: { 'docker info --format {{.ServerVersion}} {{.MemTotal}}': 'missing' },
      });
      assert.deepEqual(
        [missing.item('docker').status, missing.item('docker').code],
        ['fail', 'missing'],
      );
      const down =
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
      const stopped = await doctorOn({
        answers: {
          'docker info --format {{.ServerVersion}} {{.MemTotal}}': {
            ok: false,
            stdout: ' \n',
            stderr: `${down}\n`,
          },
        },
      });
      assert.deepEqual(
        [stopped.item('docker').code, stopped.item('docker').detail],
        ['unreachable', down],
      );
      assert.deepEqual(stopped.item('docker').commands, ['sudo systemctl start docker']);
      const refused = await doctorOn({
        answers: {
          'docker info --format {{.ServerVersion}} {{.MemTotal}}': {
            ok: false,
            stderr:
              'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock',
          },
        },
      });
      assert.equal(refused.item('docker').code, 'denied');
    });

    it('tells a missing cluster from one kind has but the book’s kubeconfig lacks', async () => {
      const noContext = { ok: false, stderr: 'error: current-context is not set\n' };
      const none = await doctorOn({ answers: { 'kubectl config current-context': noContext } });
      assert.deepEqual([none.item('cluster').status, none.item('cluster').code], ['warn', 'none']);
      assert.deepEqual(none.item('cluster').commands, [
        `kind create cluster --name ${pins.clusterName} --image ${pins.kindNodeImage} --kubeconfig /home/you/.istio-lab/kubeconfig --wait 120s`,
      ]);
      const lost = await doctorOn({
        answers: {
          'kubectl config current-context': noContext,
          'kind get clusters': { stdout: `kind\n${pins.clusterName}\n` },
        },
      });
      assert.equal(lost.item('cluster').code, 'notExported');
      assert.deepEqual(lost.item('cluster').commands, [
        `kind export kubeconfig --name ${pins.clusterName} --kubeconfig /home/you/.istio-lab/kubeconfig`,
      ]);
    });

    it('warns on another context, fails when the API server is down, skips without kubectl', async () => {
      const other = await doctorOn({
        answers: { 'kubectl config current-context': { stdout: 'prod-eu\n' } },
      });
      assert.equal(other.item('cluster').code, 'otherContext');
      assert.deepEqual(other.item('cluster').params, {
        context: 'prod-eu',
        wanted: pins.kubeContext,
      });
      const down = await doctorOn({
        answers: {
          'kubectl get --raw /readyz --request-timeout=5s': {
            ok: false,
            stderr: 'The connection to the server 127.0.0.1:38017 was refused',
          },
        },
      });
      assert.deepEqual(
        [down.item('cluster').status, down.item('cluster').code],
        ['fail', 'unreachable'],
      );
      assert.deepEqual(down.item('cluster').commands, [
        `docker start ${pins.clusterName}-control-plane`,
      ]);
      const noKubectl = await doctorOn({
        answers: {
          'kubectl version --client': 'missing',
          'kubectl config current-context': 'missing',
        },
      });
      assert.equal(noKubectl.item('cluster').status, 'skip');
    });

    it('warns when Docker has less than 7 GiB, or the machine little free memory', async () => {
      const small = await doctorOn({
        answers: {
          'docker info --format {{.ServerVersion}} {{.MemTotal}}': { stdout: `28.2.2 ${4 * gib}` },
        },
      });
      assert.deepEqual(
        [small.item('memory').code, small.item('memory').params.docker],
        ['dockerLow', 4],
      );
      const busy = await doctorOn({ system: { freeMemory: () => 1.5 * gib } });
      assert.deepEqual(
        [busy.item('memory').code, busy.item('memory').params.free],
        ['freeLow', 1.5],
      );
    });
  });

  describe('ports', () => {
    let server: Server;
    let taken: number;
    let free: number;
    before(async () => {
      const listen = (s: Server) =>
        new Promise<number>((resolve) =>
          s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)),
        );
      server = createServer();
      taken = await listen(server);
      const probe = createServer();
      free = await listen(probe);
      await new Promise((resolve) => probe.close(resolve));
    });
    after(() => new Promise((resolve) => server.close(resolve)));

    /**
     * The ports item, on this machine's real ports; the hub's port is a free one unless a test
     * gives another (the machine's own 4322 may be anyone's).
     */
    async function ports(
      portsToLook: number[],
      ownPort: number | undefined,
      lsof?: string,
      more: { hubPort?: number; ownPid?: number } = {},
    ) {
      const items = await diagnose({
        env,
        kubeContext: pins.kubeContext ?? '',
        pins,
        ownPort,
        ports: portsToLook,
        hubPort: more.hubPort ?? free,
        ...(more.ownPid === undefined ? {} : { ownPid: more.ownPid }),
        system: {
          run: (command, args) =>
            Promise.resolve(
              command === 'lsof' && lsof && args.includes(`-iTCP:${taken}`)
                ? { ok: true, missing: false, stdout: lsof, stderr: '' }
                : { ok: false, missing: true, stdout: '', stderr: '' },
            ),
          platform: 'linux',
        },
      });
      const found = items.find((i) => i.id === 'ports');
      assert.ok(found);
      return found;
    }

    it('finds a port another process really listens on, and a free one free', async () => {
      const item = await ports([free, taken], 1);
      assert.equal(item.status, 'warn');
      assert.equal(item.code, 'busy');
      assert.deepEqual(item.params, { busy: String(taken) });
      assert.equal(item.detail, `${free} free, ${taken} in use`);
      assert.deepEqual(item.commands, [`ss -ltnp 'sport = :${taken}'`]);
      assert.match(item.fix, new RegExp(`Already in use: ${taken}\\.`));
      const clear = await ports([free], 1);
      assert.deepEqual([clear.status, clear.params], ['ok', { ports: String(free) }]);
    });

    it('names the process lsof sees, and offers to stop it', async () => {
      const item = await ports([taken], 1, `p${process.pid}\ncnode\n`);
      assert.equal(item.detail, `${taken} node pid ${process.pid}, ${free} free (classroom hub)`);
      assert.deepEqual(item.commands, [`kill ${process.pid}`]);
    });

    it('leaves the asking runner’s own port alone, and looks at the default port when no runner asks', async () => {
      const own = await ports([], taken);
      assert.equal(own.status, 'ok');
      assert.ok(!own.detail.includes(String(taken)));
      const cli = await ports([], undefined);
      assert.match(cli.detail, new RegExp(`^${runnerDefaultPort} `));
      const clash = await ports([taken], taken);
      assert.deepEqual(
        [clash.status, clash.detail, clash.commands],
        ['warn', `${taken} this runner, ${free} free (classroom hub)`, []],
      );
    });

    it('says the classroom hub’s port is taken without a warning: only an instructor needs it', async () => {
      const item = await ports([free], 1, undefined, { hubPort: taken });
      assert.deepEqual(
        [item.status, item.code, item.params, item.commands],
        ['ok', 'hubBusy', { ports: String(free), hub: taken }, []],
      );
      assert.equal(item.detail, `${free} free, ${taken} in use (classroom hub)`);
      assert.match(english['lab.doctor.ports.hubBusy'] ?? '', /classroom hub.*--hub-port/);
    });

    it('names the hub’s port beside the others when both are taken, and stops only the others', async () => {
      const items = await diagnose({
        env,
        kubeContext: '',
        pins,
        ownPort: 1,
        ports: [8080],
        hubPort: 4322,
        system: {
          run: () => Promise.resolve({ ok: false, missing: true, stdout: '', stderr: '' }),
          platform: 'linux',
          portBusy: () => Promise.resolve(true),
        },
      });
      const item = items.find((i) => i.id === 'ports');
      assert.ok(item);
      assert.deepEqual(
        [item.status, item.code, item.params, item.commands],
        ['warn', 'busyHubBusy', { busy: '8080', hub: 4322 }, [`ss -ltnp 'sport = :8080'`]],
      );
      assert.match(item.fix, /^Already in use: 8080\..*Port 4322, the classroom hub's/);
    });

    it('leaves the hub that the asking runner started alone: lsof names its process', async () => {
      const item = await ports([free], 1, `p${process.pid}\ncnode\n`, {
        hubPort: taken,
        ownPid: process.pid,
      });
      assert.deepEqual(
        [item.status, item.code, item.params, item.detail],
        ['ok', 'ok', { ports: String(free) }, `${free} free, ${taken} this runner's classroom hub`],
      );
      const other = await ports([free], 1, `p${process.pid}\ncnode\n`, {
        hubPort: taken,
        ownPid: process.pid + 1,
      });
      assert.equal(other.code, 'hubBusy');
    });

    it('looks at every host port the labs listen on, and at no other', () => {
      const labs = readdirSync(join(root, 'content/labs'))
        .filter((name) => name.endsWith('.yaml'))
        .map((name) => readFileSync(join(root, 'content/labs', name), 'utf8'))
        .join('\n');
      const used = new Set<number>();
      for (const [, port] of labs.matchAll(/port-forward [^\n]*?\b(\d+):\d+/g))
        used.add(Number(port));
      for (const [, port] of labs.matchAll(/localhost:(\d+)/g)) used.add(Number(port));
      assert.deepEqual([...used].sort(), [...labPorts].sort());
      assert.equal(parseRunnerArgs([]).port, runnerDefaultPort);
      assert.equal(parseRunnerArgs(['--hub']).hub?.port, hubDefaultPort);
    });
  });

  describe('left-over processes', () => {
    it('is fine when no earlier runner left anything running', async () => {
      const { item } = await doctorOn();
      assert.deepEqual([item('processes').status, item('processes').commands], ['ok', []]);
    });

    it('names what a runner stopped hard left running, and the command that ends it', async () => {
      const { item } = await doctorOn({
        system: {
          leftovers: (ledger) => {
            assert.match(ledger, /processes\.json$/);
            return [
              { kind: 'terminal', pids: [4242, 4243] },
              { kind: 'check', pids: [5151] },
            ];
          },
        },
      });
      const found = item('processes');
      assert.deepEqual(
        [found.status, found.code, found.params, found.commands],
        ['warn', 'left', { count: 3 }, ['kill -KILL 4242 4243 5151']],
      );
      assert.equal(found.detail, 'terminal: 4242 4243; check: 5151');
      assert.match(found.fix, /next npm start ends them/);
    });

    it('says when the record of them could not be read, never that nothing is left', async () => {
      const aside = '/home/ada/.istio-lab/processes.json.unreadable-2026-12-07T20-00-00-000Z';
      const { item } = await doctorOn({
        system: { unreadableLedgers: () => [{ file: aside, problem: 'it is empty' }] },
      });
      const found = item('processes');
      assert.deepEqual(
        [found.status, found.code, found.params],
        ['warn', 'unreadable', { file: aside }],
      );
      assert.deepEqual(found.commands, ['ps -u "$USER" -o pid,lstart,args', `rm ${aside}`]);
      assert.match(found.detail, /it is empty/);
      assert.ok(found.fix.includes(aside), found.fix);
    });
  });
  describe('lab files', () => {
    it("are fine when every lab loads (the book's own, read when no runner says)", async () => {
      const { item } = await doctorOn();
      assert.deepEqual([item('labs').status, item('labs').code], ['ok', 'ok']);
    });

    it('lists each lab file that does not load, with its line and fix, one to a line', async () => {
      const { item } = await doctorOn({
        labProblems: [
          'labs/a.yaml: line 5: is not valid YAML\n  Fix: close the double quote',
          'labs/b.yaml: is empty (nothing but blank lines or comments)\n  Fix: write the lab in it',
        ],
      });
      const found = item('labs');
      assert.deepEqual(
        [found?.status, found?.code, found?.params],
        ['warn', 'broken', { count: 2 }],
      );
      assert.equal(
        found?.detail,
        'labs/a.yaml: line 5: is not valid YAML Fix: close the double quote\n' +
          'labs/b.yaml: is empty (nothing but blank lines or comments) Fix: write the lab in it',
      );
      assert.match(found?.fix ?? '', /Lab files with an error: 2/);
    });
  });

  describe('images in the cluster', () => {
    it('waits for the cluster before it looks', async () => {
      const { item, ran } = await doctorOn({
        answers: {
          [`kind get nodes --name ${pins.clusterName}`]: {
            stdout: 'No kind nodes found for cluster "istio-lab".\n',
          },
        },
      });
      assert.deepEqual([item('images').status, item('images').code], ['skip', 'noCluster']);
      assert.ok(!ran.some((line) => line.includes('crictl')));
    });

    it('names every image the cluster still has to pull, and the command that loads them', async () => {
      const refs = [
        'istio/pilot:1.31.1',
        'istio/proxyv2:1.31.1',
        'quay.io/a/b:1',
        'c:1',
        'd:1',
        'e:1',
        'f:1',
      ];
      const { item } = await doctorOn({ system: { imageList: () => imageList(refs) } });
      const found = item('images');
      assert.deepEqual(
        [found.status, found.code, found.params, found.commands],
        ['warn', 'missing', { count: 6, total: 7 }, ['npm run images']],
      );
      assert.equal(found.detail, 'istio/proxyv2:1.31.1, quay.io/a/b:1, c:1, d:1, e:1 and 1 more');
      assert.match(found.fix, /still has to pull 6 of the 7 images/);
    });

    it('knows an image by its digest, and leaves the host images out', async () => {
      const digest = `sha256:${'a'.repeat(64)}`;
      const { item } = await doctorOn({
        answers: {
          [`docker exec ${node} crictl images -o json`]: {
            stdout: crictlImages([{ repoTags: [], repoDigests: [`quay.io/x/y@${digest}`] }]),
          },
        },
        system: { imageList: () => imageList([`quay.io/x/y:2@${digest}`]) },
      });
      assert.deepEqual([item('images').status, item('images').params], ['ok', { count: 1 }]);
    });

    it('says how to complete a list it cannot resolve yet', async () => {
      const { item } = await doctorOn({
        system: { imageList: () => imageList([], ["Istio 1.31.1's release is not in /x"]) },
      });
      const found = item('images');
      assert.deepEqual(
        [found.status, found.code, found.detail, found.commands],
        ['skip', 'unresolved', "Istio 1.31.1's release is not in /x", ['npm run images -- --list']],
      );
    });

    it('skips, and never throws, when the labs cannot be read', async () => {
      const { item } = await doctorOn({
        system: {
          imageList: () => Promise.reject(new Error('content/labs/traffic.yaml: line 3: bad')),
        },
      });
      assert.deepEqual(
        [item('images').status, item('images').code, item('images').detail],
        ['skip', 'unresolved', 'content/labs/traffic.yaml: line 3: bad'],
      );
    });

    it('skips a node it cannot read, with what docker said', async () => {
      const { item } = await doctorOn({
        answers: {
          [`docker exec ${node} crictl images -o json`]: {
            ok: false,
            stderr: `Error response from daemon: container ${node} is not running\n`,
          },
        },
      });
      assert.deepEqual([item('images').status, item('images').code], ['skip', 'noCluster']);
      assert.match(item('images').detail, /is not running/);
    });
  });
});
