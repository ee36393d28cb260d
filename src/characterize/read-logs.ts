/**
 * readLogs: access logs (files, gzip or plain, or `-` for stdin) read in one pass into LogRecords, handed to a sink
 * merged by time across files. Each file is only roughly in time order (servers log at completion, threads race),
 * so the merge is a k-way merge on each file's current record and never a sort: small disorder within a file passes
 * through, and the analysis tolerates it. Memory holds one chunk's records per file, whatever the logs' length.
 */
import type { Readable } from 'node:stream';
import { GauntletError } from '../errors.js';
import { detectParser, SAMPLE_LINES } from './detect-format.js';
import type { LineParser, ParseOptions } from './formats/line-parser.js';
import { type LineBatch, type LineSource, MAX_LINE_CHARS, openLineSource } from './line-source.js';
import type { FileReadStats, LogFormat, LogRecord, MalformedLine } from './log-record.js';

/** DEFAULT_MAX_MALFORMED_FRACTION: above this fraction of a file's lines malformed, reading is refused. */
export const DEFAULT_MAX_MALFORMED_FRACTION = 0.05;
/** FIRST_MALFORMED_KEPT is how many malformed lines are reported by number and reason. */
export const FIRST_MALFORMED_KEPT = 10;

/** ReadOptions says how to read the logs. */
export interface ReadOptions extends ParseOptions {
  /** The format of every input, or `auto` (the default) to detect it per file. */
  format?: 'auto' | LogFormat;
  /** Above this fraction of a file's request lines malformed, GAUNTLET_ERR_LOG_FORMAT (default 0.05). */
  maxMalformedFraction?: number;
  /** What `-` reads (default process.stdin). */
  stdin?: Readable;
  /** A longer line is malformed (default MAX_LINE_CHARS, 64 Ki characters). */
  maxLineChars?: number;
  /** Aborted (Ctrl-C): reading stops at the next chunk, and the result says it was interrupted. */
  signal?: AbortSignal;
}

/** ReadResult says what was read, beside the records handed to the sink. */
export interface ReadResult {
  files: FileReadStats[];
  lines: number;
  records: number;
  malformed: number;
  /** malformed / (records + malformed), over all files. */
  malformedFraction: number;
  /** The first FIRST_MALFORMED_KEPT malformed lines: file, line number and reason, never the text. */
  firstMalformed: MalformedLine[];
  warnings: string[];
  /** Where arrival times come from, per format read (e.g. `log time − $request_time (nginx logs completion)`). */
  arrivalTime: string;
  /** The coarsest timestamp resolution among the records, in µs (1e6 for $time_local). */
  timestampResolutionUs: number;
  /** Which fields any record carried. */
  fields: { latency: boolean; requestBytes: boolean; responseBytes: boolean; status: boolean; route: boolean };
  /** Set when the signal stopped the reading before every input's end. */
  interrupted: boolean;
  /** The largest step back in time between consecutive records handed to the sink, in µs (0 when all were in order). */
  maxBackstepUs: number;
}

/** FileCursor reads one input batch by batch into records. */
class FileCursor {
  readonly stats: FileReadStats;
  records: LogRecord[] = [];
  i = 0;
  private parser: LineParser | undefined;
  private pending: LineBatch[] = [];
  private lineNo = 0;
  /** Lines read from the input so far, parsed or still pending. */
  private linesSeen = 0;

  constructor(
    readonly source: LineSource,
    private readonly malformedOut: MalformedLine[],
    private readonly maxLineChars: number,
    private readonly signal?: AbortSignal,
  ) {
    this.stats = { name: source.name, format: 'empty', lines: 0, records: 0, malformed: 0 };
  }

  /** start reads the first non-empty lines and picks the parser; false when the input has no non-empty line. */
  async start(format: 'auto' | LogFormat, options: ParseOptions): Promise<boolean> {
    const sample: string[] = [];
    while (sample.length < SAMPLE_LINES) {
      const batch = await this.nextBatch();
      if (batch === undefined) break;
      this.pending.push(batch);
      for (const line of batch) {
        if (line !== null && line.trim() !== '') sample.push(line);
        if (sample.length === SAMPLE_LINES) break;
      }
    }
    if (sample.length === 0) {
      for (const batch of this.pending) this.parse(batch);
      this.pending = [];
      if (this.stats.malformed > 0) {
        throw new GauntletError('GAUNTLET_ERR_LOG_FORMAT', `${this.source.name}: no format reads it: its ${this.stats.malformed} line(s) are all longer than ${this.maxLineChars} characters (binary, or not one request per line?)`);
      }
      return false;
    }
    this.parser = detectParser(this.source.name, sample, format, options).parser;
    this.finish();
    return true;
  }

  /** finish labels the stats with the variant read (known for sure once lines are parsed: the gauntlet access log is told by its keys). */
  finish(): void {
    if (this.parser !== undefined) this.stats.format = this.parser.variant + (this.source.state.gzip ? ' (gzip)' : '');
  }

  /** arrivalTime is where the parser takes arrival times from. */
  get arrivalTime(): string | undefined {
    return this.parser?.arrivalTime;
  }
  /** warnings are the parser's, once the input is read. */
  warnings(): string[] {
    return this.parser?.warnings() ?? [];
  }

  /** fill loads the next batch that has records; false at the end of the input. */
  async fill(): Promise<boolean> {
    for (;;) {
      const batch = this.pending.shift() ?? (await this.nextBatch());
      if (batch === undefined) return false;
      this.records = this.parse(batch);
      this.i = 0;
      if (this.records.length > 0) return true;
    }
  }

  /** nextBatch is the input's next batch of lines; a read that fails midway (EIO, a pipe reset) names the input. */
  private async nextBatch(): Promise<LineBatch | undefined> {
    try {
      // An interrupt ends the wait for more lines (stdin that is still open): the input then ends here.
      const next = this.source.batches.next();
      const r = this.signal === undefined ? await next : await unlessAborted(next, this.signal);
      if (r === undefined || r.done) return undefined;
      this.linesSeen += r.value.length;
      return r.value;
    } catch (err) {
      if (err instanceof GauntletError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `cannot read access log ${this.stats.name} after line ${this.linesSeen}: ${(err as Error).message}${code === undefined ? '' : ` (${code})`}`);
    }
  }

  /** parse reads a batch's lines into records, counting the malformed ones. */
  private parse(batch: LineBatch): LogRecord[] {
    const out: LogRecord[] = [];
    const parser = this.parser;
    const stats = this.stats;
    for (let k = 0; k < batch.length; k++) {
      const line = batch[k]!;
      this.lineNo++;
      stats.lines++;
      let r: LogRecord | string | undefined;
      if (line === null) r = `longer than ${this.maxLineChars} characters`;
      else if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) continue;
      else if (parser === undefined) continue;
      else r = parser.parse(line);
      if (r === undefined) continue;
      if (typeof r === 'string') {
        stats.malformed++;
        if (this.malformedOut.length < FIRST_MALFORMED_KEPT) this.malformedOut.push({ file: stats.name, line: this.lineNo, reason: r });
        continue;
      }
      out.push(r);
    }
    stats.records += out.length;
    return out;
  }
}

/**
 * readLogs reads every input once and hands its records to `sink`, merged by time across inputs. It throws
 * GAUNTLET_ERR_LOG_FORMAT (no format reads a file, or too many malformed lines), GAUNTLET_ERR_LOG_EMPTY (no records
 * at all) and GAUNTLET_ERR_INVALID_ARGUMENT (an unreadable file, a bad --log-format or --model-field).
 */
export async function readLogs(inputs: string[], options: ReadOptions, sink: (r: LogRecord) => void): Promise<ReadResult> {
  if (inputs.length === 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'no access log to read');
  if (inputs.filter((i) => i === '-').length > 1) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', '- (stdin) can be read only once');
  const maxLineChars = options.maxLineChars ?? MAX_LINE_CHARS;
  const f = options.maxMalformedFraction;
  if (f !== undefined && !(f >= 0 && f <= 1)) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--max-malformed must be a fraction from 0 to 1, not ${f}`);
  const sources: LineSource[] = [];
  try {
    for (const name of inputs) sources.push(await openLineSource(name, options.stdin, maxLineChars));
    return await readSources(sources, options, sink);
  } finally {
    for (const s of sources) s.close();
  }
}

/**
 * unlessAborted is `next`, or undefined as soon as the signal aborts. Its listener is removed once `next` settles:
 * racing every batch against one long-lived abort promise would leave a reaction (and its batch) per race behind.
 */
function unlessAborted<T>(next: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    next.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (err: unknown) => (signal.removeEventListener('abort', onAbort), reject(err)),
    );
  });
}

/** readSources is readLogs once every input is open. */
async function readSources(sources: LineSource[], options: ReadOptions, sink: (r: LogRecord) => void): Promise<ReadResult> {
  const maxFraction = options.maxMalformedFraction ?? DEFAULT_MAX_MALFORMED_FRACTION;
  const maxLineChars = options.maxLineChars ?? MAX_LINE_CHARS;
  const firstMalformed: MalformedLine[] = [];
  const cursors = sources.map((s) => new FileCursor(s, firstMalformed, maxLineChars, options.signal));
  const active: FileCursor[] = [];
  for (const c of cursors) if ((await c.start(options.format ?? 'auto', options)) && (await c.fill())) active.push(c);

  const fields = { latency: false, requestBytes: false, responseBytes: false, status: false, route: false };
  let resolutionUs = 0;
  let lastUs = -Infinity;
  let maxBackstepUs = 0;
  const emit = (r: LogRecord): void => {
    if (r.resolutionUs > resolutionUs) resolutionUs = r.resolutionUs;
    if (r.startUs < lastUs) maxBackstepUs = Math.max(maxBackstepUs, lastUs - r.startUs);
    else lastUs = r.startUs;
    if (r.latencyUs !== undefined) fields.latency = true;
    if (r.requestBytes !== undefined) fields.requestBytes = true;
    if (r.responseBytes !== undefined) fields.responseBytes = true;
    if (r.status !== undefined) fields.status = true;
    if (r.route !== undefined) fields.route = true;
    sink(r);
  };
  let interrupted = false;
  while (active.length > 0) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    /* Find the cursor with the earliest current record, and the runner-up's time: the winner's records are emitted
       while they are not later than the runner-up, so files that do not overlap in time merge in O(records). */
    let m = 0;
    let second = Infinity;
    for (let k = 1; k < active.length; k++) {
      const t = active[k]!.records[active[k]!.i]!.startUs;
      const best = active[m]!.records[active[m]!.i]!.startUs;
      if (t < best) (second = best), (m = k);
      else if (t < second) second = t;
    }
    const c = active[m]!;
    const recs = c.records;
    let i = c.i;
    do emit(recs[i++]!);
    while (i < recs.length && recs[i]!.startUs <= second);
    c.i = i;
    if (i === recs.length && !(await c.fill())) active.splice(m, 1);
  }

  // An interrupt during a wait for lines ends that input as if it had ended: still an interrupted read.
  if (options.signal?.aborted) interrupted = true;
  const warnings: string[] = [];
  const arrival = new Set<string>();
  let lines = 0;
  let records = 0;
  let malformed = 0;
  for (const c of cursors) {
    c.finish();
    const s = c.stats;
    lines += s.lines;
    records += s.records;
    malformed += s.malformed;
    if (c.arrivalTime !== undefined && s.records > 0) arrival.add(c.arrivalTime);
    if (c.source.state.truncated) {
      s.truncated = true;
      warnings.push(`${s.name}: ${c.source.state.truncation}; its ${s.records} records up to the break (line ${s.lines}) are kept`);
    }
    for (const w of c.warnings()) warnings.push(`${s.name}: ${w}`);
  }
  if (records === 0) {
    const detail = firstMalformed[0] === undefined ? '' : ` (line ${firstMalformed[0].line}: ${firstMalformed[0].reason})`;
    throw new GauntletError('GAUNTLET_ERR_LOG_EMPTY', `${cursors.map((c) => c.stats.name).join(', ')}: no requests with usable timestamps in ${lines} line(s)${detail}`, warnings);
  }
  for (const c of cursors) {
    const s = c.stats;
    if (s.records === 0) warnings.push(`${s.name}: no requests with usable timestamps in ${s.lines} line(s); the other inputs are read`);
    const fraction = s.malformed / (s.records + s.malformed);
    if (s.malformed > 0 && fraction > maxFraction) {
      throw new GauntletError(
        'GAUNTLET_ERR_LOG_FORMAT',
        `${s.name}: ${percent(fraction)} of its request lines are malformed (${s.malformed} of ${s.records + s.malformed}), above the limit of ${percent(maxFraction)} (--max-malformed); is the format right (${s.format})?`,
        firstMalformed.filter((m) => m.file === s.name).map((m) => `${m.file}:${m.line}: ${m.reason}`),
      );
    }
  }
  return {
    files: cursors.map((c) => c.stats),
    lines,
    records,
    malformed,
    malformedFraction: malformed / (records + malformed),
    firstMalformed,
    warnings,
    arrivalTime: [...arrival].join('; '),
    timestampResolutionUs: resolutionUs,
    fields,
    maxBackstepUs,
    interrupted,
  };
}

/** percent shows a fraction as a percentage with sensible digits. */
function percent(f: number): string {
  return `${(f * 100).toFixed(f < 0.01 ? 2 : 1)} %`;
}
