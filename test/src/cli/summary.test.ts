/**
 * The end-of-run summary's drill parts: the fault table (action, time, outcome, failed requests by code,
 * recovery, worst p99, cold start), the details of faults that did not go well, and graceful degradation.
 */
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../../src/cli/summary.js';
import type { FaultDrill, FaultRecord, PhaseResult, ResultsFile } from '../../../src/results/results-schema.js';

const zero = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };

function phase(name: string, o: Partial<PhaseResult> = {}): PhaseResult {
  return { name, kind: 'open', startS: 0, durationS: 10, offeredRps: 100, achievedRps: 100, throughputRps: 100, scheduled: 1000, sent: 1000, completed: 1000, ok: 1000, dropped: 0, lateSends: 0, errors: {}, errorRate: 0, latencyUs: zero, serviceTimeUs: zero, ttfbUs: zero, sendLagUs: zero, histogram: '', serviceHistogram: '', ...o };
}

function drill(o: Partial<FaultDrill> = {}): FaultDrill {
  return {
    window: { startS: 40, endS: 70, endsAt: 'next-fault' },
    phase: 'sustained',
    failedByCode: {},
    failed: 0,
    worstP99Us: 45_000,
    worstMaxUs: 60_000,
    throughputRps: { before: 100, during: 100, after: 100 },
    offeredRps: { before: 100, during: 100, after: 100 },
    recovery: { fromS: 40, recoveredAtS: 42.5, recoveryS: 2.5, windowS: 3, p99LimitMs: 50 },
    coldStartMs: null,
    lost: 0,
    ...o,
  };
}

function results(faults: FaultRecord[], phases: PhaseResult[] = [phase('sustained')]): ResultsFile {
  return {
    phases,
    faults,
    slo: { pass: true, checks: [] },
    errorSamples: [],
    interrupted: false,
    valid: true,
    invalidReasons: [],
    generator: { workers: 1, sendLagUs: zero, lateSends: 0, lateFraction: 0 },
    totals: { scheduled: 1000, sent: 1000, ok: 1000, failed: 0, dropped: 0, lost: 0 },
    files: { hlog: 'latency.hlog' },
  } as unknown as ResultsFile;
}

describe('formatSummary', () => {
  it('prints a fault table, and the detail of each fault that did not go well', () => {
    const lines = formatSummary(
      results([
        { index: 0, action: 'kill-replica', params: { replica: 'any' }, atS: 40, startedAtS: 40.002, endedAtS: 40.05, outcome: 'ok', detail: 'killed r1', replica: 'r1', coldStartMs: 1234, drill: drill({ failedByCode: { ECONNRESET: 2 }, failed: 2, coldStartMs: 1234 }) },
        { index: 1, action: 'restore-replica', params: { replica: 'any' }, atS: 70, startedAtS: 70, endedAtS: 70.1, outcome: 'skipped', detail: 'nothing to restore: no replica is down', drill: drill({ recovery: { fromS: 70, recoveredAtS: null, recoveryS: null, windowS: 3, p99LimitMs: 50, notSeen: 'errors', note: 'not recovered by 80 s (the end of the phase): 3 request(s) failed in the second from 79 s' } }) },
        { index: 2, action: 'command', params: { run: 'kubectl delete pod -l app=model --wait=false --namespace serving', timeoutS: 30 }, atS: 90, startedAtS: null, endedAtS: null, outcome: 'skipped', detail: 'the run ended before it was due' },
      ]),
      '/tmp/run',
    );
    const at = lines.indexOf('Faults:');
    expect(lines.slice(at, at + 8)).toEqual([
      'Faults:',
      '#  fault                                     at      outcome  failed in window  recovery                  worst p99 ms  cold start',
      '1  kill-replica any                          40.0 s  ok       ECONNRESET:2      2.5 s                     45.0          1.23 s',
      '2  restore-replica any                       70.0 s  skipped  0                 not seen (still failing)  45.0          -',
      '3  command "kubectl delete pod -l app=mode…  90.0 s  skipped  -                 -                         -             -',
      '  fault 2: skipped: nothing to restore: no replica is down',
      '  fault 2: recovery not recovered by 80 s (the end of the phase): 3 request(s) failed in the second from 79 s',
      '  fault 3: skipped: the run ended before it was due',
    ]);
  });

  it('shows how phases with failures degraded, and nothing for runs without faults or failures', () => {
    const shed = phase('peak-5x', {
      ok: 600,
      errors: { HTTP_503: 350, TIMEOUT: 50 },
      degradation: { accepted: 600, rejected: 350, otherFailed: 50, rejectedShare: 0.35, acceptedLatencyUs: { p50: 12_000, p99: 48_500 } },
    });
    const lines = formatSummary(results([], [phase('steady', { degradation: { accepted: 1000, rejected: 0, otherFailed: 0, rejectedShare: 0, acceptedLatencyUs: { p50: 1, p99: 2 } } }), shed]), '/tmp/run');
    expect(lines).toContain('Graceful degradation (rejected = 503 / UNAVAILABLE / RESOURCE_EXHAUSTED):');
    expect(lines).toContain('  peak-5x: 600 accepted (p50 12.0 ms, p99 48.5 ms), 350 rejected (35.0 %), 50 other failures');
    const queued = phase('overload', { degradation: { accepted: 900, rejected: 0, otherFailed: 100, rejectedShare: 0, acceptedLatencyUs: { p50: 900_000, p99: 4_500_000 } } });
    expect(formatSummary(results([], [queued]), '/tmp/run')).toContain('  overload: 900 accepted (p50 900.0 ms, p99 4500.0 ms), 0 rejected (0.0 %), 100 other failures');
    expect(lines.some((l) => l.startsWith('  steady:'))).toBe(false);
    expect(lines).not.toContain('Faults:');
  });

  it('says in the fault table why recovery was not seen, for each reason', () => {
    const notSeen = (index: number, why: 'too-short' | 'errors' | 'p99', note: string): FaultRecord => ({
      index, action: 'kill-replica', params: { replica: 'any' }, atS: 10 * index, startedAtS: 10 * index, endedAtS: 10 * index, outcome: 'ok', detail: 'killed r1',
      drill: drill({ recovery: { fromS: 10 * index, recoveredAtS: null, recoveryS: null, windowS: 3, p99LimitMs: 50, notSeen: why, note } }),
    });
    const lines = formatSummary(results([notSeen(0, 'too-short', 'not judged: only 2 s …'), notSeen(1, 'errors', 'not recovered by …: 3 request(s) failed …'), notSeen(2, 'p99', 'not recovered by …: p99 …')]), '/tmp/run');
    const rows = lines.slice(lines.indexOf('Faults:') + 2, lines.indexOf('Faults:') + 5);
    expect(rows.map((l) => /not seen \(([^)]*)\)/.exec(l)?.[1])).toEqual(['too short to tell', 'still failing', 'p99 over SLO']);
    expect(lines.filter((l) => l.startsWith('  fault ') && l.includes(': recovery not '))).toHaveLength(3);
  });

  it('lists a phase whose latency degraded with no request failed (peak-5x: p99 1277 ms over a 250 ms SLO)', () => {
    const peak = phase('peak-5x', {
      offeredRps: 900,
      degradation: { accepted: 54000, rejected: 0, otherFailed: 0, rejectedShare: 0, acceptedLatencyUs: { p50: 300_000, p99: 1_277_000 }, latencyDegraded: 'p99 1277.0 ms, over the 250 ms p99 of the SLO' },
    });
    const lines = formatSummary(results([], [phase('steady'), peak]), '/tmp/run');
    expect(lines).toContain('Graceful degradation (rejected = 503 / UNAVAILABLE / RESOURCE_EXHAUSTED):');
    expect(lines).toContain('  peak-5x: 54000 accepted (p50 300.0 ms, p99 1277.0 ms), 0 rejected (0.0 %), 0 other failures; latency degraded: p99 1277.0 ms, over the 250 ms p99 of the SLO');
  });

  it('prints error rates as percentages: the errors column and the error_rate SLO checks', () => {
    const bad = phase('peak', { errors: { HTTP_503: 30, TIMEOUT: 12 }, errorRate: 0.042, ok: 958 });
    const r = results([], [bad]);
    r.slo = {
      pass: false,
      checks: [
        { phase: 'peak', metric: 'error_rate', threshold: 0.001, actual: 0.042, pass: false, unit: 'ratio' },
        { phase: 'peak', metric: 'p99', threshold: 250, actual: 1277.431, pass: false, unit: 'ms' },
      ],
    };
    const lines = formatSummary(r, '/tmp/run');
    expect(lines.find((l) => l.startsWith('peak '))).toMatch(/ HTTP_503:30 TIMEOUT:12 \(4\.20 %\) +FAIL$/);
    expect(lines).toContain('  peak: error_rate 4.20 % (limit <= 0.10 %)');
    expect(lines).toContain('  peak: p99 1277.43 ms (limit <= 250 ms)');
    expect(lines.join('\n')).not.toMatch(/ratio/);
  });

  it('prints the token streams of an LLM fault, and the backlog a phase drained after it in the token table', () => {
    const tokens = { ttftP99Ms: { before: 48, worst: 412, after: 50 }, outputTokensPerS: { before: 800, during: 700, after: 800 }, streamsCut: 4, tokensLost: 2310, ttftRecovery: { fromS: 40, recoveredAtS: 43, recoveryS: 3, windowS: 3, p99LimitMs: 96 } };
    const s = { count: 10, p50: 40_000, p90: 0, p95: 0, p99: 48_000, p999: 0, max: 0, mean: 0 };
    const llm = phase('flood', {
      tokens: {
        requests: 40, ttftUs: s, itlUs: s, tpotUs: s, inputTokens: s, outputTokens: s, outputTokensPerSPerRequest: s, inputTokensTotal: 640, outputTokensTotal: 1600,
        outputTokensPerS: 310, outputTokensInWindow: 620, outputTokensAfterPhase: 980, drainS: 1.3, requestsPerS: 20,
        goodput: { good: 40, fraction: 1, rps: 20, criteria: {} }, countedBy: 'usage', counting: { byMethod: { usage: 40 }, usage: 40, tokenizer: 0, serverUsage: 40 }, finishReasons: { length: 40 },
        histograms: { ttft: '', itl: '', tpot: '', input: '', output: '', rate: '' },
      },
    });
    const lines = formatSummary(results([{ index: 0, action: 'kill-replica', params: { replica: 'any' }, atS: 40, startedAtS: 40, endedAtS: 40.05, outcome: 'ok', detail: '', drill: drill({ tokens }) }], [llm]), '/tmp/run');
    expect(lines).toContain('  fault 1: TTFT p99 worst 412.0 ms against 48.0 ms before, back within 96.0 ms in 3.0 s; 4 stream(s) cut, 2310 output tokens lost');
    const at = lines.findIndex((l) => l.startsWith('Tokens'));
    expect(lines[at + 1]).toMatch(/out tok\/s +drained after/);
    expect(lines[at + 2]).toMatch(/310\.0 +980 tok in 1\.3 s/);
  });
});
