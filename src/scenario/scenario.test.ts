import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, formatIssue } from '../errors.js';
import { runScript } from '../engine/testing/run-local.js';
import { checkFragment } from './checks.js';
import { evaluateCheck } from './evaluate.js';
import { loadScenario, type Scenario } from './load.js';
import { CheckSchema, type Check } from './schema.js';
import { planUnits, unitInventory } from './units.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wpha-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(text: string, role = 'web'): Promise<Scenario> {
  mkdirSync(path.join(dir, role, 'tests'), { recursive: true });
  writeFileSync(path.join(dir, role, 'tests', 'default.yaml'), text);
  return loadScenario(role, path.join(dir, role), 'default', dir);
}

async function issues(text: string): Promise<string[]> {
  try {
    await load(text);
  } catch (e) {
    if (e instanceof InputError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error('the scenario loaded');
}

/** Runs a check's probe fragment with the real /bin/sh, as the verify round trip would. */
function probe(check: Check, work: string) {
  const r = runScript(`WPHA_WORK=${work}\n${checkFragment(CheckSchema.parse(check), 'c0')}\n`);
  return { stdout: r.stdout, rc: r.rc };
}

describe('scenario files', () => {
  it('load with defaults: one host node1, kind lab', async () => {
    const s = await load('description: d\nverify:\n  - port: { port: 80 }\n');
    expect(s).toMatchObject({ id: 'web/default', kind: 'lab', hosts: ['node1'] });
  });

  it('report every problem at once, each at its line and column', async () => {
    const found = await issues(
      [
        'description: d',
        'hosts: [node1, node2]',
        'vars:',
        '  vip: "${address:vip}"',
        'verify:',
        '  - command: { run: "true" }',
        '    http: { url: "http://127.0.0.1/" }',
        '  - on: node3',
        '    port: { port: 80 }',
        '  - file: { path: relative/path }',
        '  - command: { run: "x", stdout: "(" }',
        '  - {}',
      ].join('\n'),
    );
    expect(found).toEqual([
      'web/tests/default.yaml:7:11: verify[0].http: Expected one check kind per item (this one also has "command"), found a map',
      'web/tests/default.yaml:10:19: verify[2].file.path: Expected an absolute path, found string "relative/path"',
      'web/tests/default.yaml:11:34: verify[3].command.stdout: Expected a valid regular expression, found string "("',
      'web/tests/default.yaml:12:5: verify[4]: Expected one of "command", "http", "file", "port", found a map',
    ]);
    // Names are checked once the shapes are right.
    expect(await issues('description: d\nhosts: [node1]\nvars:\n  vip: "${address:vip}"\nverify:\n  - on: node3\n    port: { port: 80 }\n')).toEqual([
      'web/tests/default.yaml:6:9: verify[0].on: Unknown scenario host "node3"; the scenario\'s hosts are "node1"',
      'web/tests/default.yaml:4:8: vars.vip: Unknown name "vip" in "${address:vip}": hosts and addresses are "node1"',
    ]);
  });

  it('refuse host checks in a render scenario (nothing boots)', async () => {
    expect(await issues('description: d\nkind: render\nverify:\n  - command: { run: "true" }\n')).toEqual([
      'web/tests/default.yaml:4:5: verify[0]: A render scenario boots no host: only "file" checks can run, found "command"',
    ]);
  });
});

describe('checks, run by /bin/sh and judged', () => {
  const work = mkdtempSync(path.join(dir, 'work-'));

  it('command: exit status and output patterns', () => {
    const ok = { command: { run: 'echo hello; echo oops >&2; exit 3', exit: 3, stdout: '^hello$', stderr: 'oops' } };
    expect(evaluateCheck(CheckSchema.parse(ok), probe(ok, work))).toEqual({ ok: true, problems: [] });
    const bad = { command: { run: 'echo hello', stdout: '^bye$' } };
    expect(evaluateCheck(CheckSchema.parse(bad), probe(bad, work)).problems).toEqual(['stdout does not match /^bye$/: "hello"']);
    const failing = { command: { run: 'echo nope >&2; exit 2' } };
    expect(evaluateCheck(CheckSchema.parse(failing), probe(failing, work)).problems).toEqual(['expected exit 0, got 2 (stderr "nope")']);
  });

  it('file: existence, type, mode and content', () => {
    const f = path.join(work, 'conf');
    writeFileSync(f, 'listen 80;\nworker 4\n', { mode: 0o640 });
    const good = { file: { path: f, type: 'file', mode: '0640', contains: '^worker \\d$', lacks: 'secret' } };
    expect(evaluateCheck(CheckSchema.parse(good), probe(good, work))).toEqual({ ok: true, problems: [] });
    const bad = { file: { path: f, mode: '0600', type: 'directory', contains: 'listen 443' } };
    expect(evaluateCheck(CheckSchema.parse(bad), probe(bad, work)).problems).toEqual([
      'expected a directory, found a file',
      'expected mode 0600, found 0640',
      'the content does not match /listen 443/',
    ]);
    const gone = { file: { path: path.join(work, 'none'), exists: false } };
    expect(evaluateCheck(CheckSchema.parse(gone), probe(gone, work)).ok).toBe(true);
    expect(evaluateCheck(CheckSchema.parse({ file: { path: path.join(work, 'none') } }), probe({ file: { path: path.join(work, 'none') } }, work)).problems).toEqual(['the file does not exist']);
  });

  it('http: status, headers (any case) and body, from recorded curl output', () => {
    const out = (status: number, head: string, body: string) => ({
      rc: 0,
      stdout: `rc 0\nstatus ${status}\nheaders ${Buffer.from(head).toString('base64')}\nbody ${Buffer.from(body).toString('base64')}\nstderr \n`,
    });
    const check = CheckSchema.parse({ http: { url: 'http://127.0.0.1/', host: 'shop.lab', headers: { 'x-cache': '^HIT$' }, body: '<title>Shop' } });
    const head = 'HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\nHTTP/1.1 200 OK\r\nX-Cache: HIT\r\n\r\n';
    expect(evaluateCheck(check, out(200, head, '<title>Shop</title>'))).toEqual({ ok: true, problems: [] });
    expect(evaluateCheck(check, out(502, 'HTTP/1.1 502 Bad Gateway\r\n\r\n', 'bad gateway')).problems).toEqual([
      'expected status 200, got 502',
      'no "x-cache" header in the response',
      'the body does not match /<title>Shop/: "bad gateway"',
    ]);
    expect(evaluateCheck(check, { rc: 0, stdout: `rc 7\nstatus 000\nstderr ${Buffer.from('curl: (7) Failed to connect').toString('base64')}\n` }).problems).toEqual([
      'the request failed (curl exit 7): "curl: (7) Failed to connect"',
    ]);
  });

  it('port: listeners from ss, by address', () => {
    const ss = 'listen 0.0.0.0:80\nlisten [::]:80\nlisten 127.0.0.1:6379\nlisten 127.0.0.53%lo:53\n';
    const judge = (port: Record<string, unknown>) => evaluateCheck(CheckSchema.parse({ port }), { rc: 0, stdout: ss });
    expect(judge({ port: 80 }).ok).toBe(true);
    expect(judge({ port: 80, address: '*' }).ok).toBe(true);
    expect(judge({ port: 53, address: '127.0.0.53' }).ok).toBe(true);
    expect(judge({ port: 6379, address: '10.0.0.5' }).problems).toEqual(['nothing listens on 6379/tcp on 10.0.0.5 (listening on 127.0.0.1)']);
    expect(judge({ port: 6379, listening: false }).problems).toEqual(['something listens on 6379/tcp']);
    expect(judge({ port: 443 }).problems).toEqual(['nothing listens on 443/tcp']);
  });
});

describe('run units', () => {
  const scenario = (role: string, spec: Record<string, unknown>): Scenario => ({
    id: `${role}/default`,
    role,
    name: 'default',
    file: 'f',
    roleDir: `/r/${role}`,
    spec: { description: 'd', verify: [{ port: { port: 1 } }], ...spec } as Scenario['spec'],
    kind: 'lab',
    hosts: (spec.hosts as string[]) ?? ['node1'],
    locate: () => undefined,
  });

  it('join shared scenarios with the same hosts and compatible variables, keep the rest apart', () => {
    const units = planUnits([
      scenario('common', { share: true, vars: { timezone: 'Europe/Paris' } }),
      scenario('nginx', { share: true, vars: { timezone: 'Europe/Paris', sites: [1] }, groups: { web: { hosts: ['node1'] } } }),
      scenario('redis', { share: true, vars: { timezone: 'UTC' } }),
      scenario('galera', { share: true, hosts: ['node1', 'node2'] }),
      scenario('mariadb', { vars: {} }),
      scenario('wordpress', { share: true, groups: { web: { hosts: ['node1'], roles: ['wordpress'] } } }),
    ]);
    expect(units.map((u) => u.scenarios.map((s) => s.role))).toEqual([['common', 'nginx', 'wordpress'], ['redis'], ['galera'], ['mariadb']]);
    expect(units[0]).toMatchObject({ roles: ['common', 'nginx'], groups: { web: { hosts: ['node1'], roles: ['wordpress'] } }, vars: { timezone: 'Europe/Paris', sites: [1] } });
    expect(planUnits(units[0]!.scenarios, { share: false })).toHaveLength(3);
  });

  it('make an inventory of lab hosts, placeholders replaced', () => {
    const [u] = planUnits([
      scenario('keepalived', {
        addresses: ['vip'],
        hosts: ['node1'],
        vars: { vips: ['${address:vip}/24'], peer: '${host:node1}' },
        host_vars: { node1: { me: '${address:node1}' } },
        groups: { front: { hosts: ['node1'], roles: ['keepalived'] } },
      }),
    ]);
    const doc = unitInventory(u!, { host: { node1: 'wt-abc-node1' }, address: { node1: '10.1.1.5', vip: '10.1.1.9' } });
    expect(doc).toEqual({
      lab: true,
      hosts: { 'wt-abc-node1': { address: '10.1.1.5', vars: { me: '10.1.1.5' } } },
      groups: { front: { hosts: ['wt-abc-node1'], roles: ['keepalived'] } },
      vars: { vips: ['10.1.1.9/24'], peer: 'wt-abc-node1' },
    });
  });
});
