/**
 * Who the primary is and what each node must become, for the states a group goes through:
 * new, healthy, primary restarted, promoted, failed over with the old primary back, split brain.
 * Views start from a probe recorded on lab hosts and are changed field by field.
 */
import { describe, expect, it } from 'vitest';
import { decideNode, findPrimary } from './primary.js';
import { DOWN, REFUSED_USER, emptyView, member, primaryView, replicaView } from './testing/views.js';

describe('findPrimary', () => {
  it('the one writable server', () => {
    const g = [member('lab1', primaryView()), member('lab2', replicaView()), member('lab3', replicaView())];
    expect(findPrimary(g, 'lab1')).toEqual({ kind: 'writable', name: 'lab1' });
    // After a promotion the inventory's starting primary no longer matters.
    const promoted = [member('lab1', replicaView({ of: 'lab2' })), member('lab2', primaryView()), member('lab3', replicaView({ of: 'lab2' }))];
    expect(findPrimary(promoted, 'lab1')).toEqual({ kind: 'writable', name: 'lab2' });
  });

  it('two writable servers are a split brain', () => {
    const g = [member('lab1', primaryView()), member('lab2', primaryView()), member('lab3', replicaView())];
    expect(findPrimary(g, 'lab1')).toMatchObject({ kind: 'conflict', names: ['lab1', 'lab2'] });
  });

  it('a new group: the starting primary, even while the others refuse the user they do not have yet', () => {
    const g = [member('lab1', emptyView()), member('lab2', REFUSED_USER), member('lab3', emptyView())];
    expect(findPrimary(g, 'lab1')).toEqual({ kind: 'fresh', name: 'lab1' });
  });

  it('a restarted primary (read-only from its file) that holds everything and is followed', () => {
    const g = [member('lab1', primaryView({ readOnly: true })), member('lab2', replicaView()), member('lab3', replicaView())];
    expect(findPrimary(g, 'lab1')).toMatchObject({ kind: 'closed', name: 'lab1' });
    // The same after a failover: the promoted lab2 restarted; the old primary replicates from it.
    const after = [
      member('lab1', replicaView({ of: 'lab2', pos: '0-2887765093-60' })),
      member('lab2', primaryView({ readOnly: true, binlog: '0-2887765093-60' })),
      member('lab3', replicaView({ of: 'lab2', pos: '0-2887765093-60' })),
    ];
    expect(findPrimary(after, 'lab1')).toMatchObject({ kind: 'closed', name: 'lab2' });
  });

  it('cannot tell while a server does not answer, or when a replica holds more than the restarted primary', () => {
    const silent = [member('lab1', primaryView({ readOnly: true })), member('lab2', replicaView()), member('lab3', DOWN)];
    expect(findPrimary(silent, 'lab1')).toMatchObject({ kind: 'unknown', why: expect.stringContaining('"lab3"') });
    const behind = [member('lab1', primaryView({ readOnly: true, binlog: '0-2887765092-37' })), member('lab2', replicaView({ pos: '0-2887765092-38' })), member('lab3', replicaView())];
    expect(findPrimary(behind, 'lab1')).toMatchObject({ kind: 'unknown', why: expect.stringContaining('"lab2", "lab3", a replica') });
  });

  it('a promoted server that restarted is not mistaken for the starting primary, even with fewer followers', () => {
    // Two nodes: lab2 was promoted and took writes; both restarted read-only; nobody follows anyone.
    const g = [
      member('lab1', primaryView({ readOnly: true, binlog: '0-2887765092-38' })),
      member('lab2', replicaView({ of: null, readOnly: true, pos: '0-2887765093-50', binlog: '0-2887765093-50' })),
    ];
    expect(findPrimary(g, 'lab1')).toMatchObject({ kind: 'closed', name: 'lab2' });
  });
});

describe('decideNode', () => {
  it('leaves a healthy group as it is', () => {
    const g = [member('lab1', primaryView()), member('lab2', replicaView()), member('lab3', replicaView())];
    expect(decideNode('lab1', g, 'lab1')).toEqual({ kind: 'primary' });
    expect(decideNode('lab2', g, 'lab1')).toMatchObject({ kind: 'replica', setup: 'none', of: { name: 'lab1' } });
  });

  it("opens a new group's starting primary and seeds the others", () => {
    const g = [member('lab1', emptyView()), member('lab2', emptyView()), member('lab3', REFUSED_USER)];
    expect(decideNode('lab1', g, 'lab1')).toMatchObject({ kind: 'open', bootstrap: true });
    expect(decideNode('lab2', g, 'lab1')).toMatchObject({ kind: 'seed' });
    // A new replica whose primary does not answer yet still waits to be seeded.
    expect(decideNode('lab2', [member('lab1', DOWN), member('lab2', emptyView()), member('lab3', REFUSED_USER)], 'lab1')).toMatchObject({ kind: 'seed' });
  });

  it('never undoes a promotion: the old primary becomes a replica of the promoted one', () => {
    const g = [
      member('lab1', primaryView({ readOnly: true, binlog: '0-2887765092-38' })),
      member('lab2', primaryView({ binlog: '0-2887765093-45' })),
      member('lab3', replicaView({ of: 'lab2', pos: '0-2887765093-45' })),
    ];
    expect(decideNode('lab1', g, 'lab1')).toMatchObject({ kind: 'replica', setup: 'repoint', of: { name: 'lab2' } });
    expect(decideNode('lab2', g, 'lab1')).toEqual({ kind: 'primary' });
    expect(decideNode('lab3', g, 'lab1')).toMatchObject({ kind: 'replica', setup: 'none' });
  });

  it('refuses to repoint a server that holds transactions the primary lacks (an errant GTID)', () => {
    const g = [
      member('lab1', primaryView({ readOnly: true, binlog: '0-2887765092-40' })),
      member('lab2', primaryView({ binlog: '0-2887765093-39' })),
      member('lab3', replicaView({ of: 'lab2', pos: '0-2887765093-39' })),
    ];
    expect(decideNode('lab1', g, 'lab1')).toMatchObject({ kind: 'refuse', why: expect.stringContaining('errant GTIDs: 0-2887765092-40 against 0-2887765093-39') });
  });

  it('restarts stopped replication, refuses one stopped on an error', () => {
    const stopped = [member('lab1', primaryView()), member('lab2', replicaView({ io: 'No', sql: 'No' }))];
    expect(decideNode('lab2', stopped, 'lab1')).toMatchObject({ kind: 'replica', setup: 'start' });
    const broken = [member('lab1', primaryView()), member('lab2', replicaView({ io: 'No', ioErrno: 1236 }))];
    expect(decideNode('lab2', broken, 'lab1')).toMatchObject({ kind: 'refuse', why: expect.stringContaining('error 1236') });
  });

  it('keeps a replica as it is when nobody can tell who the primary is, refuses to open anything', () => {
    const g = [member('lab1', primaryView({ readOnly: true })), member('lab2', replicaView()), member('lab3', DOWN)];
    expect(decideNode('lab2', g, 'lab1')).toMatchObject({ kind: 'keep' });
    expect(decideNode('lab1', g, 'lab1')).toMatchObject({ kind: 'refuse', why: expect.stringContaining('does not answer') });
  });

  it('refuses a split brain on every node, and a node whose own server does not answer', () => {
    const g = [member('lab1', primaryView()), member('lab2', primaryView()), member('lab3', replicaView())];
    expect(decideNode('lab3', g, 'lab1')).toMatchObject({ kind: 'refuse', why: expect.stringContaining('both writable') });
    expect(decideNode('lab2', [member('lab1', primaryView()), member('lab2', DOWN)], 'lab1')).toMatchObject({ kind: 'refuse', why: expect.stringContaining('does not answer') });
  });
});
