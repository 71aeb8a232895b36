import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { findVaultScalars, replaceVaultScalars, vaultSnippet } from './yaml-values.js';

const tags = [
  { tag: '!vault', resolve: (s: string) => s },
  { tag: '!secret', resolve: (s: string) => s },
];
const parsed = (text: string) => parse(text, { customTags: tags }) as Record<string, unknown>;

const TEXT = `# database settings
db_user: wp   # a comment that must survive
db_password: !vault |
    $WPHA_VAULT;old-one
    AAAA
other: !secret plain
list:
  - !vault |
    $WPHA_VAULT;old-two
  - keep
flow: { k: !vault "$WPHA_VAULT;old-three" }
last: !vault |-
  $WPHA_VAULT;old-four`;

describe('vault values in YAML text', () => {
  it('finds every !vault scalar with its line, value and style', () => {
    const found = findVaultScalars(TEXT);
    expect(found.map((s) => [s.line, s.value.trim(), s.block])).toEqual([
      [3, '$WPHA_VAULT;old-one\nAAAA', true],
      [8, '$WPHA_VAULT;old-two', true],
      [11, '$WPHA_VAULT;old-three', false],
      [12, '$WPHA_VAULT;old-four', true],
    ]);
  });

  it('replaces envelopes in place and leaves every other byte as it was', () => {
    const found = findVaultScalars(TEXT);
    const out = replaceVaultScalars(
      TEXT,
      found.map((scalar, i) => ({ scalar, envelope: `$WPHA_VAULT;new-${i}\nBBBB${i}\nCCCC${i}\n` })),
    );
    const data = parsed(out);
    expect(data.db_password).toBe('$WPHA_VAULT;new-0\nBBBB0\nCCCC0\n');
    expect((data.list as unknown[])[0]).toBe('$WPHA_VAULT;new-1\nBBBB1\nCCCC1\n');
    expect((data.list as unknown[])[1]).toBe('keep');
    expect((data.flow as Record<string, unknown>).k).toBe('$WPHA_VAULT;new-2\nBBBB2\nCCCC2\n');
    expect(data.last).toBe('$WPHA_VAULT;new-3\nBBBB3\nCCCC3');
    // Untouched parts, comments included, are identical.
    expect(out.startsWith('# database settings\ndb_user: wp   # a comment that must survive\ndb_password: !vault |\n    $WPHA_VAULT;new-0\n    BBBB0\n    CCCC0\nother: !secret plain\n')).toBe(true);
    expect(findVaultScalars(out)).toHaveLength(4);
  });

  it('writes encrypt-string snippets that load back to the envelope', () => {
    const env = '$WPHA_VAULT;x\nAAAA\n';
    expect(vaultSnippet(env, 'db_password')).toBe('db_password: !vault |\n  $WPHA_VAULT;x\n  AAAA\n');
    expect(parsed(vaultSnippet(env, 'db_password')).db_password).toBe(env);
    expect(vaultSnippet(env)).toBe('!vault |\n  $WPHA_VAULT;x\n  AAAA\n');
  });

  it('refuses folded blocks (they would change the envelope) and invalid YAML', () => {
    const folded = 'a: !vault >\n  $WPHA_VAULT;x\n';
    const [s] = findVaultScalars(folded);
    expect(() => replaceVaultScalars(folded, [{ scalar: s!, envelope: 'y' }])).toThrow('the "!vault" value at line 1 is a folded block (">"); write it as a literal block ("|")');
    expect(() => findVaultScalars('a: [1, 2\nb: 3\n')).toThrow(/^invalid YAML: /);
  });
});
