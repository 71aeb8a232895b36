import { describe, it, expect } from 'vitest';
import { checkFormat, VAR_FORMATS, type VarFormat } from './var-formats.js';

// Per format: values a host reads as meant, and values it would refuse or misread.
const CASES: Record<VarFormat, { good: (string | number)[]; bad: (string | number)[] }> = {
  timezone: {
    good: ['Europe/Paris', 'Etc/UTC', 'UTC', 'America/Argentina/Buenos_Aires', 'US/Pacific', 'Etc/GMT+5', 'Asia/Calcutta'],
    bad: ['NO', 'Mars/Olympus', 'europe/paris', 'utc', '+05:00', '../etc/passwd', '', 'Europe/'],
  },
  locale: { good: ['C.UTF-8', 'C', 'POSIX', 'en_US.UTF-8', 'de_DE@euro', 'fr_FR.ISO-8859-15'], bad: ['english', 'en-US', 'EN_us.UTF-8', ''] },
  size: { good: ['64m', '2G', '512', '1k'], bad: ['256mb', '1.5G', '64 m', '-1', ''] },
  'php-size': { good: ['256M', '1G', '-1', '128m'], bad: ['256mb', '2GB', 'unlimited'] },
  'redis-size': { good: ['256mb', '2gb', '512m', '1GB', '1024'], bad: ['256 mb', '2tb', '1.5gb'] },
  duration: { good: ['2s', '60s', '24h', '30d', '500ms', '5m'], bad: ['60', '1h30m', '2 s', '1y', 'fast'] },
  timespan: { good: ['2min', '1h 30min', '45s', '30', '500ms', 'infinity'], bad: ['2 minutes later', 'soon', '-5s'] },
  calendar: {
    good: ['daily', '*:0/15', 'Mon..Fri *-*-* 04:00', '*-*-* 02:30:00', 'Sat,Sun 10:00', '*-*-01 00:00:00 Europe/Paris'],
    bad: ['every 15 minutes', '25/61', 'Mon..Fri 04:00 Mars/Olympus', '*/15 * * * *'],
  },
  'time-of-day': { good: ['04:00', '23:59', '00:00'], bad: ['24:00', '4:00', '04:60', 'now', '04:00:00'] },
  ip: { good: ['10.0.0.1', '0.0.0.0', '::1', '2001:db8::1'], bad: ['10.0.0.256', 'localhost', '10.0.0.0/8', ''] },
  cidr: { good: ['203.0.113.10/24', '10.0.0.0/8', '2001:db8::/32'], bad: ['203.0.113.10', '10.0.0.0/33', '2001:db8::/129', 'net/8'] },
  'ip-or-cidr': { good: ['203.0.113.7', '10.0.0.0/8', '::1', 'fd00::/8'], bad: ['office', '10.0.0.0/40', '10.0.0'] },
  port: { good: [1, 22, 8080, 65535], bad: [0, 65536, -1] },
};

describe('role variable formats', () => {
  it.each(VAR_FORMATS)('%s: accepts what hosts read as meant, refuses the rest', (format) => {
    for (const v of CASES[format].good) expect(checkFormat(format, v), `${format} ${JSON.stringify(v)}`).toBeUndefined();
    for (const v of CASES[format].bad) expect(checkFormat(format, v)?.expected, `${format} ${JSON.stringify(v)}`).toMatch(/^Expected /);
  });

  it('suggests the right spelling of a time zone', () => {
    expect(checkFormat('timezone', 'europe/paris')).toEqual({ expected: 'Expected an IANA time zone name such as "Europe/Paris" or "Etc/UTC"', hint: ' (did you mean "Europe/Paris"?)' });
    expect(checkFormat('timezone', 'Europe/Pari')?.hint).toBe(' (did you mean "Europe/Paris"?)');
    expect(checkFormat('timezone', 'Mars/Olympus')?.hint).toBe('');
  });

  it('leaves values of another type to the type check', () => {
    expect(checkFormat('port', '80')).toBeUndefined();
    expect(checkFormat('timezone', 3)).toBeUndefined();
  });
});
