import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readState, StateStore, withStateLock, writeState, emptyState, stateFilePath } from './state-file.js';
import { STATE_LOCK } from './schema.js';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'wpha-state-'));
const machine = { group: 'web', provider: 'lab', image: 'g1', created: '2026-12-04T10:00:00Z', status: 'creating' as const };

describe('state file', () => {
  it('is empty (with a new id) when absent, and reads back what was written, machines in name order', () => {
    const dir = fresh();
    const s = readState(dir);
    expect(s).toMatchObject({ version: 1, machines: {} });
    expect(s.id).toMatch(/^[a-z0-9]{12}$/);
    s.machines['web-b'] = machine;
    s.machines['web-a'] = { ...machine, status: 'serving', address: '10.0.0.2' };
    writeState(dir, s);
    expect(readState(dir)).toEqual(s);
    expect(Object.keys(JSON.parse(readFileSync(stateFilePath(dir), 'utf8')).machines)).toEqual(['web-a', 'web-b']);
    // Written through a temp file renamed into place: nothing else is left in the folder.
    expect(readdirSync(dir)).toEqual(['wpha-state.json']);
  });

  it('StateStore writes every step at once', () => {
    const dir = fresh();
    const store = new StateStore(dir);
    store.setMachine('web-a', machine);
    expect(readState(dir).machines['web-a']!.status).toBe('creating');
    store.patchMachine('web-a', { status: 'canary', address: '10.0.0.5' });
    expect(readState(dir).machines['web-a']).toMatchObject({ status: 'canary', address: '10.0.0.5' });
    expect(() => store.patchMachine('nope', {})).toThrow('No machine "nope" in the state file');
    store.dropMachine('web-a');
    expect(readState(dir).machines).toEqual({});
  });

  it('refuses a damaged file, naming it and the key', () => {
    const dir = fresh();
    writeFileSync(stateFilePath(dir), JSON.stringify({ ...emptyState(), machines: { x: { ...machine, status: 'dozing' } } }));
    expect(() => readState(dir)).toThrow(/Cannot read the state file ".*wpha-state.json": machines\.x\.status: /);
    writeFileSync(stateFilePath(dir), '{ "version": 1,');
    expect(() => readState(dir)).toThrow(/Cannot read the state file ".*wpha-state.json": /);
  });

  it('the lock: one holder at a time; a live holder is named, a dead one is taken over', async () => {
    const dir = fresh();
    const lock = path.join(dir, STATE_LOCK);
    // Held by a process that runs (our parent): refused after the timeout, naming the pid.
    writeFileSync(lock, `${process.ppid}\n2026-12-04T10:00:00Z\n`);
    await expect(withStateLock(dir, async () => 1, 300)).rejects.toThrow(`is held by pid ${process.ppid}`);
    await expect(withStateLock(dir, async () => 1, 300)).rejects.toThrow(/Cannot lock the state of inventory "wpha-state-\w+" \(another wpha upgrade or wpha machines runs\)/);
    // Left by a process that is gone (a killed upgrade): taken over.
    writeFileSync(lock, '2147483646\n2026-12-04T10:00:00Z\n');
    expect(await withStateLock(dir, async () => 'ran', 300)).toBe('ran');
    expect(readdirSync(dir)).toEqual([]);
  });
});
