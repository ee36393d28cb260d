/**
 * The progress display: statuses built from a real RunAggregate fed second by second (the phase so far and the
 * last second), printed off a terminal as a line every few seconds and on a terminal rewritten every second.
 * The burst case is the one a user met: 1 s bursts at 750/s every 5 s over a base of 110/s; a sample every 5 s
 * landed on a burst each time and showed 750/s against a phase average of about 240/s.
 */
import { describe, expect, it } from 'vitest';
import { progressLine, progressPrinter } from '../../../src/cli/progress.js';
import { RunAggregate } from '../../../src/metrics/run-aggregate.js';
import { SecondStatusBuilder, type SecondStatus } from '../../../src/run/second-status.js';
import type { Plan } from '../../../src/scenario/plan.js';

const phase = (name: string, startS: number, durationS: number, rps: number) => ({ name, startS, durationS, load: { kind: 'open' as const, shape: { type: 'constant' as const, rps }, arrival: { type: 'constant' as const } }, slo: null });
const plan = { name: 'p', durationS: 25, phases: [phase('steady', 0, 5, 100), phase('burst', 5, 20, 240)] } as unknown as Plan;

/** feed reports one finished second of one phase: `n` requests sent, `ok` of them served in `ms`, the rest failed. */
function feed(agg: RunAggregate, second: number, phaseIndex: number, n: number, ok: number, ms: number): void {
  const latency = new Float64Array(ok).fill(ms * 1000);
  agg.add([{ second, phase: phaseIndex, scheduled: n, sent: n, dropped: 0, late: 0, ok, errors: n > ok ? { HTTP_503: n - ok } : {}, latency, service: latency, lag: new Float64Array(n).fill(50), ttfb: latency, lateSpans: new Float64Array(0) }], 0, second + 1);
}

/** run drives a 25 s run through the builder: 5 s steady at 100/s, then bursts of 750/s in the first second of every 5. */
function run(onSecond: (s: SecondStatus) => void): void {
  const agg = new RunAggregate(plan.phases, 1);
  const builder = new SecondStatusBuilder(plan, agg);
  for (let t = 0; t < 25; t++) {
    if (t < 5) feed(agg, t, 0, 100, 100, 4);
    else if ((t - 5) % 5 === 0) feed(agg, t, 1, 750, 700, 200);
    else feed(agg, t, 1, 110, 110, 5);
    onSecond(builder.next()!);
  }
}

describe('progress', () => {
  it('off a terminal: a line every 5 s and at each phase start, with the phase so far, not the second sampled', () => {
    const out: string[] = [];
    const printer = progressPrinter({ write: (t: string) => out.push(t), isTTY: false });
    run(printer.onSecond);
    printer.done();
    const lines = out.join('').split('\n').filter((l) => l !== '');
    expect(lines.map((l) => l.slice(0, l.indexOf(' s so far')))).toEqual(['[0:01/0:25] steady 1/5', '[0:06/0:25] burst 1/20', '[0:11/0:25] burst 6/20', '[0:16/0:25] burst 11/20', '[0:21/0:25] burst 16/20']);
    // Every sample lands on a burst second (as the user saw), yet shows the phase so far: (2·750 + 4·110) / 6 = 323/s
    // at 0:11, then 285 and 270, on the way to the phase's 238/s, where the second alone showed 750/s each time.
    const offered = lines.map((l) => Number(/offered ([\d.]+)\/s/.exec(l)![1]));
    expect(offered).toEqual([100, 750, 323, 285, 270]);
    expect(lines[2]).toBe('[0:11/0:25] burst 6/20 s so far: offered 323/s, sent 323/s, ok 307/s, p50 200 ms, p99 200 ms, 100 errors (5.15 %)');
    expect(lines[0]).toBe('[0:01/0:25] steady 1/5 s so far: offered 100/s, sent 100/s, ok 100/s, p50 4.0 ms, p99 4.0 ms, 0 errors');
  });

  it('on a terminal: rewritten every second with the phase so far and the last second, clipped to the terminal', () => {
    const out: string[] = [];
    const printer = progressPrinter({ write: (t: string) => out.push(t), isTTY: true, columns: 400 });
    run(printer.onSecond);
    printer.done();
    expect(out).toHaveLength(26);
    expect(out.slice(0, 25).every((t) => t.startsWith('\r\x1b[K') && !t.includes('\n'))).toBe(true);
    expect(out[25]).toBe('\n');
    expect(out[10]).toBe('\r\x1b[K[0:11/0:25] burst 6/20 s: offered 323/s, sent 323/s, ok 307/s, p50 200 ms, p99 200 ms, 100 errors (5.15 %) | last second: ok 700/s, p99 200 ms, 50 errors (6.67 %)');
    expect(out[11]).toMatch(/\| last second: ok 110\/s, p99 5\.0 ms, 0 errors$/);
    const narrow: string[] = [];
    const small = progressPrinter({ write: (t: string) => narrow.push(t), isTTY: true, columns: 60 });
    run(small.onSecond);
    expect(narrow.slice(0, 25).every((t) => t.length - '\r\x1b[K'.length <= 59)).toBe(true);
    expect(narrow[10]!.endsWith('…')).toBe(true);
  });

  it('on a terminal, clear erases the drawn line before a log line, and only then', () => {
    const out: string[] = [];
    const printer = progressPrinter({ write: (t: string) => out.push(t), isTTY: true, columns: 400 });
    printer.clear(); // nothing drawn yet: nothing to erase
    expect(out).toEqual([]);
    run(printer.onSecond);
    const drawn = out.length;
    printer.clear();
    expect(out.slice(drawn)).toEqual(['\r\x1b[K']);
    printer.done(); // the line was erased: no newline left to end it
    expect(out).toHaveLength(drawn + 1);
    const plain: string[] = [];
    const log = progressPrinter({ write: (t: string) => plain.push(t), isTTY: false });
    run(log.onSecond);
    const lines = plain.length;
    log.clear();
    expect(plain).toHaveLength(lines);
  });

  it('shows rates of a phase cut short over the seconds it ran', () => {
    const s = { elapsedS: 4, totalS: 30, phase: 'first', phaseElapsedS: 3, phaseDurationS: 15, phaseSoFar: { offeredRps: 100, sentRps: 100, okRps: 99.5, errors: 1, errorShare: 0.0033, p50Us: 2500, p99Us: 9000 }, lastSecond: { offeredRps: 100, sentRps: 100, okRps: 100, errors: 0, errorShare: 0, p50Us: 2400, p99Us: 8000 } };
    expect(progressLine(s, false)).toBe('[0:04/0:30] first 3/15 s so far: offered 100/s, sent 100/s, ok 99.5/s, p50 2.5 ms, p99 9.0 ms, 1 errors (0.33 %)');
  });
});
