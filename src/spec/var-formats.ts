/**
 * Typed formats of role variables (`format:` in role.yaml): values with a known domain are
 * checked at load, with the file and line where they were set, instead of failing on a host (or,
 * worse, being read differently than meant: PHP reads `256mb` as 256 bytes).
 *
 * Time zones are checked against the IANA names of Node's ICU (`Intl`), which knows the aliases
 * too (UTC, Etc/UTC, US/Pacific), not against the controller's /usr/share/zoneinfo: a controller
 * without tzdata (a container, macOS) checks the same. Names are case-sensitive on the hosts, so
 * `europe/paris` is refused with the right spelling as a hint.
 */
import { isIP } from 'node:net';
import { closestMatch } from '../yaml/suggest.js';

export const VAR_FORMATS = ['timezone', 'locale', 'size', 'php-size', 'redis-size', 'duration', 'timespan', 'calendar', 'time-of-day', 'ip', 'cidr', 'ip-or-cidr', 'port'] as const;
export type VarFormat = (typeof VAR_FORMATS)[number];

interface FormatRule {
  /** The value type the format applies to (for a list: its items). */
  type: 'string' | 'integer';
  /** What is expected, for messages ("expected ..."). */
  expected: string;
  /** Undefined when the value fits; else a hint (may be ''). */
  check(value: string | number): string | undefined;
}

const ok = (fits: boolean): string | undefined => (fits ? undefined : '');
const re = (pattern: RegExp) => (v: string | number) => ok(typeof v === 'string' && pattern.test(v));

const CANONICAL_ZONES = Intl.supportedValuesOf('timeZone');

function checkTimeZone(v: string | number): string | undefined {
  if (typeof v !== 'string') return '';
  // The shape of tz database names: segments starting with a letter (no "+05:00", no "../").
  if (/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z][A-Za-z0-9_+-]*)*$/.test(v)) {
    let resolved: string | undefined;
    try {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: v }).resolvedOptions().timeZone;
    } catch {
      // not a zone Intl knows
    }
    if (resolved === v) return undefined;
    // Intl ignores case; the hosts' file names do not: "europe/paris" is refused, with a hint.
    if (resolved && resolved.toLowerCase() === v.toLowerCase()) return hint(resolved);
    // An alias (US/Pacific, Etc/UTC) resolves to another name: its segments must be capitalised.
    if (resolved) return v.split('/').every((seg) => /^[A-Z]/.test(seg)) ? undefined : hint(resolved);
  }
  const near = closestMatch(v, CANONICAL_ZONES, 3);
  return near ? hint(near) : '';
}

const hint = (name: string): string => ` (did you mean "${name}"?)`;

const TIME_SPAN_UNITS = 'usec|us|µs|msec|ms|seconds|second|sec|s|minutes|minute|min|m|hours|hour|hr|h|days|day|d|weeks|week|w|months|month|M|years|year|y';
const WEEKDAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*';
const CALENDAR_SHORTHANDS = new Set(['minutely', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'annually', 'quarterly', 'semiannually']);

/** systemd's OnCalendar: a shorthand, or [weekdays] [date] [time] [time zone], each checked for its shape. */
function checkCalendar(v: string | number): string | undefined {
  if (typeof v !== 'string') return '';
  if (CALENDAR_SHORTHANDS.has(v)) return undefined;
  const parts = v.trim().split(/\s+/);
  const shapes = [new RegExp(`^${WEEKDAY}((,|\\.\\.)${WEEKDAY})*$`, 'i'), /^[0-9*][0-9*/,.~]*-[0-9*/,.~-]+$/, /^[0-9*][0-9*/,.]*:[0-9*/,.]+(:[0-9*/,.]+)?$/];
  let next = 0;
  for (const [i, part] of parts.entries()) {
    const k = shapes.findIndex((s, j) => j >= next && s.test(part));
    if (k >= 0) next = k + 1;
    else if (!(i === parts.length - 1 && i > 0 && checkTimeZone(part) === undefined)) return '';
  }
  return undefined;
}

function isCidr(v: string | number): boolean {
  if (typeof v !== 'string') return false;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  const family = m ? isIP(m[1]!) : 0;
  return family !== 0 && Number(m![2]) <= (family === 4 ? 32 : 128);
}

const RULES: Record<VarFormat, FormatRule> = {
  timezone: { type: 'string', expected: 'an IANA time zone name such as "Europe/Paris" or "Etc/UTC"', check: checkTimeZone },
  locale: {
    type: 'string',
    expected: 'a locale name such as "C.UTF-8" or "en_US.UTF-8"',
    check: re(/^(C|POSIX|C\.(UTF-8|utf8)|[a-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@[a-z]+)?)$/),
  },
  size: { type: 'string', expected: 'a size in bytes, or with k, m or g (nginx and PHP read "64m", "2G")', check: re(/^\d+[kKmMgG]?$/) },
  'php-size': { type: 'string', expected: 'a PHP size such as "256M" or "1G", or -1 (no limit)', check: re(/^(\d+[kKmMgG]?|-1)$/) },
  'redis-size': { type: 'string', expected: 'a Redis size such as "256mb", "2gb" or "512m"', check: re(/^\d+([kKmMgG][bB]?)?$/) },
  duration: { type: 'string', expected: 'a duration with its unit: ms, s, m, h or d (e.g. "30s", "24h"), as nginx and HAProxy read it', check: re(/^\d+(ms|s|m|h|d)$/) },
  timespan: { type: 'string', expected: 'a systemd time span such as "2min", "1h 30min" or "45s"', check: re(new RegExp(`^(\\d+(\\.\\d+)?\\s*(${TIME_SPAN_UNITS})?\\s*)+$|^infinity$`)) },
  calendar: { type: 'string', expected: 'a systemd calendar event such as "daily", "*:0/15" or "Mon..Fri *-*-* 04:00"', check: checkCalendar },
  'time-of-day': { type: 'string', expected: 'a time of day as HH:MM (00:00 to 23:59)', check: re(/^([01]\d|2[0-3]):[0-5]\d$/) },
  ip: { type: 'string', expected: 'an IPv4 or IPv6 address', check: (v) => ok(typeof v === 'string' && isIP(v) !== 0) },
  cidr: { type: 'string', expected: 'an address with its prefix length, such as "203.0.113.10/24"', check: (v) => ok(isCidr(v)) },
  'ip-or-cidr': { type: 'string', expected: 'an IPv4 or IPv6 address, or a network such as "10.0.0.0/8"', check: (v) => ok(isCidr(v) || (typeof v === 'string' && isIP(v) !== 0)) },
  port: { type: 'integer', expected: 'a port number (1 to 65535)', check: (v) => ok(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535) },
};

/** The value type a format applies to. */
export const formatType = (format: VarFormat): 'string' | 'integer' => RULES[format].type;

/**
 * Why `value` does not fit `format`: what was expected, and a hint (" (did you mean ...)") or
 * ''. Undefined when it fits; values of the wrong type are left to the type check.
 */
export function checkFormat(format: VarFormat, value: unknown): { expected: string; hint: string } | undefined {
  const rule = RULES[format];
  if (rule.type === 'string' ? typeof value !== 'string' : typeof value !== 'number') return undefined;
  const why = rule.check(value as string | number);
  return why === undefined ? undefined : { expected: `Expected ${rule.expected}`, hint: why };
}
