/** When the lab's ssh helper tries a call once more: only when sshd never sent its banner. */
import { describe, it, expect } from 'vitest';
import { noBannerFailure } from './lab-hosts.js';

describe('noBannerFailure', () => {
  it('is true for a server that never answered the banner, or reset the connection before it', () => {
    expect(noBannerFailure({ code: 255, stdout: '', stderr: 'Connection timed out during banner exchange\nConnection to 172.31.220.101 port 22 timed out\n' })).toBe(true);
    expect(noBannerFailure({ code: 255, stdout: '', stderr: 'kex_exchange_identification: read: Connection reset by peer\n' })).toBe(true);
  });
  it("is false for the command's own failure, a refused key, a refused or unreachable port", () => {
    expect(noBannerFailure({ code: 1, stdout: '', stderr: 'kex_exchange_identification appears in the command output\n' })).toBe(false);
    expect(noBannerFailure({ code: 255, stdout: '', stderr: 'root@172.31.220.101: Permission denied (publickey).\n' })).toBe(false);
    expect(noBannerFailure({ code: 255, stdout: '', stderr: 'ssh: connect to host 172.31.220.101 port 22: Connection refused\n' })).toBe(false);
    expect(noBannerFailure({ code: 255, stdout: '', stderr: 'ssh: connect to host 172.31.220.101 port 22: Connection timed out\n' })).toBe(false);
  });
});
