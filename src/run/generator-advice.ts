/**
 * What would make the generator more punctual, from what a run knows about itself: its load workers against the
 * cores, how each sending thread was scheduled, whether the target shares the machine, the shape of the lag and
 * (where measured) stalls of the whole process. Advice that backfires is worse than none: more workers than cores
 * minus one lose real-time scheduling and, beside a local target, take its CPU (on 2 cores `--workers 2` was
 * 4.07 % late where `--workers 1` was 0.46 %), so it never suggests that.
 */
import type { LatencySummary } from '../metrics/hdr.js';
import { msText } from './metric-validity.js';

/** GeneratorFacts are what a run knows about its load generator. */
export interface GeneratorFacts {
  workers: number;
  cores: number;
  /** How each worker's sending thread was scheduled (generator.scheduling). */
  scheduling: readonly ('realtime' | 'high-priority' | 'normal')[];
  /** The target runs on this machine (the embedded server, or a loopback address). */
  localTarget: boolean;
  sendLagUs: LatencySummary;
  /** Stalls of the whole process, where the run measured them (see MachineStall); absent when not measured. */
  machineStall?: MachineStall;
}

/**
 * MachineStall is what a watchdog of the process (a thread that only sleeps and measures how late it wakes) saw:
 * the longest time every thread was held off the CPU at once, and the share of the late sends that fell in such
 * stalls. It is the hook for the generator's stall measure (results.json `generator.stalls`, where present).
 */
export interface MachineStall {
  maxMs: number;
  /** Late sends in a stall ÷ late sends (absent: not matched). */
  lateShareInStalls?: number;
}

/** machineStalled says whether the machine's stalls, not the generator's load, explain the lateness. */
export function machineStalled(s: MachineStall | undefined): s is MachineStall {
  return s !== undefined && s.maxMs >= STALL_MS && (s.lateShareInStalls === undefined || s.lateShareInStalls >= 0.5);
}

/** stallText says it in words: "every thread of this process waited 40 ms at once; 80 % of the late sends fell in such stalls". */
export function stallText(s: MachineStall): string {
  return `every thread of this process waited ${s.maxMs.toFixed(0)} ms at once${s.lateShareInStalls === undefined ? '' : `; ${(s.lateShareInStalls * 100).toFixed(0)} % of the late sends fell in such stalls`}`;
}

/** STALL_MS: a stall of the whole process this long is the machine's, and named first. */
export const STALL_MS = 5;

/** isLocalUrl says whether a target URL names this machine (localhost, 127.0.0.0/8, ::1, 0.0.0.0). */
export function isLocalUrl(url: string): boolean {
  const host = /^(?:[a-z+]+:\/\/)?(\[[^\]]*\]|[^/:]*)/i.exec(url)?.[1]?.toLowerCase() ?? '';
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '[::1]' || host === '0.0.0.0';
}

/** maxWorkers is the most workers worth suggesting: one core left to everything else (real-time needs it). */
export function maxWorkers(cores: number): number {
  return Math.max(1, cores - 1);
}

/** generatorAdvice says what would help a late generator, most likely first ("what would help: …"). */
export function generatorAdvice(f: GeneratorFacts): string {
  const tips: string[] = [];
  const cap = maxWorkers(f.cores);
  const lag = f.sendLagUs;
  if (machineStalled(f.machineStall)) {
    tips.push(`the machine stalled (${stallText(f.machineStall)}): that is the machine (a descheduled VM, another busy process), not the target or the generator's load; a quieter runner or fewer jobs beside this one would help, more workers would not`);
  }
  // More workers than cores less one lose real-time scheduling, unless each sends so little that they kept it (load-pool.ts wantsRealtime).
  if (f.workers > cap && (f.scheduling.length === 0 || f.scheduling.some((s) => s !== 'realtime'))) {
    tips.push(`use --workers ${cap}: ${f.workers} load workers on ${f.cores} core${f.cores === 1 ? '' : 's'} cannot have real-time scheduling (it needs a core left free)${f.localTarget ? ' and take the CPU of the target beside them' : ''}`);
  }
  if (f.scheduling.includes('normal')) {
    tips.push('the sending threads ran at normal priority: this process may not raise it (no root or CAP_SYS_NICE); grant it (e.g. `sudo setcap cap_sys_nice+ep "$(command -v node)"`, or run the job as root) for real-time scheduling');
  } else if (f.scheduling.includes('high-priority') && f.workers < f.cores) {
    tips.push('the sending threads got nice -10 but not real-time scheduling (not permitted, chrt missing, or GAUNTLET_REALTIME=0): real-time scheduling made sends far more punctual on a busy 2-core machine');
  }
  const bursty = lag.p50 < 1000 && (lag.p99 >= 1000 || lag.max >= 10_000);
  if (bursty) {
    tips.push(
      `the lag came in bursts (send lag p50 ${msText(lag.p50)}, p99 ${msText(lag.p99)}, max ${msText(lag.max)}): the sending thread was kept off the CPU by other work on this machine${f.localTarget ? ' (the target shares it: running the target on another machine helps most)' : ''}; a quieter runner would help, more workers would not`,
    );
  } else if (lag.p50 >= 1000) {
    tips.push(
      f.workers < cap && !f.localTarget
        ? `most sends were late (send lag p50 ${msText(lag.p50)}): the generator is saturated; --workers ${Math.min(cap, f.workers + 1)} spreads the sends over more cores`
        : `most sends were late (send lag p50 ${msText(lag.p50)}): the generator is saturated on ${f.cores} core${f.cores === 1 ? '' : 's'}${f.localTarget ? ' shared with the target' : ''}; a lower rate, a bigger machine${f.localTarget ? ' or the target on another machine' : ''} would help`,
    );
  }
  if (tips.length === 0) tips.push('a quieter machine (fewer jobs beside this one) would help');
  return `what would help: ${tips.join('; ')}`;
}
