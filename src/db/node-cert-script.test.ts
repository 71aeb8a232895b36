/**
 * The mariadb role's certificate tool (roles/mariadb/files/wpha-mariadb-node-cert), run with the
 * real openssl in a temporary folder: it issues a node certificate for an address from a CA key
 * given on stdin, `check` accepts it, and refuses one for another address, from another CA, or
 * whose key was replaced; the CA key never lands in the folder.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import { makeTestCa } from './testing/test-ca.js';

const tool = path.join(projectRoot(), 'roles/mariadb/files/wpha-mariadb-node-cert');
const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();

const run = (args: string[], input = '') => spawnSync('sh', [tool, ...args], { input, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', WPHA_CERT_GROUP: group } });

/**
 * A folder of its own with a CA (and a node certificate for `issuedFor`): every test stands alone,
 * in any order (the unit tests run shuffled).
 */
function setup(issuedFor?: string) {
  const work = mkdtempSync(path.join(tmpdir(), 'wpha-cert-'));
  const tls = path.join(work, 'tls');
  execFileSync('mkdir', [tls]);
  const ca = makeTestCa('ca');
  writeFileSync(path.join(tls, 'ca.pem'), ca.cert);
  if (issuedFor) expect(run(['issue', tls, issuedFor, 'db1'], ca.key).status).toBe(0);
  return { work, tls, ca };
}

describe('wpha-mariadb-node-cert', () => {
  it('issues a certificate for the address that check then accepts; the CA key stays out of the folder', () => {
    const { tls, ca } = setup();
    expect(run(['check', tls, '10.0.0.5', 'db1']).status).toBe(1);
    const issued = run(['issue', tls, '10.0.0.5', 'db1'], ca.key);
    expect(issued.stderr).toBe('');
    expect(issued.status).toBe(0);
    expect(run(['check', tls, '10.0.0.5', 'db1']).status).toBe(0);
    expect(readdirSync(tls).sort()).toEqual(['ca.pem', 'node.key', 'node.pem']);
    expect(statSync(path.join(tls, 'node.key')).mode & 0o777).toBe(0o640);
    const text = execFileSync('openssl', ['x509', '-in', path.join(tls, 'node.pem'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain('IP Address:10.0.0.5');
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
  });

  it('refuses a certificate for another address, and issues a new one with the same key', () => {
    const { tls, ca } = setup('10.0.0.5');
    const key = readFileSync(path.join(tls, 'node.key'), 'utf8');
    const other = run(['check', tls, '10.0.0.6', 'db1']);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('does not name 10.0.0.6');
    expect(run(['issue', tls, '10.0.0.6', 'db1'], ca.key).status).toBe(0);
    expect(run(['check', tls, '10.0.0.6', 'db1']).status).toBe(0);
    expect(readFileSync(path.join(tls, 'node.key'), 'utf8')).toBe(key);
  });

  it("refuses a certificate signed by another CA, or a key that is not the certificate's", () => {
    const { tls } = setup('10.0.0.6');
    const second = makeTestCa('other');
    writeFileSync(path.join(tls, 'ca.pem'), second.cert);
    expect(run(['check', tls, '10.0.0.6', 'db1']).stderr).toContain('not signed by the current CA');
    expect(run(['issue', tls, '10.0.0.6', 'db1'], second.key).status).toBe(0);
    expect(run(['check', tls, '10.0.0.6', 'db1']).status).toBe(0);
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', path.join(tls, 'node.key')]);
    expect(run(['check', tls, '10.0.0.6', 'db1']).stderr).toContain('key does not match');
  });

  it("fails when the CA key on stdin is not the CA's", () => {
    const { tls } = setup();
    const third = makeTestCa('third');
    const bad = run(['issue', tls, '10.0.0.7', 'db1'], third.key);
    expect(bad.status).not.toBe(0);
    expect(run(['check', tls, '10.0.0.7', 'db1']).status).toBe(1);
  });
});
