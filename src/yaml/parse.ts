/**
 * YAML with source locations. `parseYaml` turns text into a `YamlDoc`: plain data (null-prototype
 * maps), the issues found (syntax, duplicate keys, limits, tags), the paths of secret-tagged
 * values, and a LocationIndex to point any later validation issue at `file:line:col`.
 */
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { InputIssue, SourceLocation } from '../errors.js';
import { LocationIndex, type KeyPath } from './locations.js';
import { looksLikeEnvelope } from './vault-file.js';
import { DEFAULT_LIMITS, SECRET_TAG, VAULT_FILE_TAG, VAULT_TAG, walkDocument, type DecryptTag, type YamlLimits } from './walk.js';

export interface YamlDoc {
  /** The file as shown in messages (relative to the working directory when inside it). */
  file: string;
  /** Plain data; undefined when the document could not be parsed safely (see `issues`). */
  value: unknown;
  /** False when syntax errors or safety limits made `value` unusable (other issues leave it usable). */
  ok: boolean;
  issues: InputIssue[];
  /** Paths of values tagged `!secret` or `!vault`. */
  secretPaths: (string | number)[][];
  /** Paths of values that came from the vault (`!vault` values, every top-level key of a vault file). */
  vaultPaths: (string | number)[][];
  at(path: KeyPath): SourceLocation;
  keyAt(path: KeyPath): SourceLocation;
  has(path: KeyPath): boolean;
}

export interface ParseYamlOptions {
  /** Name used in locations. */
  file: string;
  limits?: Partial<YamlLimits>;
  decryptTag?: DecryptTag;
}

// The yaml package only needs to know these tags exist; the walker gives them meaning.
const CUSTOM_TAGS = [SECRET_TAG, VAULT_TAG].map((tag) => ({ tag, resolve: (s: string) => s }));

export function parseYaml(text: string, opts: ParseYamlOptions): YamlDoc {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const index = new LocationIndex(opts.file);
  const issues: InputIssue[] = [];
  const secretPaths: (string | number)[][] = [];
  const vaultPaths: (string | number)[][] = [];
  const base = { file: opts.file, issues, secretPaths, vaultPaths, at: index.at.bind(index), keyAt: index.keyAt.bind(index), has: index.has.bind(index) };

  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    issues.push({ location: { file: opts.file, line: 1, col: 1 }, path: [], message: `File is ${bytes} bytes, more than the ${limits.maxBytes} bytes allowed` });
    return { ...base, value: undefined, ok: false };
  }

  // A whole vault file (`wpha vault encrypt`): decrypted here; every top-level value is secret.
  // Locations then refer to the decrypted text, as `wpha vault view` shows it.
  const wholeVault = looksLikeEnvelope(text);
  if (wholeVault) {
    const why = !opts.decryptTag ? 'no vault key was given' : undefined;
    try {
      if (why) throw new Error(why);
      text = opts.decryptTag!(VAULT_FILE_TAG, text);
    } catch (err) {
      issues.push({ location: { file: opts.file, line: 1, col: 1 }, path: [], message: `Cannot decrypt this vault file: ${(err as Error).message}` });
      return { ...base, value: undefined, ok: false };
    }
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    version: '1.2',
    schema: 'core',
    merge: false,
    customTags: CUSTOM_TAGS,
  });
  const toIssue = (e: YAMLError): InputIssue => {
    const pos = lineCounter.linePos(e.pos[0]);
    return { location: { file: opts.file, line: pos.line, col: pos.col }, path: [], message: yamlMessage(e, limits, text) };
  };
  // Runaway nesting makes the parser fail at several depths; the first report says it all.
  const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION' || e.message.includes('Maximum call stack'));
  issues.push(...(exhausted ? [exhausted] : doc.errors).map(toIssue));
  // Unknown tags are reported by the walker with a clearer message; every other warning counts.
  issues.push(...doc.warnings.filter((w) => w.code !== 'TAG_RESOLVE_FAILED').map(toIssue));
  if (issues.length > 0) return { ...base, value: undefined, ok: false };

  const walked = walkDocument({ doc, lineCounter, index, limits, decryptTag: opts.decryptTag, issues, secretPaths, vaultPaths });
  if (wholeVault && walked.value !== null && typeof walked.value === 'object') {
    for (const key of Object.keys(walked.value)) {
      secretPaths.push([key]);
      vaultPaths.push([key]);
    }
  }
  // Skipped keys, unknown tags and failed decryption are reported but leave the rest usable, so
  // the loaders go on and report everything else too. Only a hit limit makes the value unusable.
  return { ...base, value: walked.aborted ? undefined : walked.value, ok: !walked.aborted };
}

function yamlMessage(e: YAMLError, limits: YamlLimits, text: string): string {
  switch (e.code) {
    case 'DUPLICATE_KEY': {
      // The error points at the repeated key: name it (a duplicate host or var is the usual case).
      const rest = text.slice(e.pos[0], text.indexOf('\n', e.pos[0]) === -1 ? undefined : text.indexOf('\n', e.pos[0]));
      const key = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s:#'"][^:#]*?)\s*:(?:\s|$)/.exec(rest)?.[1];
      const named = key !== undefined && key.length <= 80 ? ` ${key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`}` : '';
      return `Duplicate key${named}: this map already has an entry with this key`;
    }
    case 'MULTIPLE_DOCS':
      return 'Expected a single YAML document, found several (remove the "---" separators)';
    default:
      // The parser reports runaway recursion as an error of its own; say what it means.
      if (e.message.includes('Maximum call stack')) return `Nesting is deeper than ${limits.maxDepth} levels; refusing to load it`;
      return `Invalid YAML: ${e.message}`;
  }
}
