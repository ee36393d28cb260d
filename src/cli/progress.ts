/**
 * Progress display for a running scenario. On a terminal: one line rewritten every second with the phase so far
 * (rates over the phase's finished seconds, p50 and p99 over its replies so far) and the last second alone.
 * Elsewhere (CI logs): a plain line with the phase-so-far figures every few seconds and when a phase begins. It
 * only listens to the run's per-second status; it never measures.
 */
import type { Figures, SecondStatus } from '../run/second-status.js';
import { percent } from './slo-value.js';

/** PROGRESS_EVERY_S is how often a line is printed when the output is not a terminal. */
export const PROGRESS_EVERY_S = 5;

/** ProgressStream is where progress goes: a terminal (rewritten in place) or anything else (lines). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** progressPrinter returns the onSecond handler for a stream (stderr by default). */
export function progressPrinter(stream: ProgressStream = process.stderr, everyS = PROGRESS_EVERY_S): { onSecond: (s: SecondStatus) => void; clear: () => void; done: () => void } {
  const tty = stream.isTTY === true;
  let lastPrinted = -Infinity;
  let lastPhase: string | undefined;
  let drewLine = false;
  return {
    onSecond: (s) => {
      if (tty) {
        // A line longer than the terminal wraps, and \r would then rewrite only its last row.
        const width = stream.columns !== undefined && stream.columns > 20 ? stream.columns - 1 : Infinity;
        stream.write(`\r\x1b[K${clip(progressLine(s, true), width)}`);
        drewLine = true;
      } else if (s.elapsedS - lastPrinted >= everyS || s.phase !== lastPhase) {
        lastPrinted = s.elapsedS;
        stream.write(`${progressLine(s, false)}\n`);
      }
      lastPhase = s.phase;
    },
    /** clear erases the line drawn on a terminal, so that a log line printed now starts at the left margin (the next second redraws it). */
    clear: () => {
      if (!tty || !drewLine) return;
      stream.write('\r\x1b[K');
      drewLine = false;
    },
    done: () => {
      if (tty && drewLine) stream.write('\n');
    },
  };
}

/** progressLine is the text of one status: the phase so far, and with `lastSecond` the newest second as well. */
export function progressLine(s: SecondStatus, lastSecond: boolean): string {
  const head = `[${clock(s.elapsedS)}/${clock(s.totalS)}] ${s.phase} ${Math.round(s.phaseElapsedS)}/${Math.round(s.phaseDurationS)} s`;
  const so = s.phaseSoFar;
  const phase = `offered ${rate(so.offeredRps)}/s, sent ${rate(so.sentRps)}/s, ok ${rate(so.okRps)}/s, p50 ${ms(so.p50Us)}, p99 ${ms(so.p99Us)}${tokens(so)}, ${errors(so)}`;
  if (!lastSecond) return `${head} so far: ${phase}`;
  const l = s.lastSecond;
  return `${head}: ${phase} | last second: ok ${rate(l.okRps)}/s, p99 ${ms(l.p99Us)}${tokens(l)}, ${errors(l)}`;
}

/** tokens is the LLM part of a span's figures (TTFT p99, output tokens/s), when its responses carried tokens. */
function tokens(f: Figures): string {
  const ttft = f.ttftP99Us !== undefined ? `, TTFT p99 ${ms(f.ttftP99Us)}` : '';
  return f.outputTokensPerS !== undefined ? `${ttft}, ${rate(f.outputTokensPerS)} tok/s` : ttft;
}

function errors(f: Figures): string {
  return f.errors === 0 ? '0 errors' : `${f.errors} errors (${percent(f.errorShare)})`;
}

function rate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}

function ms(us: number): string {
  return `${(us / 1000).toFixed(us < 10_000 ? 1 : 0)} ms`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function clock(s: number): string {
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${m}:${String(sec).padStart(2, '0')}`;
}
