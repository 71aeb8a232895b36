/**
 * The certificate authorities this process's own TLS clients trust (alarm URLs, the Proxmox API).
 *
 * Node reads `NODE_EXTRA_CA_CERTS` once, as it starts, and builds its whole root store from it
 * before any code runs: ~25 ms of every start on the machines where the variable is set (CI
 * images, company laptops), for commands that never open a TLS connection. So `bin/wpha`'s first
 * line starts Node without it and passes its value on as `WPHA_CA`; `bin/wpha` puts it back into
 * the environment (every child process sees it as before) and records it here, and the TLS
 * clients pass `ca: trustedCas()`: Node's own roots and that file's certificates, what Node would
 * have trusted. Run as `node bin/wpha`, Node loads the variable itself and nothing is recorded.
 * Measured and explained in docs/startup.md.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/** Where bin/wpha records the file (a symbol on globalThis: bin/wpha is not part of the bundle). */
export const DEFERRED_CA_KEY = Symbol.for('wpha.deferredExtraCaCerts');

let loaded: { file: string; cas: string[] | undefined } | undefined;

/**
 * Node's roots plus the deferred `NODE_EXTRA_CA_CERTS` file, or undefined when nothing was
 * deferred (Node's default store then holds whatever it should). An unreadable file is warned
 * about once and leaves Node's own roots, as Node itself does at start-up.
 */
export function trustedCas(): string[] | undefined {
  const file = (globalThis as Record<symbol, unknown>)[DEFERRED_CA_KEY];
  if (typeof file !== 'string' || !file) return undefined;
  if (loaded?.file === file) return loaded.cas;
  let cas: string[] | undefined;
  try {
    cas = [...rootCertificates, readFileSync(file, 'latin1')];
  } catch (e) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(e as Error).message}`);
    cas = undefined;
  }
  loaded = { file, cas };
  return cas;
}
