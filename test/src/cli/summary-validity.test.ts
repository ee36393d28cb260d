/**
 * The end-of-run summary's validity lines: the rule a run was judged by, the judged figures the generator's lag
 * made marginal (with their numbers), and advice that fits the run, under the reasons of an invalid one.
 */
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../../src/cli/summary.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { judgePhase } from '../../../src/run/metric-validity.js';

const zero = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
const at = (ms: number) => ({ count: 500, p50: ms * 500, p90: ms * 800, p95: ms * 900, p99: ms * 1000, p999: ms * 1100, max: ms * 1200, mean: ms * 600 });

function results(o: Partial<ResultsFile>, lagP99Ms: number): ResultsFile {
  const phase = { name: 'steady', kind: 'open' as const, startS: 0, durationS: 10, offeredRps: 50, achievedRps: 50, throughputRps: 50, scheduled: 500, sent: 500, completed: 500, ok: 500, dropped: 0, lateSends: 10, errors: {}, errorRate: 0, latencyUs: at(9.2), serviceTimeUs: { ...at(9.2), p99: 7200 }, ttfbUs: zero, sendLagUs: { ...zero, p99: lagP99Ms * 1000, p999: lagP99Ms * 1000, max: lagP99Ms * 1000 }, histogram: '', serviceHistogram: '' };
  const validity = judgePhase({ ...phase, handledInTime: 500, givenUp: 0, attempted: 500 });
  return {
    phases: [{ ...phase, validity }],
    plan: { phases: [{ name: 'steady', slo: { p99Ms: 100 } }] },
    faults: [],
    slo: { pass: true, checks: [{ phase: 'steady', metric: 'p99', threshold: 100, actual: 9.2, pass: true, unit: 'ms' }] },
    errorSamples: [],
    interrupted: false,
    valid: true,
    invalidReasons: [],
    validityRule: 'effect',
    generator: { workers: 1, scheduling: ['realtime'], sendLagUs: { ...zero, p99: lagP99Ms * 1000 }, lateSends: 10, lateFraction: 0.02, checkedLateFraction: 0.02, advice: 'what would help: a quieter runner would help, more workers would not' },
    totals: { scheduled: 500, sent: 500, ok: 500, failed: 0, dropped: 0, lost: 0 },
    files: { hlog: 'latency.hlog' },
    ...o,
  } as unknown as ResultsFile;
}

describe('formatSummary: validity', () => {
  it('says a run 2 % late is valid per figure, and names the marginal figure and the advice', () => {
    const lines = formatSummary(results({}, 2), '/tmp/run');
    const at = lines.findIndex((l) => l.startsWith('Measurement valid'));
    expect(lines[at]).toMatch(/^Measurement valid \(per figure: the generator's lag could not account for a quarter of any judged figure\): send lag p99 2\.00 ms, 2\.00 % of sends over 1 ms late/);
    expect(lines[at + 1]).toBe("  marginal: steady p99 9.20 ms, of which up to 2.00 ms (21.7 %) could be the generator's send lag (send lag p99.9 2.00 ms, service time p99 7.20 ms) (a change smaller than that could be the lag)");
    expect(lines[at + 2]).toBe('  what would help: a quieter runner would help, more workers would not');
  });

  it('lists the reasons of an invalid run, then the advice; names the strict rule', () => {
    const lines = formatSummary(results({ valid: false, validityRule: 'strict', invalidReasons: ['the load generator could not keep up: 2.00 % of requests went out more than 1 ms late'] }, 2), '/tmp/run');
    const at = lines.indexOf('Measurement INVALID (strict rule):');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual(['  the load generator could not keep up: 2.00 % of requests went out more than 1 ms late', '  what would help: a quieter runner would help, more workers would not']);
  });

  it('says nothing of a rule for files written before rules had names', () => {
    const lines = formatSummary(results({ validityRule: undefined, generator: { workers: 1, sendLagUs: zero, lateSends: 0, lateFraction: 0, checkedLateFraction: 0 } } as Partial<ResultsFile>, 0.05), '/tmp/run');
    expect(lines.find((l) => l.startsWith('Measurement valid'))).toMatch(/^Measurement valid: send lag p99/);
  });
});
