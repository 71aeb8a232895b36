import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { digestInputs, type LoadInputs } from './input-digest.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A role folder, its files/, a shared.yaml beside it, and the inputs naming them. */
function fixture(): { root: string; role: string; inputs: LoadInputs } {
  const root = mkdtempSync(path.join(tmpdir(), 'wpha-digest-'));
  dirs.push(root);
  const role = path.join(root, 'roles', 'web');
  mkdirSync(path.join(role, 'templates', 'partials'), { recursive: true });
  mkdirSync(path.join(role, 'files'), { recursive: true });
  writeFileSync(path.join(role, 'role.yaml'), 'name: web\n');
  writeFileSync(path.join(role, 'templates', 'site.conf.hbs'), 'server {{ port }};\n');
  writeFileSync(path.join(role, 'files', 'plugin.zip'), 'zip bytes');
  writeFileSync(path.join(root, 'roles', 'shared.yaml'), 'variables: {}\n');
  return {
    root,
    role,
    inputs: {
      trees: [role, path.join(root, 'partials')],
      files: [path.join(root, 'roles', 'shared.yaml')],
      exists: [path.join(root, 'inv', 'roles', 'web', 'role.yaml')],
      namesOnly: ['files'],
      skip: ['.git'],
    },
  };
}

/** Writes a file keeping its size and modification time: only its content tells the change. */
function sameSizeAndTime(file: string, text: string): void {
  const when = 1_700_000_000; // whole seconds: set exactly on every file system
  utimesSync(file, when, when);
  const before = statSync(file);
  expect(Buffer.byteLength(text)).toBe(before.size);
  writeFileSync(file, text);
  utimesSync(file, when, when);
  expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
}

describe('digest of what a load read', () => {
  it('is the same while nothing changes, and differs with the salt (the code that loaded)', () => {
    const { inputs } = fixture();
    const a = digestInputs(inputs, 'code1').digest;
    expect(digestInputs(inputs, 'code1').digest).toBe(a);
    expect(digestInputs(inputs, 'code2').digest).not.toBe(a);
  });

  it('sees an edit by its content, even with the same size and time', () => {
    const { role, inputs } = fixture();
    const file = path.join(role, 'templates', 'site.conf.hbs');
    sameSizeAndTime(file, 'server {{ port }};\n');
    const a = digestInputs(inputs, 'c').digest;
    sameSizeAndTime(file, 'server {{ prt_ }};\n');
    expect(digestInputs(inputs, 'c').digest).not.toBe(a);
  });

  it('sees a file added, removed or renamed anywhere in a tree, and a folder made where there was none', () => {
    const { root, role, inputs } = fixture();
    const seen = new Set([digestInputs(inputs, 'c').digest]);
    const next = () => {
      const d = digestInputs(inputs, 'c').digest;
      expect(seen.has(d)).toBe(false);
      seen.add(d);
    };
    writeFileSync(path.join(role, 'templates', 'partials', 'head.hbs'), 'x');
    next();
    unlinkSync(path.join(role, 'templates', 'partials', 'head.hbs'));
    writeFileSync(path.join(role, 'templates', 'partials', 'head2.hbs'), 'x');
    next();
    mkdirSync(path.join(root, 'partials'));
    writeFileSync(path.join(root, 'partials', 'p.hbs'), 'p');
    next();
  });

  it('sees a shared.yaml appear, change or go, and a role appear in an earlier search folder', () => {
    const { root, inputs } = fixture();
    const shared = path.join(root, 'roles', 'shared.yaml');
    sameSizeAndTime(shared, 'variables: {}\n');
    const a = digestInputs(inputs, 'c').digest;
    sameSizeAndTime(shared, 'variables: []\n');
    const b = digestInputs(inputs, 'c').digest;
    unlinkSync(shared);
    const c = digestInputs(inputs, 'c').digest;
    mkdirSync(path.join(root, 'inv', 'roles', 'web'), { recursive: true });
    writeFileSync(path.join(root, 'inv', 'roles', 'web', 'role.yaml'), 'name: web\n');
    const d = digestInputs(inputs, 'c').digest;
    expect(new Set([a, b, c, d]).size).toBe(4);
  });

  it('follows a symbolic link and sees where it leads', () => {
    const { root, role, inputs } = fixture();
    writeFileSync(path.join(root, 'one.hbs'), 'same');
    writeFileSync(path.join(root, 'two.hbs'), 'same');
    symlinkSync(path.join(root, 'one.hbs'), path.join(role, 'templates', 'linked.hbs'));
    const a = digestInputs(inputs, 'c').digest;
    writeFileSync(path.join(root, 'one.hbs'), 'edit');
    const b = digestInputs(inputs, 'c').digest;
    expect(b).not.toBe(a);
    unlinkSync(path.join(role, 'templates', 'linked.hbs'));
    symlinkSync(path.join(root, 'two.hbs'), path.join(role, 'templates', 'linked.hbs'));
    writeFileSync(path.join(root, 'one.hbs'), 'same');
    expect(digestInputs(inputs, 'c').digest).not.toBe(a);
  });

  it('ends on a link loop instead of following it forever', () => {
    const { role, inputs } = fixture();
    symlinkSync(role, path.join(role, 'templates', 'loop'));
    const a = digestInputs(inputs, 'c').digest;
    expect(digestInputs(inputs, 'c').digest).toBe(a);
  });

  it("counts a role's files/ by name, size and time without reading them", () => {
    const { role, inputs } = fixture();
    const zip = path.join(role, 'files', 'plugin.zip');
    sameSizeAndTime(zip, 'zip bytes');
    const a = digestInputs(inputs, 'c').digest;
    // Loading only looks for these files: the same size and time is the same input.
    sameSizeAndTime(zip, 'ZIP BYTES');
    expect(digestInputs(inputs, 'c').digest).toBe(a);
    writeFileSync(zip, 'zip bytes, longer');
    expect(digestInputs(inputs, 'c').digest).not.toBe(a);
  });

  it("leaves out what a load never reads: a role's own .git", () => {
    const { role, inputs } = fixture();
    const a = digestInputs(inputs, 'c').digest;
    mkdirSync(path.join(role, '.git', 'objects'), { recursive: true });
    writeFileSync(path.join(role, '.git', 'objects', 'pack'), 'many bytes');
    expect(digestInputs(inputs, 'c').digest).toBe(a);
    // Only at the top of the tree: a .git deeper down is an ordinary folder of templates/.
    mkdirSync(path.join(role, 'templates', '.git'));
    expect(digestInputs(inputs, 'c').digest).not.toBe(a);
  });

  it('tells the newest time of what it read, when asked', () => {
    const { role, inputs } = fixture();
    expect(digestInputs(inputs, 'c').newest).toBeUndefined();
    const before = digestInputs(inputs, 'c', { times: true }).newest!;
    const later = Math.ceil(before / 1000) + 60; // seconds
    utimesSync(path.join(role, 'role.yaml'), later, later);
    expect(digestInputs(inputs, 'c', { times: true }).newest).toBe(later * 1000);
  });
});
