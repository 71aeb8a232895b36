/**
 * `!vault` values inside YAML text, found with their exact source ranges so that rekey can
 * replace each envelope in place and leave every other byte of the file (comments, order,
 * formatting) as it was.
 */
import { parseDocument, visit, type Scalar } from 'yaml';

export const VAULT_TAG = '!vault';

export interface VaultScalar {
  /** Offsets of the value's text (after the tag): the block header `|` or the quotes. */
  start: number;
  end: number;
  /** The envelope text (the scalar's value). */
  value: string;
  /** 1-based line of the value, for messages. */
  line: number;
  /** Block literal (`!vault |`) or an inline quoted/plain scalar. */
  block: boolean;
}

export class VaultYamlError extends Error {}

/** Every `!vault` scalar of a YAML document, in source order. */
export function findVaultScalars(text: string): VaultScalar[] {
  const doc = parseDocument(text, {
    customTags: [
      { tag: VAULT_TAG, resolve: (s: string) => s },
      { tag: '!secret', resolve: (s: string) => s },
    ],
    uniqueKeys: false,
  });
  if (doc.errors.length) throw new VaultYamlError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const out: VaultScalar[] = [];
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (node.tag !== VAULT_TAG || !node.range) return;
      const [start, end] = node.range;
      out.push({ start, end, value: String(node.value ?? ''), line: lineOf(text, start), block: node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED' });
    },
  });
  return out.sort((a, b) => a.start - b.start);
}

/** Text that replaces a scalar's value with `envelope`, keeping the scalar's style where it can. */
export function replacementText(text: string, s: VaultScalar, envelope: string): string {
  const original = text.slice(s.start, s.end);
  if (!s.block) return JSON.stringify(envelope); // a JSON string is a valid YAML double-quoted scalar, in flow context too
  const headerEnd = original.indexOf('\n');
  const header = headerEnd < 0 ? '|' : original.slice(0, headerEnd).trimEnd();
  if (!header.startsWith('|')) throw new VaultYamlError(`the "!vault" value at line ${s.line} is a folded block (">"); write it as a literal block ("|")`);
  const firstContent =
    original
      .slice(headerEnd + 1)
      .split('\n')
      .find((l) => l.trim() !== '') ?? '';
  const indent = /^ */.exec(firstContent)![0] || '  ';
  const lines = envelope
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `${indent}${l}`);
  return `${header}\n${lines.join('\n')}${original.endsWith('\n') ? '\n' : ''}`;
}

/** `text` with each scalar's envelope replaced (replacements are applied back to front). */
export function replaceVaultScalars(text: string, replacements: { scalar: VaultScalar; envelope: string }[]): string {
  let out = text;
  for (const { scalar, envelope } of [...replacements].sort((a, b) => b.scalar.start - a.scalar.start)) {
    out = out.slice(0, scalar.start) + replacementText(text, scalar, envelope) + out.slice(scalar.end);
  }
  return out;
}

/** A YAML snippet for `encrypt-string`: `name: !vault |` and the envelope indented under it. */
export function vaultSnippet(envelope: string, name?: string): string {
  const body = envelope
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  return `${name ? `${name}: ` : ''}${VAULT_TAG} |\n${body}\n`;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
