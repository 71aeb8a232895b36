import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRestarts, parseUpgrade } from './in-place-script.js';

// Recorded on a lab host made from the base image (nginx installed), then trimmed.
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const read = (f: string) => readFileSync(path.join(fixtures, f), 'utf8');

describe('in-place upgrade output', () => {
  it('package versions before and after give what changed; a reboot asked for is reported with its packages', () => {
    const out = parseUpgrade(read('in-place-upgrade.out'));
    expect(out.diff.changed.map(([n]) => n)).toEqual(['apt', 'libssl3', 'openssl', 'tzdata', 'zlib1g']);
    expect(out.diff.changed.find(([n]) => n === 'libssl3')).toEqual(['libssl3', '3.0.20-1~deb12u2', '3.0.22-1~deb12u2']);
    expect(out.diff.added).toEqual([]);
    expect(out.diff.removed).toEqual([]);
    expect(out.reboot).toBe('required by: linux-image-6.1.0-28-amd64 libc6');
    expect(parseUpgrade('@@before\na 1\n@@after\na 1\nb 2\n@@reboot\n')).toEqual({ diff: { added: [['b', '2']], removed: [], changed: [] } });
  });

  it('lists the units restarted and those that need a reboot', () => {
    expect(parseRestarts(read('in-place-restart.out'))).toEqual([
      'dbus.service needs a reboot',
      'nginx.service restarted',
      'ssh.service restarted',
      'systemd re-executed',
      'systemd-journald.service restarted',
      'systemd-logind.service needs a reboot',
      'systemd-networkd.service restarted',
    ]);
    expect(parseRestarts('noise\n@@restart\n')).toEqual([]);
  });
});
