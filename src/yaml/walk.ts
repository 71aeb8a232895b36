/**
 * Turns a parsed YAML AST into plain data while enforcing the safety rules: a bounded number of
 * alias expansions (alias bombs), bounded nesting, no prototype-polluting keys, only known tags.
 * Maps become null-prototype objects, so no YAML key can ever reach Object.prototype.
 * Every value's and key's position is recorded in a LocationIndex on the way.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node as YamlNode } from 'yaml';
import type { InputIssue, SourceLocation } from '../errors.js';
import type { KeyPath, LocationIndex } from './locations.js';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface YamlLimits {
  /** Files larger than this are refused before parsing. */
  maxBytes: number;
  /** Alias dereferences allowed while expanding a document. */
  maxAliasCount: number;
  /** Collection nesting allowed. */
  maxDepth: number;
  /** Values produced in total (bounds what aliases may multiply). */
  maxNodes: number;
}

export const DEFAULT_LIMITS: YamlLimits = { maxBytes: 4 * 1024 * 1024, maxAliasCount: 100, maxDepth: 64, maxNodes: 1_000_000 };

/**
 * Resolves a value tagged `!vault <ciphertext>` to its plaintext (the vault plugs in here).
 * Throw an Error whose message says why decryption failed.
 */
export type DecryptTag = (tag: string, text: string) => string;

/** Tags wpha understands on scalar values. Their values are secret. */
export const SECRET_TAG = '!secret';
export const VAULT_TAG = '!vault';
/** Passed to `DecryptTag` for a whole vault file (every value in it is secret). */
export const VAULT_FILE_TAG = '!vault-file';

export interface WalkContext {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  index: LocationIndex;
  limits: YamlLimits;
  decryptTag?: DecryptTag;
  issues: InputIssue[];
  secretPaths: (string | number)[][];
  /** Paths of values decrypted from the vault (a subset of secretPaths). */
  vaultPaths: (string | number)[][];
}

const CORE_TAG_PREFIX = 'tag:yaml.org,2002:';

/** Returns the plain value, or `{ aborted: true }` when a limit was hit (the document is then unusable). */
export function walkDocument(ctx: WalkContext): { value: unknown; aborted: boolean } {
  const state = { aliases: 0, nodes: 0, aborted: false };

  const locate = (offset: number | undefined): SourceLocation => {
    const pos = ctx.lineCounter.linePos(offset ?? 0);
    return { file: ctx.index.file, line: pos.line, col: pos.col };
  };
  const fail = (path: KeyPath, offset: number | undefined, message: string): undefined => {
    ctx.issues.push({ location: locate(offset), path: [...path], message });
    return undefined;
  };

  const walk = (node: unknown, path: (string | number)[], depth: number, keyOffset?: number): unknown => {
    if (state.aborted) return undefined;
    if (node === null || node === undefined) {
      // `key:` with nothing after it: a null value, located at its key.
      if (keyOffset !== undefined) ctx.index.setValue(path, locate(keyOffset));
      return null;
    }
    const n = node as YamlNode;
    if (++state.nodes > ctx.limits.maxNodes) {
      state.aborted = true;
      return fail(path, n.range?.[0], `Document expands to more than ${ctx.limits.maxNodes} values; refusing to load it`);
    }
    if (isAlias(n)) {
      if (++state.aliases > ctx.limits.maxAliasCount) {
        state.aborted = true;
        return fail(path, n.range?.[0], `Document expands more than ${ctx.limits.maxAliasCount} aliases; refusing to load it (alias bomb?)`);
      }
      const target = n.resolve(ctx.doc);
      if (!target) return fail(path, n.range?.[0], `Alias "*${n.source}" refers to no anchor`);
      ctx.index.setValue(path, locate(n.range?.[0]));
      return walk(target, path, depth, undefined);
    }
    // An empty value (`key:`) has no text of its own: point at its key instead.
    const empty = isScalar(n) && !!n.range && n.range[0] === n.range[1];
    ctx.index.setValue(path, locate(empty && keyOffset !== undefined ? keyOffset : n.range?.[0]));
    if (isScalar(n)) return scalarValue(n.value, n.tag, path, n.range?.[0]);
    if (depth >= ctx.limits.maxDepth) {
      state.aborted = true;
      return fail(path, n.range?.[0], `Nesting is deeper than ${ctx.limits.maxDepth} levels; refusing to load it`);
    }
    if (n.tag && !n.tag.startsWith(CORE_TAG_PREFIX)) {
      fail(path, n.range?.[0], `Tag "${n.tag}" applies to single values, not to maps or lists`);
    }
    if (isSeq(n)) return n.items.map((item, i) => walk(item, [...path, i], depth + 1));
    if (isMap(n)) {
      const out: Record<string, unknown> = Object.create(null);
      for (const pair of n.items) {
        const keyNode = pair.key as YamlNode | null;
        const keyOff = keyNode?.range?.[0];
        if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
          fail(path, keyOff ?? n.range?.[0], 'Map keys must be plain strings');
          continue;
        }
        const key = String(keyNode.value);
        const childPath = [...path, key];
        if (FORBIDDEN_KEYS.has(key)) {
          fail(childPath, keyOff, `Key "${key}" is not allowed (it could alter object prototypes)`);
          continue;
        }
        ctx.index.setKey(childPath, locate(keyOff));
        out[key] = walk(pair.value, childPath, depth + 1, keyOff);
      }
      return out;
    }
    return fail(path, (n as YamlNode).range?.[0], 'Unsupported YAML node');
  };

  const scalarValue = (value: unknown, tag: string | undefined, path: (string | number)[], offset: number | undefined): unknown => {
    if (!tag || tag.startsWith(CORE_TAG_PREFIX)) return value;
    if (tag === SECRET_TAG) {
      ctx.secretPaths.push(path);
      return value === null ? '' : value;
    }
    if (tag === VAULT_TAG) {
      ctx.secretPaths.push(path);
      ctx.vaultPaths.push(path);
      if (!ctx.decryptTag) return fail(path, offset, `Cannot decrypt a "${VAULT_TAG}" value: no vault key was given`);
      try {
        return ctx.decryptTag(tag, String(value ?? ''));
      } catch (err) {
        return fail(path, offset, `Cannot decrypt a "${VAULT_TAG}" value: ${(err as Error).message}`);
      }
    }
    return fail(path, offset, `Unknown tag "${tag}": expected "${SECRET_TAG}" or "${VAULT_TAG}"`);
  };

  const value = walk(ctx.doc.contents, [], 0);
  return { value, aborted: state.aborted };
}
