import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cookieName,
  isLoopback,
  decide,
  decidePublic,
  policyFor,
  readBearer,
  readCookie,
} from '../../../../runner/http/auth.ts';

const token = 'right-token-value';
const policy = policyFor(token, 4321, ['https://book.example.org']);

describe('auth decision matrix (token x Origin x Host)', () => {
  const hosts: Array<[string | undefined, boolean]> = [
    ['127.0.0.1:4321', true],
    ['localhost:4321', true],
    ['[::1]:4321', true],
    ['LOCALHOST:4321', true],
    ['evil.example:4321', false],
    ['localhost.:4321', false],
    ['127.0.0.1:4322', false],
    ['127.0.0.1', false],
    [undefined, false],
  ];
  const origins: Array<[string | undefined, boolean]> = [
    [undefined, true],
    ['http://127.0.0.1:4321', true],
    ['http://localhost:4321', true],
    ['https://book.example.org', true],
    ['https://127.0.0.1:4321', false],
    ['http://127.0.0.1:4322', false],
    ['http://evil.example', false],
    ['https://book.example.org.evil.example', false],
    ['https://evil-book.example.org', false],
    ['http://book.example.org', false],
    ['null', false],
    ['http://2130706433:4321', false],
    ['http://127.1:4321', false],
    ['http://0x7f.0.0.1:4321', false],
    ['http://[::ffff:127.0.0.1]:4321', false],
    ['http://localhost.:4321', false],
    ['http://127.0.0.1:4321.evil.example', false],
    ['http://127.0.0.1:43210', false],
    ['HTTP://127.0.0.1:4321', false],
  ];
  const tokens: Array<[{ bearerToken?: string }, boolean]> = [
    [{ bearerToken: token }, true],
    [{}, false],
    [{ bearerToken: '' }, false],
    [{ bearerToken: 'wrong' }, false],
    [{ bearerToken: 'right-token-valuf' }, false],
  ];

  for (const [host, hostOk] of hosts) {
    it(`Host ${host ?? '(none)'}: every Origin x token combination`, () => {
      for (const [origin, originOk] of origins) {
        for (const [credentials, tokenOk] of tokens) {
          const facts = {
            host,
            origin,
            bearerToken: undefined,
            ...credentials,
          };
          const name = `Origin ${origin ?? '(none)'} · ${JSON.stringify(credentials)}`;
          const decision = decide(facts, policy);
          const got = decision.ok ? 'ok' : `${decision.status} ${decision.code}`;
          let want = 'ok';
          if (!hostOk) want = '403 bad-host';
          else if (!originOk) want = '403 bad-origin';
          else if (!tokenOk) want = '401 unauthorized';
          assert.equal(got, want, name);
          // The book's pages need no token, but the same Host and Origin rules.
          assert.equal(decidePublic(facts, policy).ok, hostOk && originOk, `public: ${name}`);
        }
      }
    });
  }

  it('answers 403 for Host and Origin, 401 for the token, and says how to fix it', () => {
    const bad = decide({ host: 'evil:4321', origin: undefined, bearerToken: token }, policy);
    assert.ok(!bad.ok && bad.status === 403 && /open the URL the runner printed/.test(bad.message));
    const origin = decide(
      {
        host: '127.0.0.1:4321',
        origin: 'https://x.example',
        bearerToken: token,
      },
      policy,
    );
    assert.ok(!origin.ok && origin.status === 403 && /x\.example/.test(origin.message));
    // The page that was refused is not handed a command that would let it in.
    assert.doesNotMatch(origin.message, /--allow-origin\s+\S*x\.example/);
  });

  it('counts as loopback only 127.0.0.0/8 literals, ::1 and localhost, never a name', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', 'localhost'])
      assert.equal(isLoopback(host), true, host);
    for (const host of [
      '127.0.0.1.nip.io',
      '127.evil.example',
      '127.0.0.1.',
      '127',
      '1270.0.0.1',
      '0.0.0.0',
      '::',
      '192.0.2.1',
      'localhost.example',
      'LOCALHOST.example',
    ])
      assert.equal(isLoopback(host), false, host);
  });

  it('--public-url adds exactly its host and origin, and nothing that only looks like them', () => {
    const forwarded = policyFor(token, 4321, [], undefined, 'https://name-4321.app.github.dev');
    const ask = (host: string, origin: string | undefined) =>
      decide({ host, origin, bearerToken: token }, forwarded);
    assert.deepEqual(ask('name-4321.app.github.dev', 'https://name-4321.app.github.dev'), {
      ok: true,
    });
    assert.deepEqual(ask('127.0.0.1:4321', 'https://name-4321.app.github.dev'), { ok: true });
    for (const [host, origin] of [
      ['name-4321.app.github.dev', 'http://name-4321.app.github.dev'],
      ['name-4321.app.github.dev', 'https://name-4321.app.github.dev:8443'],
      ['name-4321.app.github.dev', 'https://name-4321.app.github.dev.evil.example'],
      ['name-4321.app.github.dev', 'https://evil-name-4321.app.github.dev'],
      ['name-4321.app.github.dev.evil.example', 'https://name-4321.app.github.dev'],
      ['name-4321.app.github.dev:8443', undefined],
      ['other-4321.app.github.dev', undefined],
    ] as const) {
      const decision = ask(host, origin);
      assert.equal(decision.ok, false, `${host} ${origin}`);
    }
    // Still behind the token.
    assert.equal(
      decide(
        {
          host: 'name-4321.app.github.dev',
          origin: 'https://name-4321.app.github.dev',
          bearerToken: undefined,
        },
        forwarded,
      ).ok,
      false,
    );
    // Without --public-url, that host is a stranger.
    assert.equal(
      decide(
        { host: 'name-4321.app.github.dev', origin: undefined, bearerToken: token },
        policyFor(token, 4321, []),
      ).ok,
      false,
    );
  });

  it('a --host that is not loopback is added to the accepted hosts', () => {
    const wide = policyFor(token, 4321, [], '192.0.2.10');
    assert.ok(wide.hosts.has('192.0.2.10:4321'));
    assert.ok(wide.origins.has('http://192.0.2.10:4321'));
  });
});

describe('credentials', () => {
  it('reads the port-scoped cookie and the Bearer header', () => {
    assert.equal(cookieName(4321), 'istio_lab_4321');
    assert.equal(readCookie('a=1; istio_lab_4321=abc=; b=2', 'istio_lab_4321'), 'abc=');
    assert.equal(readCookie('istio_lab_4322=abc', 'istio_lab_4321'), undefined);
    assert.equal(readBearer('Bearer xyz'), 'xyz');
    assert.equal(readBearer('Basic xyz'), undefined);
  });
});
