/**
 * A throw-away certificate authority for tests of the mariadb role's TLS (each node signs its own
 * certificate with the CA key): an EC P-256 key and a 30-day self-signed certificate made by
 * openssl in a temporary folder, which is removed before returning.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function makeTestCa(commonName: string): { cert: string; key: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-test-ca-'));
  try {
    const key = path.join(dir, 'ca.key');
    const cert = path.join(dir, 'ca.pem');
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${commonName}`];
    execFileSync('openssl', args, { stdio: 'ignore' });
    return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
