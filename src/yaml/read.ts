/**
 * Reading YAML files from disk with the size limit checked before the file is read. Read
 * synchronously: they are small (the limit sees to it) and read one after another before the
 * first connection, when there is nothing else to do; each asynchronous stat and read was a trip
 * through libuv's thread pool and a turn of the event loop, ~8 ms of a 10-host no-op's ~105 ms to
 * its first connection (docs/startup.md).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseYaml, type ParseYamlOptions, type YamlDoc } from './parse.js';
import { DEFAULT_LIMITS } from './walk.js';

/** How a file is named in messages: relative to `cwd` when inside it, else absolute. */
export function displayPath(absPath: string, cwd: string): string {
  const rel = path.relative(cwd, absPath);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : absPath;
}

export interface ReadYamlOptions extends Omit<ParseYamlOptions, 'file'> {
  /** Base for the display path of the file. */
  cwd: string;
}

/** Reads and parses one YAML file. A missing or unreadable file becomes an issue, never a throw. */
export async function readYamlFile(absPath: string, opts: ReadYamlOptions): Promise<YamlDoc> {
  const file = displayPath(absPath, opts.cwd);
  const maxBytes = opts.limits?.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  try {
    const info = statSync(absPath);
    if (!info.isFile()) return failed(file, `Expected a file, found ${info.isDirectory() ? 'a directory' : 'something else'}`);
    if (info.size > maxBytes) return failed(file, `File is ${info.size} bytes, more than the ${maxBytes} bytes allowed`);
    const text = readFileSync(absPath, 'utf8');
    return parseYaml(text, { ...opts, file });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return failed(file, code === 'ENOENT' ? 'File does not exist' : `Cannot read the file: ${(err as Error).message}`);
  }
}

function failed(file: string, message: string): YamlDoc {
  const doc = parseYaml('', { file });
  return { ...doc, value: undefined, ok: false, issues: [{ location: { file, line: 1, col: 1 }, path: [], message }] };
}
