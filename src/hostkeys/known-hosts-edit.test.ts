import { describe, it, expect } from 'vitest';
import { createHmac } from 'node:crypto';
import { utils } from 'ssh2';
import { KnownHosts } from '../transport/known-hosts.js';
import { appendKeys, keyLine, KnownHostsEditError, lookupNames, removeHost } from './known-hosts-edit.js';

const blob = () => Buffer.from(utils.generateKeyPairSync('ed25519').public.split(' ')[1]!, 'base64');
const b64 = (k: Buffer) => k.toString('base64');
const hashed = (name: string, key: Buffer) => {
  const salt = Buffer.alloc(20, 3);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')} ssh-ed25519 ${b64(key)}`;
};

describe('known_hosts edits', () => {
  const web1 = { name: 'web1', address: '192.0.2.1', port: 22 };
  const names = lookupNames(web1);
  const k1 = blob();
  const k2 = blob();
  const other = blob();

  it('looks a host up by address then name, with [host]:port off port 22', () => {
    expect(names).toEqual(['192.0.2.1', 'web1']);
    expect(lookupNames({ name: 'db', address: 'db', port: 2222 })).toEqual(['[db]:2222']);
    expect(lookupNames({ name: 'db1', address: '2001:db8::1', port: 2222 })).toEqual(['[2001:db8::1]:2222', '[db1]:2222']);
  });

  it('appends key lines the engine then accepts', () => {
    const text = appendKeys('# pinned keys', names, [k1]);
    expect(text).toBe(`# pinned keys\n${keyLine(names, k1)}\n`);
    expect(new KnownHosts('kh', text).verify(['web1'], k1)).toEqual({ status: 'match' });
    expect(new KnownHosts('kh', text).verify(['192.0.2.1'], k2).status).toBe('mismatch');
  });

  const cases: [string, string, string, number[]][] = [
    ['its own line', `# c\n192.0.2.1,web1 ssh-ed25519 ${b64(k1)}\ndb1 ssh-ed25519 ${b64(other)}\n`, `# c\ndb1 ssh-ed25519 ${b64(other)}\n`, [2]],
    ['a line shared with another host (the other keeps it)', `web1,web2 ssh-ed25519 ${b64(k1)}\n`, `web2 ssh-ed25519 ${b64(k1)}\n`, [1]],
    ['a hashed line', `${hashed('web1', k1)}\n${hashed('db1', other)}\n`, `${hashed('db1', other)}\n`, [1]],
    ['several key types', `web1 ssh-ed25519 ${b64(k1)}\n192.0.2.1 ssh-ed25519 ${b64(k2)}\n`, '', [1, 2]],
    ['a revoked key stays revoked', `@revoked web1 ssh-ed25519 ${b64(k2)}\nweb1 ssh-ed25519 ${b64(k1)}\n`, `@revoked web1 ssh-ed25519 ${b64(k2)}\n`, [2]],
  ];
  it.each(cases)('removes %s', (_what, text, expected, lines) => {
    expect(removeHost(text, names)).toEqual({ text: expected, lines });
  });

  it('refuses to edit a wildcard line that also covers other hosts', () => {
    expect(() => removeHost(`web* ssh-ed25519 ${b64(k1)}\n`, names)).toThrow(KnownHostsEditError);
    expect(() => removeHost(`web1,*.example.net ssh-ed25519 ${b64(k1)}\n`, names)).toThrow('line 1 trusts this key for "*.example.net" as well; edit that line by hand');
  });
});
