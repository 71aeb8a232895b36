/**
 * A small client of Proxmox VE's HTTP API (/api2/json): API token authentication, form-encoded
 * parameters, `{ data }` answers, errors from the status line and `errors`, task polling (a
 * task's UPID until `status: stopped`, `exitstatus: OK`), pacing and retries (rate.ts). The token
 * secret goes only into the Authorization header, never into a message.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { WphaError } from '../../errors.js';
import { trustedCas } from '../../tls-trust.js';
import { backoffMs, realClock, retryable, TokenBucket, type Attempt, type Clock } from './rate.js';

export interface PveClientOptions {
  url: string;
  tokenId: string;
  tokenSecret: string;
  verifyTls?: boolean;
  caFile?: string;
  requestsPerSecond?: number;
  /** Tries per request (first included). */
  attempts?: number;
  timeoutMs?: number;
  clock?: Clock;
}

export class PveError extends WphaError {
  constructor(
    readonly status: number,
    readonly detail: string,
    what: string,
  ) {
    super(`Proxmox API: ${what} failed${status ? ` (HTTP ${status})` : ''}: ${detail}`);
  }
}

type Params = Record<string, string | number | boolean | undefined>;

const form = (p: Params) =>
  new URLSearchParams(
    Object.entries(p)
      .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
      .map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]),
  ).toString();

export class PveClient {
  private readonly bucket: TokenBucket;
  private readonly clock: Clock;
  private readonly ca?: Buffer | string[];

  constructor(private readonly o: PveClientOptions) {
    this.clock = o.clock ?? realClock;
    this.bucket = new TokenBucket(o.requestsPerSecond ?? 5, this.clock);
    // ca_file replaces every other authority (Node's meaning of `ca`); without it, Node's own and
    // NODE_EXTRA_CA_CERTS's (src/tls-trust.ts).
    const ca = o.caFile ? readFileSync(o.caFile) : trustedCas();
    if (ca) this.ca = ca;
  }

  get<T>(path: string, params: Params = {}): Promise<T> {
    return this.call<T>('GET', path, params);
  }
  post<T>(path: string, params: Params = {}): Promise<T> {
    return this.call<T>('POST', path, params);
  }
  put<T>(path: string, params: Params = {}): Promise<T> {
    return this.call<T>('PUT', path, params);
  }
  del<T>(path: string, params: Params = {}): Promise<T> {
    return this.call<T>('DELETE', path, params);
  }

  private async call<T>(method: string, path: string, params: Params): Promise<T> {
    const what = `${method} ${path}`;
    const attempts = this.o.attempts ?? 5;
    for (let n = 1; ; n++) {
      await this.bucket.take();
      const a = await this.once(method, path, params);
      if ('data' in a) return a.data as T;
      if (n >= attempts || !retryable(a, method === 'GET')) throw new PveError(a.status, a.message, what);
      await this.clock.sleep(backoffMs(n, a));
    }
  }

  private once(method: string, path: string, params: Params): Promise<{ data: unknown } | Attempt> {
    const url = new URL(`/api2/json${path}`, this.o.url);
    const body = method === 'GET' || method === 'DELETE' ? '' : form(params);
    if (!body) {
      const q = form(params);
      if (q) url.search = q;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      let sent = false;
      const req = send(
        url,
        {
          method,
          timeout: this.o.timeoutMs ?? 30_000,
          headers: {
            Authorization: `PVEAPIToken=${this.o.tokenId}=${this.o.tokenSecret}`,
            Accept: 'application/json',
            ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } : {}),
          },
          ...(url.protocol === 'https:' ? { rejectUnauthorized: this.o.verifyTls !== false, ...(this.ca ? { ca: this.ca } : {}) } : {}),
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            let json: { data?: unknown; errors?: Record<string, string> } = {};
            try {
              json = text ? JSON.parse(text) : {};
            } catch {
              /* not JSON: the status line says why */
            }
            if (status >= 200 && status < 300) return resolve({ data: json.data ?? null });
            const errors = json.errors
              ? Object.entries(json.errors)
                  .map(([k, v]) => `${k}: ${String(v).trim()}`)
                  .join('; ')
              : '';
            const reason = (res.statusMessage ?? '').trim();
            const retryAfter = Number(res.headers['retry-after']);
            resolve({ status, message: [reason, errors].filter(Boolean).join(': ') || `HTTP ${status}`, maybeApplied: true, ...(Number.isFinite(retryAfter) ? { retryAfter } : {}) });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${(this.o.timeoutMs ?? 30_000) / 1000} s`)));
      req.on('error', (e) => resolve({ status: 0, message: e.message, maybeApplied: sent }));
      req.end(body, () => (sent = true));
    });
  }

  /** Polls a task until it stops; throws with its exit status unless that is OK. */
  async waitTask(node: string, upid: string, what: string, timeoutMs = 600_000): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const t = await this.get<{ status: string; exitstatus?: string }>(`/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}/status`);
      if (t.status === 'stopped') {
        if (t.exitstatus === 'OK') return;
        throw new PveError(0, `task ${upid} ended with "${t.exitstatus ?? 'no exit status'}"`, what);
      }
      if (this.clock.now() > deadline) throw new PveError(0, `task ${upid} still running after ${timeoutMs / 1000} s`, what);
      await this.clock.sleep(1000);
    }
  }
}
