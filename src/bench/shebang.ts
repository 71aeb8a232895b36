/**
 * The node options bin/wpha's first line gives (`#!/usr/bin/env -S node --opt ...`): the bench
 * starts `node <these> --import <preload> bin/wpha`, so it measures the process an operator runs.
 */
export function nodeOptionsOfShebang(firstLine: string): string[] {
  const m = /^#!\s*\S*\benv(?:\s+-S)?\s+node((?:\s+--?[A-Za-z0-9][A-Za-z0-9=_.-]*)*)\s*$/.exec(firstLine);
  if (!m) throw new Error(`not a node shebang with options: ${JSON.stringify(firstLine)}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}
