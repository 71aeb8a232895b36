/**
 * A stand-in Proxmox VE API for tests: a local HTTP server (loopback) that answers a recorded
 * sequence of request/answer pairs, in order, and records every request that differs from the
 * next expected one (method, path, query, form body, API token). Answers follow Proxmox VE's
 * published API: `{ "data": ... }`, errors in the status line and `errors`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Pair {
  request: { method: string; path: string; query?: Record<string, string>; body?: Record<string, string> };
  response: { status: number; reason?: string; body?: unknown; headers?: Record<string, string> };
}

export interface Replay {
  url: string;
  /** Requests that did not match, as "expected ... got ..." lines. */
  mismatches: string[];
  /** Pairs not requested yet. */
  left(): Pair[];
  close(): Promise<void>;
}

/** A recorded value ANY matches whatever was sent (a name wpha draws at random). */
export const ANY = '<any>';
const sorted = (o: Record<string, string>, like?: Record<string, string>) =>
  JSON.stringify(
    Object.entries(o)
      .map(([k, v]): [string, string] => [k, like?.[k] === ANY ? ANY : v])
      .sort(([a], [b]) => a.localeCompare(b)),
  );

export async function replay(pairs: Pair[], auth: string): Promise<Replay> {
  const queue = [...pairs];
  const mismatches: string[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://pve');
      const got = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body: Object.fromEntries(new URLSearchParams(text)) };
      const next = queue.shift();
      const want = next?.request;
      const same =
        want &&
        want.method === got.method &&
        decodeURIComponent(want.path) === decodeURIComponent(got.path) &&
        sorted(want.query ?? {}) === sorted(got.query, want.query) &&
        sorted(want.body ?? {}) === sorted(got.body, want.body) &&
        req.headers.authorization === auth &&
        (text === '' || req.headers['content-type'] === 'application/x-www-form-urlencoded');
      if (!same) {
        mismatches.push(`expected ${JSON.stringify(want ?? 'no more requests')}, got ${JSON.stringify({ ...got, authorization: req.headers.authorization === auth ? 'ok' : 'WRONG' })}`);
        res.writeHead(599, 'Not the recorded request').end(JSON.stringify({ data: null }));
        return;
      }
      const r = next!.response;
      res.writeHead(r.status, r.reason ?? 'OK', { 'Content-Type': 'application/json;charset=UTF-8', ...(r.headers ?? {}) });
      res.end(JSON.stringify(r.body ?? { data: null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mismatches,
    left: () => queue,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
