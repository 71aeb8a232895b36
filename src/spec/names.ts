/** Name and address rules shared by the inventory and role loaders. */
import { isIPv4, isIPv6 } from 'node:net';

export const HOST_NAME = /^[a-z][a-z0-9_.-]*$/;
export const GROUP_NAME = /^[a-z][a-z0-9_-]*$/;
export const ROLE_NAME = /^[a-z][a-z0-9_-]*$/;
/** Variables are referenced in templates and `when` expressions, so they must be identifiers. */
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const UNIX_USER = /^[a-z_][a-z0-9_-]*\$?$/;

export const HOST_NAME_RULE = 'Expected a host name of lowercase letters, digits, ".", "_" and "-", starting with a letter';
export const GROUP_NAME_RULE = 'Expected a group name of lowercase letters, digits, "_" and "-", starting with a letter';
export const ROLE_NAME_RULE = 'Expected a role name of lowercase letters, digits, "_" and "-", starting with a letter';
export const VAR_NAME_RULE = 'Expected a variable name of letters, digits and "_", not starting with a digit';

/**
 * Names that are valid identifiers but would become prototype keys when used to store a value
 * (`-e __proto__=...`, `register: constructor`); the YAML reader refuses them as keys already.
 */
export const RESERVED_VAR_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function reservedVarNameMessage(name: string): string {
  return `"${name}" cannot be used as a variable name (it could alter object prototypes)`;
}

const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** RFC 1123 host name: dot-separated labels, at most 253 characters, last label not all digits. */
export function isDnsName(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  // An all-numeric last label would make "10.0.0.300" a "name": it is a mistyped address.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return false;
  return labels.every((l) => DNS_LABEL.test(l));
}

/** An IPv4 address, an IPv6 address or a DNS name. */
export function isValidAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(s) || isDnsName(s);
}

/** `[user@]host[:port]`, host being an address or `[ipv6]`. */
export function isValidProxyJump(s: string): boolean {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m) return false;
  const [, user, hostPart, port] = m;
  if (user !== undefined && !UNIX_USER.test(user)) return false;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
  const host = hostPart!.startsWith('[') ? hostPart!.slice(1, -1) : hostPart!;
  return hostPart!.startsWith('[') ? isIPv6(host) : isIPv4(host) || isDnsName(host);
}
