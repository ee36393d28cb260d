/**
 * TraceWriter writes trace.csv as records come out in arrival order: `time_s,request_bytes,model`, one line per
 * request of the log (so a replay sends exactly as many), times in seconds from the first request with
 * microsecond digits. Lines are written in 1 MiB chunks; memory stays flat in the log's length.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { LogRecord } from './log-record.js';

/** TRACE_HEADER is trace.csv's header line. */
export const TRACE_HEADER = 'time_s,request_bytes,model';
const CHUNK = 1 << 20;

/** csvField quotes a model or route name when it holds a comma, a quote or a line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** TraceWriter appends trace lines to a file. */
export class TraceWriter {
  private readonly fd: number;
  private buf = '';
  private baseUs: number | undefined;
  /** Lines written. */
  lines = 0;
  /** Records that came before the first one written (more out of order than the analysis waits for), written at 0 s. */
  clamped = 0;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'w');
    this.buf = `${TRACE_HEADER}\n`;
  }

  /** add writes one request, arriving at startUs (epoch microseconds). */
  add(startUs: number, r: LogRecord): void {
    this.baseUs ??= startUs;
    let offUs = startUs - this.baseUs;
    if (offUs < 0) {
      this.clamped++;
      offUs = 0;
    }
    this.buf += `${(offUs / 1e6).toFixed(6)},${r.requestBytes ?? ''},${r.route === undefined ? '' : csvField(r.route)}\n`;
    this.lines++;
    if (this.buf.length >= CHUNK) this.flush();
  }

  private flush(): void {
    writeSync(this.fd, this.buf);
    this.buf = '';
  }

  /** close writes what is buffered and closes the file. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
