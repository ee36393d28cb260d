/**
 * StallLog matches late sends with the watchdog's stalls: a late send is in a stall when stalls cover at least half
 * of its lateness; sends of the first second are left out of the checked counts, as the validity check leaves them.
 */
import { describe, expect, it } from 'vitest';
import type { StallSecondReport } from '../../../src/load/messages.js';
import { MAX_LATE_SPANS, StallLog } from '../../../src/metrics/stalls.js';

const second = (t: number, spans: number[], wakeups = 900): StallSecondReport => {
  let stalledUs = 0;
  let maxUs = 0;
  for (let i = 0; i < spans.length; i += 2) {
    stalledUs += spans[i + 1]! - spans[i]!;
    maxUs = Math.max(maxUs, spans[i + 1]! - spans[i]!);
  }
  return { kind: 'second', t, wakeups, stalls: spans.length / 2, stalledUs, maxUs, spans };
};

describe('StallLog', () => {
  it.each([
    // [what, stalls [due, woke], late send [intended, sent], in a stall]
    ['inside a stall', [2_000_000, 2_100_000], [2_010_000, 2_100_050], true],
    ['half of its lateness in a stall', [2_000_000, 2_002_000], [2_000_000, 2_004_000], true],
    ['less than half in a stall', [2_000_000, 2_001_900], [2_000_000, 2_004_000], false],
    ['before the stall', [2_000_000, 2_100_000], [1_990_000, 1_995_000], false],
    ['after the stall', [2_000_000, 2_100_000], [2_100_000, 2_105_000], false],
    ['covered by two stalls together', [2_000_000, 2_001_000, 2_001_000, 2_003_000], [2_000_000, 2_004_000], true],
  ])('a late send %s', (_what, stalls, late, inStall) => {
    const log = new StallLog(1000, 1000);
    log.addSecond(second(2, stalls));
    log.addLateSends(late);
    const s = log.summary('realtime');
    expect(s.checkedLateSends).toBe(1);
    expect(s.checkedLateSendsInStalls).toBe(inStall ? 1 : 0);
    expect(s.seconds).toEqual([expect.objectContaining({ t: 2, stalls: stalls.length / 2, lateSendsInStalls: inStall ? 1 : 0 })]);
  });

  it('leaves the first second out of the checked counts, and sums the seconds', () => {
    const log = new StallLog(1000, 1000);
    log.addSecond(second(0, [500_000, 520_000]));
    log.addSecond(second(1, [], 1000));
    log.addSecond(second(3, [3_000_000, 3_002_000, 3_500_000, 3_505_000]));
    log.addLateSends([505_000, 520_000, 3_500_500, 3_505_000, 3_700_000, 3_702_000]);
    const s = log.summary('high-priority');
    expect(s).toMatchObject({ watchdog: 'high-priority', wakeups: 2800, stalls: 3, stalledUs: 27_000, maxUs: 20_000, checkedLateSends: 2, checkedLateSendsInStalls: 1, lateSendsInStalls: 2 });
    expect(s.seconds.map((x) => [x.t, x.lateSendsInStalls])).toEqual([
      [0, 1],
      [3, 1],
    ]);
  });

  it('counts every late send but matches at most MAX_LATE_SPANS', () => {
    const log = new StallLog(1000, 1000);
    log.addSecond(second(5, [5_000_000, 5_500_000]));
    const pairs: number[] = [];
    for (let i = 0; i < MAX_LATE_SPANS + 10; i++) pairs.push(5_000_000 + i, 5_400_000);
    log.addLateSends(pairs);
    const s = log.summary('realtime');
    expect(s.checkedLateSends).toBe(MAX_LATE_SPANS + 10);
    expect(s.checkedLateSendsInStalls).toBe(MAX_LATE_SPANS);
  });

  it('says when there was no watchdog', () => {
    expect(new StallLog(1000, 1000).summary('off')).toMatchObject({ watchdog: 'off', wakeups: 0, stalls: 0, seconds: [] });
  });
});
