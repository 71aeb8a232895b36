/**
 * `wpha lint`: every rule on a fixture project (each finding at its file:line:col), inline
 * suppressions (reason required, unused ones reported), the three output formats (SARIF checked
 * against the structure the SARIF 2.1.0 schema requires), exit statuses, and the shipped roles
 * and inventories, which must stay clean (findings fixed, or suppressed with a reason in place).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lintCommand } from '../cli/commands/lint.js';
import { projectRoot } from '../paths.js';
import { RULE_IDS } from './rules.js';
import { checkSarif } from './sarif-shape.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const fixtures = path.join(here, 'fixtures');
const work = mkdtempSync(path.join(tmpdir(), 'wpha-lint-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const FIXTURE_FINDINGS = [
  'inventories/prod/group_vars/web.yaml:3:1: error secret-plaintext',
  'inventories/prod/inventory.yaml:6:3: error secret-plaintext',
  'inventories/prod/inventory.yaml:8:18: error secret-plaintext',
  'roles/demo/role.yaml:7:3: warning var-unused',
  'roles/demo/role.yaml:8:3: warning var-unused',
  'roles/demo/role.yaml:8:48: error secret-plaintext',
  'roles/demo/role.yaml:11:5: warning validate-missing',
  'roles/demo/role.yaml:15:5: warning command-instead-of-op',
  'roles/demo/role.yaml:17:5: warning command-instead-of-op',
  'roles/demo/role.yaml:19:11: error var-undeclared',
  'roles/demo/role.yaml:25:5: warning validate-missing',
  'roles/demo/role.yaml:26:85: error suppression-reason',
  'roles/demo/role.yaml:36:5: warning suppression-unused',
  'roles/demo/role.yaml:37:5: warning handler-unused',
  'roles/demo/templates/demo.conf.hbs:3:1: warning ports-mismatch',
  'roles/demo/templates/demo.conf.hbs:6:34: error var-undeclared',
  'roles/demo/templates/demo.conf.hbs:7:48: error var-undeclared',
];

describe('wpha lint', () => {
  const project = path.join(fixtures, 'project');

  it('finds each mistake of the fixture project at its file:line:col, and only those', async () => {
    const r = await lintCommand('.', { format: 'json', cwd: project });
    const { findings } = JSON.parse(r.output) as { findings: { file: string; line: number; col: number; level: string; rule: string; message: string }[] };
    expect(findings.map((f) => `${f.file}:${f.line}:${f.col}: ${f.level} ${f.rule}`)).toEqual(FIXTURE_FINDINGS);
    expect(r.exit).toBe(1);
    const msg = (rule: string, file: string) => findings.filter((f) => f.rule === rule && f.file.endsWith(file)).map((f) => f.message);
    expect(msg('var-undeclared', 'demo.conf.hbs')).toEqual([
      '"undeclared_here" is read here but role "demo" and the roles it depends on do not declare it',
      '"timezone" is read here but role "demo" and the roles it depends on do not declare it',
    ]);
    expect(msg('command-instead-of-op', 'role.yaml')[0]).toBe(
      '"systemctl restart" in a shell task: use the service operation (service: { name: ..., state: started|stopped|restarted|reloaded, enabled: ... }), which plans, diffs and changes only what differs',
    );
    expect(msg('secret-plaintext', 'inventory.yaml')).toEqual([
      '"base_token" is a secret and is written in plain text: give it as a !vault value (wpha vault encrypt-string --name base_token)',
      '"api_keys" key "secret" is a secret and is written in plain text: give it as a !vault value',
    ]);
  });

  it('prints text lines a terminal or CI log can jump to', async () => {
    const r = await lintCommand('roles/demo', { format: 'text', cwd: project });
    const lines = r.output.trim().split('\n');
    expect(lines[0]).toBe(
      'roles/demo/role.yaml:7:3: warning var-unused: Variable "demo_unused" is declared but nothing reads it (tasks, handlers, templates, checks, ports of "demo" and the roles around it)',
    );
    expect(lines.at(-1)).toBe('wpha lint: 1 role(s) in roles/demo: 5 error(s), 9 warning(s), 0 note(s)');
  });

  it('writes SARIF 2.1.0 with every rule and one result per finding', async () => {
    const r = await lintCommand('.', { format: 'sarif', cwd: project });
    const log = JSON.parse(r.output) as any;
    expect(checkSarif(log)).toEqual([]);
    expect(log.runs[0].tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(RULE_IDS);
    expect(log.runs[0].results).toHaveLength(FIXTURE_FINDINGS.length);
    expect(log.runs[0].results[0]).toEqual({
      ruleId: 'secret-plaintext',
      ruleIndex: RULE_IDS.indexOf('secret-plaintext'),
      level: 'error',
      message: { text: '"become_password" is a secret and is written in plain text: give it as a !vault value (wpha vault encrypt-string --name become_password)' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'inventories/prod/group_vars/web.yaml', uriBaseId: 'SRCROOT' }, region: { startLine: 3, startColumn: 1 } } }],
    });
    // The checker itself refuses what the schema refuses.
    expect(checkSarif({ version: '2.0.0', runs: [{ tool: { driver: {} }, results: [{ level: 'fatal', message: {}, ruleIndex: -1 }] }] })).toEqual([
      '$.version: expected "2.1.0"',
      '$.runs[0].tool.driver.name: required',
      '$.runs[0].results[0].message: needs text or id',
      '$.runs[0].results[0].level: expected one of none, note, warning, error',
      '$.runs[0].results[0].ruleIndex: expected an integer >= 0',
    ]);
  });

  it('exits 0 when clean, 2 on a usage or load error', async () => {
    const clean = path.join(work, 'clean', 'roles', 'ok');
    mkdirSync(clean, { recursive: true });
    writeFileSync(
      path.join(clean, 'role.yaml'),
      'description: ok\nvariables:\n  ok_msg: { type: string, default: hi, description: Message. }\ntasks:\n  - copy: { content: "{{ ok_msg }}", dest: /etc/ok, mode: "0644" }\n',
    );
    expect(await lintCommand('.', { format: 'text', cwd: path.join(work, 'clean') })).toEqual({ output: 'wpha lint: 1 role(s) in .: no findings\n', errors: '', exit: 0 });
    expect(await lintCommand('nowhere', { format: 'text', cwd: work })).toMatchObject({ exit: 2, errors: 'wpha: Cannot lint "nowhere": not a folder\n' });
    writeFileSync(path.join(clean, 'role.yaml'), 'description: ok\ntasks:\n  - nosuchop: {}\n');
    const bad = await lintCommand('.', { format: 'text', cwd: path.join(work, 'clean') });
    expect(bad.exit).toBe(2);
    expect(bad.errors).toContain('roles/ok/role.yaml:3:5: tasks[0].nosuchop: Unknown operation or keyword "nosuchop"');
  });

  it('counts reads in delegate_to and until, and points a read inside a block at its own line', async () => {
    const dir = path.join(work, 'reads', 'roles', 'relay');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'role.yaml'),
      [
        'description: reads',
        'variables:',
        '  relay_host: { type: string, description: Where the block runs. }',
        '  relay_ready: { type: string, default: ok, description: What the probe prints when ready. }',
        'tasks:',
        '  - delegate_to: "{{ relay_host }}"',
        '    block:',
        '      - shell: { cmd: "true", creates: /srv/a }',
        '      - shell: { cmd: "echo {{ not_declared }}", creates: /srv/b }',
        '        register: probe',
        '        until: probe.stdout == relay_ready',
        '        retries: 2',
        '',
      ].join('\n'),
    );
    const r = await lintCommand('.', { format: 'json', cwd: path.join(work, 'reads') });
    const { findings } = JSON.parse(r.output) as { findings: { file: string; line: number; col: number; rule: string }[] };
    expect(findings.map((f) => `${f.file}:${f.line}:${f.col}: ${f.rule}`)).toEqual(['roles/relay/role.yaml:9:23: var-undeclared']);
  });

  it("points a git clone, a mount or a tar extraction at its operation, with that operation's arguments", async () => {
    const dir = path.join(work, 'sources', 'roles', 'src');
    mkdirSync(dir, { recursive: true });
    const cmds = ['git clone https://example.com/x.git /srv/x', 'mount -t nfs files:/export /srv/up', 'tar -xzf /tmp/wp.tar.gz -C /opt'];
    writeFileSync(path.join(dir, 'role.yaml'), `description: sources\ntasks:\n${cmds.map((c, i) => `  - name: t${i}\n    shell: { cmd: "${c}" }\n`).join('')}`);
    const r = await lintCommand('.', { format: 'json', cwd: path.join(work, 'sources') });
    const { findings } = JSON.parse(r.output) as { findings: { rule: string; level: string; message: string }[] };
    expect(findings.filter((f) => f.rule === 'command-instead-of-op').map((f) => `${f.level}: ${f.message.split(': use ')[1]?.split(', which')[0]}`)).toEqual([
      'warning: the git operation (git: { repo: ..., ref: ..., dest: ... })',
      'warning: the mount operation (mount: { what: ..., where: ..., type: ..., options: ... })',
      'warning: the unarchive operation (unarchive: { src: ... or url: ... with sha256: ..., dest: ..., strip_components: ... })',
    ]);
  });

  it('finds nothing in the shipped roles and inventories (fixed, or suppressed with a reason)', async () => {
    const r = await lintCommand('.', { format: 'text', cwd: projectRoot() });
    expect(r.output).toMatch(/^wpha lint: \d+ role\(s\) and \d+ inventory\(ies\) in \.: no findings\n$/);
    expect(r.exit).toBe(0);
  });
});
