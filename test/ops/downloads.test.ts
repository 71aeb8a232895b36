/**
 * get_url on a real lab host, downloading from an HTTP server the test starts on a second lab
 * host (never the internet): a small script (then run), a 4 MiB file from a URL with credentials
 * (masked in every output), and a file without checksum. The server's access log proves that a
 * converged run downloads nothing; a corrupted local copy is downloaded again; a tampered upstream
 * file fails the checksum and leaves the installed file as it was.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { ROLES, planBothWays, expectConverged, expectSuccess, labelsWith, onHost, pathsSnapshot, statuses, wpha } from './harness.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const TOOL = '#!/bin/sh\necho "tool ran on $(hostname)" > "$1"\n';
const PASSWORD = 'Dl-secret-4471';
const DIR = '/opt/ops-dl';
const SNAPSHOT = pathsSnapshot([DIR]);

describe('get_url on a lab host', () => {
  let lab: LabHosts;
  let client: string;
  let server: string;
  let inv: string;
  const big = randomBytes(4 * 1024 * 1024);
  const onClient = (cmd: string) => onHost(lab, client, cmd);
  /** How many GET requests for `file` the server has logged. */
  const gets = async (file: string) => Number(await onHost(lab, server, `grep -c '"GET /${file} ' /srv/dl.log || :`));

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'opd');
    [client, server] = lab.hosts.map((h) => h.name) as [string, string];
    const address = lab.hosts[1]!.address;
    await onHost(lab, server, 'mkdir -p /srv/dl');
    const up = await lab.ssh(server, 'base64 -d > /srv/dl/big.bin', { input: big.toString('base64') });
    expect(up.code).toBe(0);
    await onHost(
      lab,
      server,
      [
        `printf '%s' '${TOOL.replaceAll("'", `'\\''`)}' > /srv/dl/tool.sh`,
        'echo v1 > /srv/dl/notes.txt',
        'systemd-run -q --unit=ops-dl-http -p StandardError=append:/srv/dl.log python3 -m http.server 8000 --directory /srv/dl',
        'for i in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:8000/notes.txt && exit 0; sleep 0.2; done; exit 1',
      ].join(' && '),
    );
    inv = writeLabInventory(lab, {
      groups: { downloads: { hosts: [0], roles: ['ops_downloads'] } },
      roleDirs: [ROLES],
      vars: { dl_base: `http://${address}:8000`, dl_secret_base: `http://fetch:${PASSWORD}@${address}:8000`, dl_tool_sha256: sha(TOOL), dl_big_sha256: sha(big) },
    }).dir;
  });
  afterAll(async () => lab?.release());

  it('plan shows every download and fetches nothing', async () => {
    const before = await onClient(SNAPSHOT);
    const gotBefore = await gets('notes.txt');
    const plan = await planBothWays(inv, client);
    expect(statuses(plan)).toEqual({ 'download folder': 'changed', tool: 'changed', 'big file': 'changed', 'unverified notes': 'changed', 'downloaded tool runs': 'changed' });
    expect(plan.tasks.get('big file')?.summary).toEqual([`download http://***@${lab.hosts[1]!.address}:8000/big.bin -> ${DIR}/big.bin`]);
    expect(plan.tasks.get('unverified notes')?.summary.join(' ')).toContain('WITHOUT checksum verification');
    expect(plan.stdout + plan.stderr).not.toContain(PASSWORD);
    expect(await onClient(SNAPSHOT)).toBe(before);
    expect(await gets('tool.sh')).toBe(0);
    expect(await gets('notes.txt')).toBe(gotBefore);
  });

  it('apply downloads each file once, verified and with its attributes; the script runs', async () => {
    const r = await wpha('apply', inv, client);
    expectSuccess(r);
    expect(labelsWith(r, 'changed')).toEqual(['download folder', 'tool', 'big file', 'unverified notes', 'downloaded tool runs']);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(await onClient(`stat -c '%n %a %U' ${DIR}/tool.sh ${DIR}/big.bin ${DIR}/notes.txt`)).toBe(`${DIR}/tool.sh 755 root\n${DIR}/big.bin 640 nobody\n${DIR}/notes.txt 644 root`);
    expect(await onClient(`sha256sum < ${DIR}/big.bin; cat ${DIR}/notes.txt ${DIR}/tool.out`)).toBe(`${sha(big)}  -\nv1\ntool ran on ${client}`);
    expect(await onClient(`ls -A ${DIR}`)).toBe('big.bin\nnotes.txt\ntool.out\ntool.sh');
    expect([await gets('tool.sh'), await gets('big.bin'), await gets('notes.txt')]).toEqual([1, 1, 2]);
  });

  it('a second apply downloads nothing (the server sees no request), in one round trip', async () => {
    const r = await wpha('apply', inv, client);
    expectConverged(r);
    expect([await gets('tool.sh'), await gets('big.bin'), await gets('notes.txt')]).toEqual([1, 1, 2]);
  });

  it('drift: a corrupted copy is downloaded again, a changed mode is only chmod-ed, a missing unverified file is fetched', async () => {
    await onClient(`truncate -s 100 ${DIR}/big.bin && chmod 700 ${DIR}/tool.sh && rm ${DIR}/notes.txt`);
    const before = await onClient(SNAPSHOT);
    const plan = await planBothWays(inv, client);
    expect(labelsWith(plan, 'changed')).toEqual(['tool', 'big file', 'unverified notes']);
    expect(plan.tasks.get('big file')?.summary[0]).toContain('(sha256 differs)');
    expect(plan.tasks.get('tool')?.summary).toEqual([`${DIR}/tool.sh: mode 0700 -> 0755`]);
    expect(await onClient(SNAPSHOT)).toBe(before);
    const r = await wpha('apply', inv, client);
    expectSuccess(r);
    expect(labelsWith(r, 'changed')).toEqual(['tool', 'big file', 'unverified notes']);
    expect(await onClient(`stat -c %a ${DIR}/tool.sh; sha256sum < ${DIR}/big.bin`)).toBe(`755\n${sha(big)}  -`);
    expect([await gets('tool.sh'), await gets('big.bin'), await gets('notes.txt')]).toEqual([1, 2, 3]);
    // An unverified file that exists is never fetched again, whatever it holds.
    await onClient(`echo local > ${DIR}/notes.txt`);
    expectConverged(await wpha('apply', inv, client));
  });

  it('a tampered upstream file fails the checksum and leaves the installed file untouched', async () => {
    await onHost(lab, server, "echo 'echo tampered' >> /srv/dl/tool.sh");
    await onClient(`echo 'local edit' >> ${DIR}/tool.sh`);
    const installed = await onClient(`sha256sum < ${DIR}/tool.sh`);
    const r = await wpha('apply', inv, client);
    expect(r.code).toBe(1);
    const failed = r.tasks.get('tool');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(new RegExp(`checksum mismatch for "http://[^"]+/tool\\.sh": got [0-9a-f]{64}, expected ${sha(TOOL)}`));
    expect(await onClient(`sha256sum < ${DIR}/tool.sh; ls -A ${DIR} | grep -c wpha || :`)).toBe(`${installed}\n0`);
  });
});
