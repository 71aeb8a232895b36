/**
 * Reading and writing the state file. Writes go to a temp file in the same folder, are flushed
 * to disk, and renamed over the old one, so a reader (or a crash) only ever sees a whole file.
 * Writers hold the state lock (see `withStateLock`): one `wpha upgrade` or `wpha machines` at a
 * time per inventory. Readers (the inventory loader) need no lock.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { WphaError } from '../errors.js';
import { withLock } from '../lab/lock.js';
import { STATE_FILE, STATE_LOCK, StateFileSchema, type MachineRecord, type StateFile } from './schema.js';

export const stateFilePath = (inventoryDir: string): string => path.join(inventoryDir, STATE_FILE);

export function emptyState(): StateFile {
  return { version: 1, id: randomBytes(6).toString('hex'), machines: {} };
}

/** The state of an inventory (an empty one, with a new id, when there is no file yet). */
export function readState(inventoryDir: string): StateFile {
  const file = stateFilePath(inventoryDir);
  if (!existsSync(file)) return emptyState();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new WphaError(`Cannot read the state file "${file}": ${(e as Error).message}`);
  }
  const parsed = StateFileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new WphaError(`Cannot read the state file "${file}": ${first.path.join('.') || '(document)'}: ${first.message}`);
  }
  return parsed.data;
}

export function writeState(inventoryDir: string, state: StateFile): void {
  const file = stateFilePath(inventoryDir);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, JSON.stringify(sortedState(state), null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  // The rename itself must reach the disk before anything the new state describes is done.
  const dirFd = openSync(inventoryDir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Machines by name, in name order: the file diffs well in version control. */
function sortedState(s: StateFile): StateFile {
  const machines: Record<string, MachineRecord> = {};
  for (const name of Object.keys(s.machines).sort()) machines[name] = s.machines[name]!;
  return { ...s, machines };
}

/**
 * Run `fn` holding the inventory's state lock. A lock left by a process that no longer runs (a
 * killed upgrade) is taken over; one held by a live process is refused after `timeoutMs`,
 * naming its pid.
 */
export async function withStateLock<T>(inventoryDir: string, fn: () => Promise<T>, timeoutMs = 3000): Promise<T> {
  return withLock(path.join(inventoryDir, STATE_LOCK), fn, timeoutMs, `the state of inventory "${path.basename(inventoryDir)}" (another wpha upgrade or wpha machines runs)`);
}

/** A state that is changed and written step by step (each step written before it is acted on). */
export class StateStore {
  state: StateFile;
  constructor(readonly inventoryDir: string) {
    this.state = readState(inventoryDir);
  }

  /** Change the state and write it at once. */
  update(fn: (s: StateFile) => void): void {
    fn(this.state);
    writeState(this.inventoryDir, this.state);
  }

  machine(name: string): MachineRecord | undefined {
    return this.state.machines[name];
  }

  setMachine(name: string, rec: MachineRecord): void {
    this.update((s) => (s.machines[name] = rec));
  }

  patchMachine(name: string, patch: Partial<MachineRecord>): void {
    this.update((s) => {
      const m = s.machines[name];
      if (!m) throw new WphaError(`No machine "${name}" in the state file`);
      s.machines[name] = { ...m, ...patch };
    });
  }

  dropMachine(name: string): void {
    this.update((s) => void delete s.machines[name]);
  }
}
