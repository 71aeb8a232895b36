/**
 * The controller's memory of file texts edited in place (lineinfile, blockinfile): kept by
 * sha256 in a private folder (0700), with an index per host of which text each path had. A
 * converged run then receives only a file's sha256, not its text (php.ini, redis.conf: ~300 KB
 * per host of the web tier). Texts holding a secret the run knows are never written to disk.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { ContentCache } from '../ops/types.js';
import type { Redactor } from '../secrets/redactor.js';

/** Texts already read in this process, shared by every host (they are often identical). */
const memo = new Map<string, Buffer>();

export class ContentStore implements ContentCache {
  private readonly index: Record<string, string>;
  private dirty = false;

  constructor(
    private readonly root: string,
    private readonly indexFile: string,
    private readonly redactor: Redactor,
  ) {
    try {
      this.index = JSON.parse(readFileSync(indexFile, 'utf8')) as Record<string, string>;
    } catch {
      this.index = {};
    }
  }

  private blob(sha: string): string {
    return path.join(this.root, 'blobs', sha);
  }

  knownSha(p: string): string | undefined {
    const sha = Object.hasOwn(this.index, p) ? this.index[p] : undefined;
    // Only a text that can really be read back (and still hashes to its name) counts as known.
    return sha && this.get(sha) ? sha : undefined;
  }

  get(sha: string): Buffer | undefined {
    if (!/^[0-9a-f]{64}$/.test(sha)) return undefined;
    let b = memo.get(sha);
    if (!b) {
      try {
        b = readFileSync(this.blob(sha));
      } catch {
        return undefined;
      }
      // A blob whose bytes do not hash to its name is ignored (damaged or tampered with).
      if (createHash('sha256').update(b).digest('hex') !== sha) return undefined;
      memo.set(sha, b);
    }
    return b;
  }

  put(p: string, content: Buffer): void {
    const text = content.toString('utf8');
    if (this.redactor.redact(text) !== text) return; // holds a secret: not kept on the controller
    const sha = createHash('sha256').update(content).digest('hex');
    memo.set(sha, content);
    const file = this.blob(sha);
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(`${file}.tmp-${process.pid}`, content, { mode: 0o600 });
      renameSync(`${file}.tmp-${process.pid}`, file);
    }
    if (this.index[p] !== sha) {
      this.index[p] = sha;
      this.dirty = true;
    }
  }

  save(): void {
    if (!this.dirty) return;
    mkdirSync(path.dirname(this.indexFile), { recursive: true, mode: 0o700 });
    writeFileSync(`${this.indexFile}.tmp`, JSON.stringify(this.index), { mode: 0o600 });
    renameSync(`${this.indexFile}.tmp`, this.indexFile);
    this.dirty = false;
  }
}

export function contentStoreFor(cacheRoot: string, inventoryDir: string, inventoryName: string, host: string, redactor: Redactor): ContentStore {
  const invKey = `${inventoryName}-${createHash('sha256').update(inventoryDir).digest('hex').slice(0, 12)}`;
  return new ContentStore(cacheRoot, path.join(cacheRoot, 'index', invKey, `${host}.json`), redactor);
}
