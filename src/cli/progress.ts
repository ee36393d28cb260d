/**
 * Progress display for a running scenario: on a terminal one line rewritten every second; elsewhere (CI logs)
 * a plain line every few seconds. It only listens to the run's per-second status; it never measures.
 */
import type { SecondStatus } from '../run/run.js';

/** progressPrinter returns the onSecond handler for a stream (stderr by default). */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr, everyS = 5): { onSecond: (s: SecondStatus) => void; done: () => void } {
  const tty = stream.isTTY === true;
  let lastPrinted = -Infinity;
  let drewLine = false;
  return {
    onSecond: (s) => {
      const text =
        `[${fmt(s.elapsedS)}/${fmt(s.totalS)}] ${s.phase}: offered ${s.offeredRps}/s, sent ${s.sentRps}/s, ok ${s.okRps}/s, ` +
        `p50 ${(s.p50Us / 1000).toFixed(1)} ms, p99 ${(s.p99Us / 1000).toFixed(1)} ms, errors ${s.errors}`;
      if (tty) {
        stream.write(`\r\x1b[K${text}`);
        drewLine = true;
      } else if (s.elapsedS - lastPrinted >= everyS) {
        lastPrinted = s.elapsedS;
        stream.write(`${text}\n`);
      }
    },
    done: () => {
      if (tty && drewLine) stream.write('\n');
    },
  };
}

function fmt(s: number): string {
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${m}:${String(sec).padStart(2, '0')}`;
}
