import { describe, it, expect } from 'vitest';
import { renderProxyConfig, allowedProxyHosts } from './proxy.js';
import { labConfig } from './config.js';

describe('lab package proxy configuration', () => {
  const c = labConfig({ WPHA_LAB_SUBNET: '172.31.240', WPHA_LAB_PROXY_PORT: '3999', WPHA_LAB_BRIDGE: 'wpha-x', WPHA_LAB_CACHE: '/c', WPHA_LAB_MIRROR: 'http://mirror.example.org/debian' });
  const conf = renderProxyConfig(c);
  const lines = conf.split('\n');

  it('listens on the bridge address only and lets only the lab subnet reach only the mirror', () => {
    expect(lines).toContain('http_port 172.31.240.1:3999');
    expect(lines).toContain('acl lab src 172.31.240.0/24');
    expect(allowedProxyHosts(c)).toEqual(['mirror.example.org', 'deb.debian.org', 'security.debian.org']);
    const access = lines.filter((l) => l.startsWith('http_access '));
    expect(access).toEqual(['http_access deny CONNECT', 'http_access deny !plain_http', 'http_access allow lab mirror', 'http_access deny all']);
  });

  it('keeps .deb files (versioned, immutable) and revalidates index files', () => {
    const deb = lines.find((l) => l.startsWith('refresh_pattern -i \\.(deb|udeb)$'));
    expect(deb).toMatch(/129600 100% 129600 override-expire/);
    expect(lines.some((l) => l.includes('Packages|Sources') && / 0 0% 1 /.test(l))).toBe(true);
  });

  it('keeps its cache, logs and pid in a folder of its own per bridge, under the image cache', () => {
    expect(lines).toContain('cache_dir ufs /c/apt-proxy-wpha-x/cache 6000 16 256');
    expect(lines).toContain('pid_filename /c/apt-proxy-wpha-x/squid.pid');
    expect(lines).toContain('cache_effective_user proxy');
  });
});
