/**
 * ResultsWriter keeps a run's results on disk while the run goes: results.json is rewritten atomically
 * (temp file + rename) each second, so it is always a complete JSON document even if the process is killed,
 * and latency.hlog gets one HdrHistogram interval-log line per (second, phase) as each second finishes.
 * Every write carries a heartbeat (time, interval, process, host); while the status is running, the writer
 * rewrites the last document at least every HEARTBEAT_INTERVAL_S, even when the run is busy elsewhere (waiting
 * for the last replies, stopping faults), so a reader can tell a live run from a dead one (liveness.ts).
 */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HistogramLogWriter } from 'hdr-histogram-js';
import type { Histogram } from '../metrics/hdr.js';
import { TOKEN_HISTS, type TokenHists } from '../metrics/token-aggregate.js';
import { HEARTBEAT_INTERVAL_S } from './liveness.js';
import type { ResultsFile } from './results-schema.js';

/** HLOG_FILE and RESULTS_FILE are the names of the files in a run's folder. */
export const RESULTS_FILE = 'results.json';
export const HLOG_FILE = 'latency.hlog';

/** ResultsWriter writes one run's folder. */
export class ResultsWriter {
  private readonly hlog: HistogramLogWriter;
  private readonly hlogPath: string;
  private last: ResultsFile | undefined;
  private lastWriteMs = 0;
  private beat: NodeJS.Timeout | undefined;

  constructor(
    readonly dir: string,
    startEpochMs: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.hlogPath = path.join(dir, HLOG_FILE);
    writeFileSync(this.hlogPath, '');
    this.hlog = new HistogramLogWriter((text: string) => appendFileSync(this.hlogPath, text));
    this.hlog.outputLogFormatVersion();
    this.hlog.outputComment('gauntlet latency log: values in microseconds (intended send time to response), one line per second and phase (Tag)');
    this.hlog.outputComment(`LLM targets add token lines tagged <phase>:<${TOKEN_HISTS.join('|')}> (µs; token counts; output tokens/s in thousandths)`);
    this.hlog.outputStartTime(startEpochMs);
    this.hlog.outputLegend();
  }

  /** appendInterval writes one interval histogram to the .hlog; `second` counts from the run's start. */
  appendInterval(second: number, phase: string, histogram: Histogram): void {
    histogram.tag = phase.replace(/[^A-Za-z0-9_.-]/g, '_');
    this.hlog.outputIntervalHistogram(histogram, second, second + 1, 1000);
  }

  /**
   * appendTokenIntervals writes a second's token histograms (LLM targets), tagged `<phase>:<name>` (TOKEN_HISTS).
   * A colon is never in a phase's own tag, so readers that look for phase tags (hlog-read.ts) skip these lines.
   */
  appendTokenIntervals(second: number, phase: string, tokens: TokenHists): void {
    const tag = phase.replace(/[^A-Za-z0-9_.-]/g, '_');
    for (const name of TOKEN_HISTS) {
      const h = tokens.h[name];
      h.tag = `${tag}:${name}`;
      this.hlog.outputIntervalHistogram(h, second, second + 1, name === 'ttft' || name === 'itl' || name === 'tpot' ? 1000 : 1);
    }
  }

  /**
   * write replaces results.json atomically, with a fresh heartbeat. A running snapshot is not judged yet: its
   * `valid` is written as null whatever the object says. A final status stops the heartbeat.
   */
  write(results: ResultsFile): void {
    this.last = results;
    this.writeFile(results);
    if (results.status === 'running') this.startBeat();
    else this.close();
  }

  /** close stops the heartbeat (the file then goes stale if it is still running: its run ended without a final write). */
  close(): void {
    if (this.beat) clearInterval(this.beat);
    this.beat = undefined;
  }

  private writeFile(results: ResultsFile): void {
    const heartbeat = { updatedAt: new Date().toISOString(), intervalS: HEARTBEAT_INTERVAL_S, pid: process.pid, host: os.hostname() };
    const { incomplete: _reader, ...doc } = results;
    const file = path.join(this.dir, RESULTS_FILE);
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify({ ...doc, valid: results.status === 'running' ? null : results.valid, heartbeat }, null, 1)}\n`);
    renameSync(tmp, file);
    this.lastWriteMs = Date.now();
  }

  private startBeat(): void {
    if (this.beat) return;
    const everyMs = HEARTBEAT_INTERVAL_S * 1000;
    this.beat = setInterval(() => {
      if (!this.last || Date.now() - this.lastWriteMs < everyMs) return;
      try {
        this.writeFile(this.last);
      } catch {
        // The next regular write reports the problem (a full disk); a missed beat only ages the heartbeat.
      }
    }, everyMs);
    // The heartbeat never keeps a process alive on its own.
    this.beat.unref();
  }
}
