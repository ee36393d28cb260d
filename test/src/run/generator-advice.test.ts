/**
 * The advice for a late generator is made from what the run knows (workers against cores, each sending thread's
 * scheduling, a local target, the lag's shape, stalls of the whole process) and never suggests more workers than
 * cores minus one: "try --workers" once sent a user from 1 worker (0.46 % late) to 2 on 2 cores (4.07 % late).
 */
import { describe, expect, it } from 'vitest';
import { generatorAdvice, type GeneratorFacts, isLocalUrl } from '../../../src/run/generator-advice.js';

const lag = (p50Ms: number, p99Ms: number, maxMs = p99Ms * 2) => ({ count: 500, p50: p50Ms * 1000, p90: p50Ms * 1000, p95: p99Ms * 500, p99: p99Ms * 1000, p999: maxMs * 800, max: maxMs * 1000, mean: p50Ms * 1000 });
const facts = (o: Partial<GeneratorFacts>): GeneratorFacts => ({ workers: 1, cores: 2, scheduling: ['realtime'], localTarget: true, sendLagUs: lag(0.02, 2), ...o });

describe('generatorAdvice', () => {
  it.each([
    ['2 workers on 2 cores beside a local target: one', facts({ workers: 2, scheduling: ['high-priority', 'high-priority'] }), /^what would help: use --workers 1: 2 load workers on 2 cores cannot have real-time scheduling \(it needs a core left free\) and take the CPU of the target beside them/],
    ['2 workers on 2 cores that kept real time (a low rate each): not told they cannot', facts({ workers: 2, scheduling: ['realtime', 'realtime'] }), /^what would help: the lag came in bursts/],
    ['1 worker, real-time, bursts: the machine, not more workers', facts({}), /the lag came in bursts \(send lag p50 0\.02 ms, p99 2\.00 ms, max 4\.00 ms\): the sending thread was kept off the CPU by other work on this machine \(the target shares it: running the target on another machine helps most\); a quieter runner would help, more workers would not$/],
    ['no right to raise the priority', facts({ scheduling: ['normal'] }), /ran at normal priority: this process may not raise it \(no root or CAP_SYS_NICE\)/],
    ['nice but not real time with a core free', facts({ scheduling: ['high-priority'] }), /got nice -10 but not real-time scheduling/],
    ['a saturated generator with cores to spare, remote target: one more worker', facts({ cores: 8, localTarget: false, sendLagUs: lag(2, 6) }), /the generator is saturated; --workers 2 spreads the sends over more cores$/],
    ['saturated at cores minus one: no more workers', facts({ workers: 7, cores: 8, localTarget: false, sendLagUs: lag(2, 6) }), /saturated on 8 cores; a lower rate, a bigger machine would help$/],
    ['saturated beside a local target: the target elsewhere', facts({ workers: 1, cores: 4, sendLagUs: lag(2, 6) }), /saturated on 4 cores shared with the target; a lower rate, a bigger machine or the target on another machine would help$/],
    ['the machine stalled: named first', facts({ machineStall: { maxMs: 40 } }), /^what would help: the machine stalled \(every thread of this process waited 40 ms at once\): that is the machine/],
    ['stalls that explain few late sends are not blamed', facts({ machineStall: { maxMs: 40, lateShareInStalls: 0.1 } }), /^what would help: the lag came in bursts/],
  ])('%s', (_what, f, expected) => {
    expect(generatorAdvice(f)).toMatch(expected);
  });

  it('never suggests more workers than cores minus one (at least one)', () => {
    for (const cores of [1, 2, 3, 4, 8, 16]) {
      for (const workers of [1, 2, 3, 4, 8, 16, 32]) {
        for (const localTarget of [true, false]) {
          for (const shape of [lag(0.02, 2), lag(2, 6), lag(0.5, 0.8)]) {
            const text = generatorAdvice(facts({ cores, workers, localTarget, sendLagUs: shape, scheduling: Array<'realtime'>(workers).fill('realtime') }));
            for (const m of text.matchAll(/--workers (\d+)/g)) expect(Number(m[1])).toBeLessThanOrEqual(Math.max(1, cores - 1));
          }
        }
      }
    }
  });
});

describe('isLocalUrl', () => {
  it.each([
    ['http://127.0.0.1:8000', true],
    ['127.0.0.1:8001', true],
    ['http://localhost:8000/v1', true],
    ['http://[::1]:8000', true],
    ['http://10.0.0.5:8000', false],
    ['https://model.example.com', false],
  ])('%s: %s', (url, local) => expect(isLocalUrl(url)).toBe(local));
});
