import { describe, it, expect } from 'vitest';
import { agentUsage, parseMessages, renderMonitoringReport } from './monitoring-report.js';

describe('monitoring bench figures', () => {
  it("reads the agent's CPU share and RSS from two /proc samples", () => {
    expect(agentUsage('1200 100 20000\n', '1260 100 21504\n', 60)).toEqual({ cpuPercent: 1, rssKb: 21504 });
    expect(() => agentUsage('x', '1 100 2', 60)).toThrow('Cannot read the agent');
  });
  it("parses the receiver's record and prints medians", () => {
    expect(parseMessages('{"at": 1.5, "text": "Problem: x"}\n\n{"at": 2, "text": "Resolved in 1s: x"}\n').map((m) => m.at)).toEqual([1.5, 2]);
    const text = renderMonitoringReport({
      interval: '5s',
      applySeconds: 300,
      windowSeconds: 60,
      findings: [],
      faults: [
        { toProblem: 8, toRecovery: 10 },
        { toProblem: 12, toRecovery: 9 },
        { toProblem: 9, toRecovery: 11 },
      ],
      agents: { mon: { cpuPercent: 0.5, rssKb: 30720, roles: 'mariadb' } },
    });
    expect(text).toContain('median 9.0 s (8.0 s .. 12.0 s)');
    expect(text).toContain('median 10.0 s (9.0 s .. 11.0 s)');
    expect(text).toContain('CPU 0.50% of one core, RSS 30.0 MB  (mariadb)');
  });
});
