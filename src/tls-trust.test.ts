/**
 * NODE_EXTRA_CA_CERTS kept out of Node's start (bin/wpha's first line) and still trusted: by the
 * TLS clients of wpha itself (an alarm URL, the Proxmox API) through trustedCas(), and by child
 * processes, which see the variable as it was. Real TLS on loopback, certificates made by openssl.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from './paths.js';
import { PveClient } from './providers/proxmox/client.js';
import { DEFERRED_CA_KEY, trustedCas } from './tls-trust.js';
import { firstAlarm } from './upgrade/alarms.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wpha-tls-'));
const at = (f: string) => path.join(dir, f);
const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const defer = (file: string | undefined) => {
  (globalThis as Record<symbol, unknown>)[DEFERRED_CA_KEY] = file;
};

let server: Server;
let url: string;
beforeAll(async () => {
  // A private CA and a server certificate for 127.0.0.1 it signed: trusted by nothing else.
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=wpha test CA');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(at('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  server = createServer({ key: readFileSync(at('server.key')), cert: readFileSync(at('server.pem')) }, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { path: req.url } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => defer(undefined));
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trustedCas', () => {
  it("is undefined when bin/wpha deferred nothing (Node's own store holds what it should)", () => {
    expect(trustedCas()).toBeUndefined();
  });

  it("is Node's roots and the deferred file's certificates", () => {
    defer(at('ca.pem'));
    const cas = trustedCas()!;
    expect(cas.length).toBe(rootCertificates.length + 1);
    expect(cas.at(-1)).toBe(readFileSync(at('ca.pem'), 'latin1'));
  });

  it('an unreadable file is warned about, as Node does, and leaves the roots to Node', async () => {
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    defer(at('missing.pem'));
    expect(trustedCas()).toBeUndefined();
    expect((await warned).message).toMatch(/^Ignoring extra certs from `.*missing\.pem`, load failed: .*ENOENT/);
  });
});

describe("wpha's own TLS clients trust the deferred authorities", () => {
  it('an alarm URL signed by them is quiet; without them it is an alarm', async () => {
    const alarm = [{ name: 'checkout', url: `${url}/quiet` }];
    expect((await firstAlarm(alarm))?.output).toMatch(/^no answer: .*(self[- ]signed|unable to (get|verify)|certificate)/i);
    defer(at('ca.pem'));
    expect(await firstAlarm(alarm)).toBeUndefined();
  });

  it('the Proxmox API client', async () => {
    const client = () => new PveClient({ url, tokenId: 'root@pam!wpha', tokenSecret: 'not-a-real-secret', attempts: 1 });
    await expect(client().get('/version')).rejects.toThrow(/certificate/i);
    defer(at('ca.pem'));
    expect(await client().get('/version')).toEqual({ path: '/api2/json/version' });
  });
});

describe("bin/wpha's first line", () => {
  const bin = path.join(projectRoot(), 'bin', 'wpha');
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: at('missing.pem'), WPHA_VAULT_PASSWORD: 'a long enough passphrase' };
  const startupWarning = /Ignoring extra certs from/;

  it('records the file under the key trustedCas() reads (bin/wpha is not bundled: the name is written twice)', () => {
    expect(readFileSync(bin, 'utf8')).toContain(`globalThis[Symbol.for('${DEFERRED_CA_KEY.description}')] = extraCa;`);
  });

  it('Node started as `node bin/wpha` reads NODE_EXTRA_CA_CERTS at start-up (it warns about a missing file)', () => {
    const r = spawnSync('node', [bin, '--version'], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(startupWarning);
  });

  it('run as a program it does not; a child process still sees the variable as it was', () => {
    // The vault's editor is a child process of wpha: it writes what it sees.
    const editor = at('editor.sh');
    writeFileSync(editor, '#!/bin/sh\n{ echo "extra=${NODE_EXTRA_CA_CERTS-unset}"; echo "wpha_ca=${WPHA_CA-unset}"; } > "$(dirname "$0")/seen.txt"\necho "a: 1" > "$1"\n');
    chmodSync(editor, 0o755);
    const r = spawnSync(bin, ['vault', 'edit', at('x.vault.yaml')], { env: { ...env, EDITOR: editor, VISUAL: '' }, encoding: 'utf8', cwd: dir });
    expect(r.stderr).not.toMatch(startupWarning);
    expect(r.status).toBe(0);
    expect(readFileSync(at('seen.txt'), 'utf8')).toBe(`extra=${at('missing.pem')}\nwpha_ca=unset\n`);
  });
});
