import { describe, it, expect, afterEach } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getPage, pageTitle, waitUntilServing } from './stack-http.js';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A local server answering the given (status, body) in turn (the last one repeats), recording Host headers. */
async function serve(answers: [number, string][], hosts: string[] = []): Promise<number> {
  let i = 0;
  server = http.createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    const [status, body] = answers[Math.min(i++, answers.length - 1)]!;
    res.writeHead(status, { 'X-Cache': status === 200 ? 'HIT' : 'MISS', 'Content-Type': 'text/html' });
    res.end(body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('pageTitle', () => {
  it.each([
    ['<html><head><title>Lab Shop</title></head>', 'Lab Shop'],
    ['<TITLE> Lab Shop &#8211; Just another site </TITLE>', 'Lab Shop &#8211; Just another site'],
    ['<html>no title</html>', ''],
  ])('%s', (body, title) => expect(pageTitle(body)).toBe(title));
});

describe('getPage and waitUntilServing', () => {
  it('sends the Host header and reads status, X-Cache and title', async () => {
    const hosts: string[] = [];
    const port = await serve([[200, '<title>Lab Shop</title>']], hosts);
    expect(await getPage({ address: '127.0.0.1', port, host: 'shop.lab', path: '/' })).toEqual({ status: 200, xCache: 'HIT', title: 'Lab Shop' });
    expect(hosts).toEqual(['shop.lab']);
  });

  it('keeps polling through 503s and wrong pages until the site title is served', async () => {
    const port = await serve([
      [503, 'No server is available'],
      [503, ''],
      [200, '<title>Apache2 Default</title>'],
      [200, '<title>Lab Shop</title>'],
    ]);
    const r = await waitUntilServing({ address: '127.0.0.1', port, host: 'shop.lab', title: 'Lab Shop', timeoutMs: 10_000, intervalMs: 10 });
    expect([r.served, r.attempts, r.last]).toEqual([true, 4, 'HTTP 200, title "Apache2 Default"']);
  });

  it('gives up after the timeout and says what it last saw', async () => {
    const port = await serve([[503, 'down']]);
    const r = await waitUntilServing({ address: '127.0.0.1', port, host: 'shop.lab', title: 'Lab Shop', timeoutMs: 1000, intervalMs: 20 });
    expect(r.served).toBe(false);
    expect(r.last).toBe('HTTP 503, title ""');
    expect(r.attempts).toBeGreaterThan(1);
  });
});
