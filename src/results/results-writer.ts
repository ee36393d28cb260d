/**
 * ResultsWriter keeps a run's results on disk while the run goes: results.json is rewritten atomically
 * (temp file + rename) each second, so it is always a complete JSON document even if the process is killed,
 * and latency.hlog gets one HdrHistogram interval-log line per (second, phase) as each second finishes.
 */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HistogramLogWriter } from 'hdr-histogram-js';
import type { Histogram } from '../metrics/hdr.js';
import type { ResultsFile } from './results-schema.js';

/** HLOG_FILE and RESULTS_FILE are the names of the files in a run's folder. */
export const RESULTS_FILE = 'results.json';
export const HLOG_FILE = 'latency.hlog';

/** ResultsWriter writes one run's folder. */
export class ResultsWriter {
  private readonly hlog: HistogramLogWriter;
  private readonly hlogPath: string;

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
    this.hlog.outputStartTime(startEpochMs);
    this.hlog.outputLegend();
  }

  /** appendInterval writes one interval histogram to the .hlog; `second` counts from the run's start. */
  appendInterval(second: number, phase: string, histogram: Histogram): void {
    histogram.tag = phase.replace(/[^A-Za-z0-9_.-]/g, '_');
    this.hlog.outputIntervalHistogram(histogram, second, second + 1, 1000);
  }

  /** write replaces results.json atomically. */
  write(results: ResultsFile): void {
    const file = path.join(this.dir, RESULTS_FILE);
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(results, null, 1)}\n`);
    renameSync(tmp, file);
  }
}
