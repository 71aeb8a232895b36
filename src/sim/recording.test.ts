import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { buildScript, parseRoundTrip, type RoundTripScript } from '../engine/script.js';
import { FACTS_SCRIPT } from '../engine/facts-probe.js';
import { gateFragment, lockHeadFragment } from '../engine/host-lock.js';
import { answerScript, mergeTrip, NO_RECORDING, recordTrip, tripFor, type Recording } from './recording.js';
import { fragmentKey, HOLDING_SCRIPT_END, parseScript } from './script-items.js';

const body = (nonce: string, over: Partial<RoundTripScript> = {}): RoundTripScript => ({
  nonce,
  preludes: [],
  staged: [],
  applies: [
    { id: 't0', fragment: 'echo applied; echo "@@WPHA_UNCHANGED"', notifyFlags: ['wpha_n1'] },
    { id: 't5', fragment: 'echo changed', notifyFlags: ['wpha_n0'], pendingHandlers: ['web/reload nginx'] },
    { id: 'h0', fragment: 'echo handler ran', notifyFlags: [], onlyIfFlags: ['wpha_n0'] },
    { id: 'h1', fragment: 'echo not notified', notifyFlags: [], onlyIfFlags: ['wpha_n1'] },
  ],
  facts: true,
  probes: [
    { id: 't1', fragment: 'printf "line one\\nline two\\n"' },
    { id: 't2', fragment: 'printf "no newline"; exit 3' },
    { id: 't3', fragment: 'f() {\n  echo nested function\n}\nf' },
  ],
  ...over,
});

// The real host of these tests is /bin/sh on this machine: the script runs as a host runs it.
const runSh = (script: string) => execFileSync('/bin/sh', ['-s'], { input: script, encoding: 'utf8' });

describe('simulated hosts: reading the scripts', () => {
  it('finds the nonce and every item, keyed by its fragment (facts included)', () => {
    const p = parseScript(buildScript(body('ab01')));
    expect(p.kind).toBe('round-trip');
    if (p.kind !== 'round-trip') return;
    expect(p.nonce).toBe('ab01');
    expect(p.applies.map((a) => [a.id, a.onlyIf, a.raises])).toEqual([
      ['t0', [], ['wpha_n1']],
      ['t5', [], ['wpha_n0']],
      ['h0', ['wpha_n0'], []],
      ['h1', ['wpha_n1'], []],
    ]);
    expect(p.applies[0]!.key).toBe(fragmentKey('echo applied; echo "@@WPHA_UNCHANGED"'));
    expect(p.probes.map((x) => [x.id, x.key])).toEqual([
      ['facts', fragmentKey(FACTS_SCRIPT)],
      ['t1', fragmentKey('printf "line one\\nline two\\n"')],
      ['t2', fragmentKey('printf "no newline"; exit 3')],
      ['t3', fragmentKey('f() {\n  echo nested function\n}\nf')],
    ]);
  });

  it('tells the script that takes the host lock (and keeps its channel), and when it is complete', () => {
    const first = buildScript({ ...body('ccc333'), gate: lockHeadFragment('run1', 'me@here pid 1', 0), holdLock: true });
    expect(parseScript(first).kind).toBe('round-trip');
    expect(first.endsWith(HOLDING_SCRIPT_END)).toBe(true);
    const later = buildScript({ ...body('ddd444'), gate: gateFragment('run1') });
    expect(parseScript(later).kind).toBe('round-trip');
    expect(later.endsWith(HOLDING_SCRIPT_END)).toBe(false);
    expect(parseScript('echo hi\n').kind).toBe('other');
  });
});

describe('simulated hosts: answers recorded per item', () => {
  it('replays, under a new nonce, exactly what the real shell answered for each item', () => {
    const recorded = buildScript(body('aaa111'));
    const trip = recordTrip(recorded, runSh(recorded));
    const next = buildScript(body('bbb222'));
    const parsed = parseScript(next);
    if (parsed.kind !== 'round-trip') throw new Error('not a round trip');
    const { stdout, missing } = answerScript(parsed, trip);
    expect(missing).toBe(0);
    // What the controller reads from the stand-in equals what it reads from the shell itself.
    const real = parseRoundTrip(runSh(next), 'bbb222');
    const replay = parseRoundTrip(stdout, 'bbb222');
    expect(replay).toEqual(real);
    expect(replay.done).toBe(true);
    // the handler a changed item notified ran, the other one did not
    expect(replay.applies.map((a) => [a.id, a.changed])).toEqual([
      ['t0', false],
      ['t5', true],
      ['h0', true],
    ]);
    expect(replay.probes.get('t2')).toEqual({ stdout: 'no newline', rc: 3 });
    expect(replay.probes.get('facts')!.stdout).toContain('os_id=');
  });

  it('fails an item it has no answer for, and stops after a failed apply as the real script does', () => {
    const trip = recordTrip(buildScript(body('aaa111')), runSh(buildScript(body('aaa111'))));
    const other = parseScript(buildScript(body('ccc333', { applies: [{ id: 't9', fragment: 'echo never recorded', notifyFlags: [] }] })));
    if (other.kind !== 'round-trip') throw new Error('not a round trip');
    const r = answerScript(other, trip);
    expect(r.missing).toBe(1);
    const parsed = parseRoundTrip(r.stdout, 'ccc333');
    expect(parsed.applies).toEqual([expect.objectContaining({ id: 't9', rc: 127, stderr: `${NO_RECORDING}\n` })]);
    expect(parsed.done).toBe(false);
    expect(parsed.probes.size).toBe(0);
  });

  it('answers fresh round trips in order, then as the converged host; merging keeps first answers', () => {
    const a = recordTrip(buildScript(body('a1')), runSh(buildScript(body('a1'))));
    const b = { applies: {}, probes: { x: { lines: 'other', rc: '0' } } };
    const merged = mergeTrip(mergeTrip({ applies: {}, probes: {} }, a), { applies: {}, probes: { ...a.probes, x: { lines: 'first', rc: '0' } } });
    expect(merged.probes.x!.lines).toBe('first');
    const rec: Recording = { source: 'test', fresh: [b, a], converged: merged };
    expect(tripFor(rec, true, 0)).toBe(b);
    expect(tripFor(rec, true, 1)).toBe(a);
    expect(tripFor(rec, true, 2)).toBe(merged);
    expect(tripFor(rec, false, 0)).toBe(merged);
  });
});
