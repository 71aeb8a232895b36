/**
 * Plain HTTP from the controller to the lab's VIP (the controller sits on the bench lab's bridge;
 * the front servers open port 80 to the world): one GET with the site's Host header, and a
 * poll until the site serves its home page.
 */
import http from 'node:http';

export interface PageAnswer {
  status: number;
  /** The X-Cache header nginx sets on every PHP answer ('' when absent). */
  xCache: string;
  /** Text of the page's <title>, '' when none. */
  title: string;
}

export interface PageRequest {
  address: string;
  host: string;
  path: string;
  /** Default 80. */
  port?: number;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** The title WordPress prints: "Lab Shop" or "Lab Shop &#8211; tagline" both count for "Lab Shop". */
export function pageTitle(body: string): string {
  return body.match(/<title>([^<]*)<\/title>/i)?.[1]?.trim() ?? '';
}

export function getPage(r: PageRequest): Promise<PageAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: r.address, port: r.port ?? 80, path: r.path, headers: { Host: r.host, ...r.headers }, timeout: r.timeoutMs ?? 10_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const xc = res.headers['x-cache'];
        resolve({ status: res.statusCode ?? 0, xCache: Array.isArray(xc) ? xc.join(',') : (xc ?? ''), title: pageTitle(Buffer.concat(chunks).toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`No answer from ${r.address} within ${r.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
  });
}

export interface ServingResult {
  /** ms from the call until the first 200 answer with the title. */
  ms: number;
  attempts: number;
  /** What the last failed attempt saw, for the report when it never served. */
  last: string;
  served: boolean;
}

/**
 * GET / until a 200 whose title starts with `title`, every `intervalMs`, for at most `timeoutMs`.
 * HAProxy marks the web nodes up after consecutive good health checks, and PHP-FPM restarts at the
 * end of the run: a few 503s right after apply are expected, and their length is the figure.
 */
export async function waitUntilServing(r: Omit<PageRequest, 'path'> & { title: string; timeoutMs: number; intervalMs?: number }): Promise<ServingResult> {
  const t0 = performance.now();
  let attempts = 0;
  let last = '';
  for (;;) {
    attempts++;
    try {
      const a = await getPage({ address: r.address, host: r.host, path: '/', timeoutMs: 5_000, ...(r.port ? { port: r.port } : {}) });
      if (a.status === 200 && a.title.startsWith(r.title)) return { ms: performance.now() - t0, attempts, last, served: true };
      last = `HTTP ${a.status}, title "${a.title}"`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (performance.now() - t0 > r.timeoutMs) return { ms: performance.now() - t0, attempts, last, served: false };
    await new Promise((res) => setTimeout(res, r.intervalMs ?? 250));
  }
}
