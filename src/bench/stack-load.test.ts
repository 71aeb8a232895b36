import { describe, it, expect, afterEach } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execa } from 'execa';
import { answerProbe, vipUrl } from './stack-load.js';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('vipUrl', () => {
  it('spells port 80 out (wrk looks a scheme up in /etc/services otherwise)', () => {
    expect(vipUrl('172.31.246.10', '/?nocache=1')).toBe('http://172.31.246.10:80/?nocache=1');
  });
});

describe('answerProbe', () => {
  it('prints "STATUS X-CACHE" for a request with the Host header and extra headers, run by sh with curl', async () => {
    const seen: { host?: string; cookie?: string; url?: string }[] = [];
    server = http.createServer((req, res) => {
      seen.push({ host: req.headers.host, cookie: req.headers.cookie, url: req.url });
      res.writeHead(req.headers.cookie ? 200 : 503, req.headers.cookie ? { 'X-Cache': 'BYPASS' } : {});
      res.end('x');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/?nocache=1&b=2`;
    const script = [answerProbe(url, 'shop.lab', ["Cookie: woocommerce_items_in_cart=1; x='y'"]), answerProbe(url, 'shop.lab')].join('\n');
    const r = await execa('sh', ['-s'], { input: script });
    expect(r.stdout.split('\n')).toEqual(['200 BYPASS', '503 ']);
    expect(seen).toEqual([
      { host: 'shop.lab', cookie: "woocommerce_items_in_cart=1; x='y'", url: '/?nocache=1&b=2' },
      { host: 'shop.lab', cookie: undefined, url: '/?nocache=1&b=2' },
    ]);
  });
});
