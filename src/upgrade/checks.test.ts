import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCheckScript, judgeHttp } from './checks.js';
import { firstAlarm } from './alarms.js';

// A web node stand-in on loopback: answers by Host header and path, as nginx's sites would.
let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3000);
    if (req.url === '/quiet') return void res.end('all quiet');
    if (req.url === '/alarm') return void res.writeHead(503).end('error rate 12%');
    if (req.headers.host !== 'shop.lab') return void res.writeHead(404).end('unknown site');
    res.writeHead(req.url === '/wpha-health' ? 200 : 200, { 'content-type': 'text/html' }).end(req.url === '/wpha-health' ? 'ok\n' : '<title>Lab Shop</title>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

// Asynchronous: the stand-in answers from this same process.
const run = async (script: string) => (await promisify(execFile)('sh', ['-c', script], { encoding: 'utf8' })).stdout;

describe('gate checks', () => {
  it("HTTP through the node with the site's Host header: status and body", async () => {
    const home = { path: '/', host: 'shop.lab', contains: 'Lab Shop' };
    expect(judgeHttp(home, await run(httpCheckScript(home, '127.0.0.1', port)))).toEqual({ ok: true, output: 'HTTP 200' });
    // Another Host header reaches another site: the check says what it got.
    const other = { path: '/', host: 'other.lab', contains: 'Lab Shop' };
    expect(judgeHttp(other, await run(httpCheckScript(other, '127.0.0.1', port)))).toEqual({ ok: false, output: 'HTTP 404 (expected 200): unknown site' });
    const words = { path: '/wpha-health', host: 'shop.lab', contains: 'Lab Shop' };
    expect(judgeHttp(words, await run(httpCheckScript(words, '127.0.0.1', port)))).toEqual({ ok: false, output: 'HTTP 200, but the body does not contain "Lab Shop": ok' });
  });

  it("a node that does not answer in time, or refuses, fails with curl's reason", async () => {
    const slow = { path: '/slow', host: 'shop.lab', timeout: 1 };
    const r = judgeHttp(slow, await run(httpCheckScript(slow, '127.0.0.1', port)));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/^request failed: curl: \(28\) .*timed out/i);
    const closed = { path: '/', port: 1 };
    expect(judgeHttp(closed, await run(httpCheckScript(closed, '127.0.0.1', port))).output).toMatch(/^request failed: curl: \(7\) /);
  });

  it('quotes the Host header and URL', () => {
    expect(httpCheckScript({ path: "/a'b", host: "x'; reboot; '" }, '10.0.0.5', 80)).toContain(`-H 'Host: x'\\''; reboot; '\\''' 'http://10.0.0.5:80/a'\\''b' 2>"$err"`);
  });
});

describe('alarms', () => {
  it('a command alarms when it exits non-zero; a URL when it does not answer 2xx', async () => {
    expect(
      await firstAlarm([
        { name: 'quiet', command: 'true' },
        { name: 'ok url', url: `http://127.0.0.1:${port}/quiet` },
      ]),
    ).toBeUndefined();
    expect(
      await firstAlarm([
        { name: 'quiet', command: 'true' },
        { name: 'errors', command: 'echo too many 5xx; exit 2' },
      ]),
    ).toEqual({ name: 'errors', output: 'exit 2: too many 5xx' });
    expect(await firstAlarm([{ name: 'rate', url: `http://127.0.0.1:${port}/alarm` }])).toEqual({ name: 'rate', output: 'HTTP 503: error rate 12%' });
    expect((await firstAlarm([{ name: 'gone', url: 'http://127.0.0.1:1/' }]))?.output).toMatch(/^no answer: /);
  });
});
