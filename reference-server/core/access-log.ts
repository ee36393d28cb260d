/**
 * The reference server's access log: one JSON line per answered request (docs/reference-server.md#access-log),
 * written off the request path. A request only formats its line and copies it into a memory buffer; the buffer
 * goes to the file in batches, by asynchronous appends, on a short timer or once it is large. The buffer is
 * bounded: when the disk cannot keep up, the lines beyond the bound are dropped and counted, never waited for.
 * Lines are encoded into off-heap chunks at once, so that the strings die young: kept as strings until written,
 * they outlived the young generation and doubled the garbage collector's cost per request.
 */
import { closeSync, openSync, writevSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

/** AccessEntry is one answered request, before it is written as a line. */
export interface AccessEntry {
  /** Arrival, in microseconds since the Unix epoch (from AccessLog.nowUs). */
  startUs: number;
  /** Arrival to the last response byte handed to the socket (or the gRPC call's end), in microseconds. */
  durationUs: number;
  protocol: 'http' | 'grpc';
  /** The HTTP method, or the gRPC method name (`ModelInfer`). */
  method: string;
  /** The HTTP path without its query string, or the gRPC method path. */
  route: string;
  model?: string;
  version?: string;
  /** The HTTP status (`200`), or the gRPC status name (`OK`, `UNAVAILABLE`). */
  status: string;
  requestBytes: number;
  responseBytes: number;
}

/** AccessLogOptions bounds the buffer and sets how often it is written. */
export interface AccessLogOptions {
  /** Lines held in memory at most, written or not yet (default ACCESS_LOG_MAX_LINES). */
  maxLines?: number;
  /** Bytes held in memory at most (default ACCESS_LOG_MAX_BYTES). */
  maxBytes?: number;
  /** Milliseconds a line may wait in the buffer before it is written (default ACCESS_LOG_FLUSH_MS). */
  flushMs?: number;
  /** Where the one warning about dropped lines goes (default: stderr). */
  warn?: (line: string) => void;
}

/** ACCESS_LOG_MAX_LINES is the default bound of the buffer in lines. */
export const ACCESS_LOG_MAX_LINES = 65_536;
/** ACCESS_LOG_MAX_BYTES is the default bound of the buffer in bytes (8 MiB). */
export const ACCESS_LOG_MAX_BYTES = 8 * 1024 * 1024;
/** ACCESS_LOG_FLUSH_MS is how long a line waits in the buffer at most by default before its write starts. */
export const ACCESS_LOG_FLUSH_MS = 200;
/** WRITE_AT_BYTES starts a write at once when this much is buffered, without waiting for the timer. */
const WRITE_AT_BYTES = 256 * 1024;
/** CHUNK_BYTES is the size of each buffer lines are encoded into. */
const CHUNK_BYTES = 64 * 1024;

/** AccessLogOpenError says the access log file cannot be opened (serve exits 2 with it). */
export class AccessLogOpenError extends Error {
  constructor(
    readonly path: string,
    readonly error: NodeJS.ErrnoException,
  ) {
    super(`cannot open the access log ${path}: ${error.message}`);
  }
}

/** AccessLog appends JSON lines to one file from a bounded memory buffer; open it with AccessLog.open. */
export class AccessLog {
  /** dropped counts the lines lost: beyond the buffer's bound, or in a write that failed. */
  dropped = 0;
  /** written counts the lines handed to the file. */
  written = 0;
  /** Filled chunks not yet written, then the chunk being filled and how much of it is. */
  private full: Buffer[] = [];
  private chunk: Buffer | undefined;
  private chunkUsed = 0;
  private pendingLines = 0;
  private pendingBytes = 0;
  /** Lines and bytes of the write in progress (they still count against the bound). */
  private writingLines = 0;
  private writingBytes = 0;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private warned = false;
  private warnedWrite = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly anchorUs: number;
  private readonly anchorMs: number;
  private isoSecond = -1;
  private isoPrefix = '';
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly flushMs: number;
  private readonly warn: (line: string) => void;
  private readonly onExit = (): void => this.writeRestSync();

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    opts: AccessLogOptions,
  ) {
    this.maxLines = opts.maxLines ?? ACCESS_LOG_MAX_LINES;
    this.maxBytes = opts.maxBytes ?? ACCESS_LOG_MAX_BYTES;
    this.flushMs = opts.flushMs ?? ACCESS_LOG_FLUSH_MS;
    this.warn = opts.warn ?? ((line) => process.stderr.write(`${line}\n`));
    // One wall-clock anchor, then the monotonic clock: microseconds that are real and never step back.
    this.anchorMs = performance.now();
    this.anchorUs = Math.round((performance.timeOrigin + this.anchorMs) * 1000);
    // A process that exits without closing the log (a second signal) still writes what is buffered.
    process.once('exit', this.onExit);
  }

  /** open opens (or creates) `path` for appending; it throws AccessLogOpenError when it cannot. */
  static async open(path: string, opts: AccessLogOptions = {}): Promise<AccessLog> {
    try {
      return new AccessLog(path, await open(path, 'a'), opts);
    } catch (err) {
      throw new AccessLogOpenError(path, err as NodeJS.ErrnoException);
    }
  }

  /** nowUs is the wall clock now in microseconds since the epoch, monotonic within this log. */
  nowUs(): number {
    return this.anchorUs + Math.round((performance.now() - this.anchorMs) * 1000);
  }

  /** record formats one request as a line and buffers it; when the buffer is full, the line is dropped and counted. */
  record(e: AccessEntry): void {
    if (this.closed) return;
    const line = this.format(e);
    if (this.pendingLines + this.writingLines >= this.maxLines || this.pendingBytes + this.writingBytes + line.length > this.maxBytes) {
      this.dropped++;
      if (!this.warned) {
        this.warned = true;
        this.warn(`warning: access log ${this.path}: the disk does not keep up; lines are dropped (counted in gauntlet_access_log_dropped_total)`);
      }
      return;
    }
    this.append(line);
    this.pendingLines++;
    if (this.pendingBytes >= WRITE_AT_BYTES) this.startWrite();
    else this.timer ??= setTimeout(() => this.startWrite(), this.flushMs).unref();
  }

  /** flush resolves once every line recorded so far is written. */
  async flush(): Promise<void> {
    while (this.writing || this.pendingLines) {
      if (!this.writing) this.startWrite();
      await this.writing;
    }
  }

  /** close writes what is buffered and closes the file; later lines are ignored. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      this.closed = true;
      clearTimeout(this.timer);
      process.off('exit', this.onExit);
      await this.file.close();
    })();
    return this.closing;
  }

  /** append encodes `line` into the chunk being filled (a new one when it may not fit: UTF-8 takes up to 3 bytes a character). */
  private append(line: string): void {
    if (line.length * 3 > CHUNK_BYTES) {
      this.takeChunk();
      const b = Buffer.from(line, 'utf8');
      this.full.push(b);
      this.pendingBytes += b.length;
      return;
    }
    if (this.chunk === undefined || CHUNK_BYTES - this.chunkUsed < line.length * 3) {
      this.takeChunk();
      this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    }
    const n = this.chunk.write(line, this.chunkUsed, 'utf8');
    this.chunkUsed += n;
    this.pendingBytes += n;
  }

  /** takeChunk moves the filled part of the chunk being filled to the full ones. */
  private takeChunk(): void {
    if (this.chunk !== undefined && this.chunkUsed > 0) this.full.push(this.chunk.subarray(0, this.chunkUsed));
    this.chunk = undefined;
    this.chunkUsed = 0;
  }

  private startWrite(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing || this.pendingLines === 0) return;
    this.takeChunk();
    const buffers = this.full;
    const lines = this.pendingLines;
    this.full = [];
    this.writingLines = lines;
    this.writingBytes = this.pendingBytes;
    this.pendingLines = 0;
    this.pendingBytes = 0;
    this.writing = this.file.writev(buffers).then(
      () => {
        this.written += lines;
      },
      (err: Error) => {
        this.dropped += lines;
        // Once: a full disk fails every write, and stderr is no place for one warning per 200 ms.
        if (!this.warnedWrite) this.warn(`warning: access log ${this.path}: a write failed (${err.message}); its lines are dropped, and those of later failed writes (counted in gauntlet_access_log_dropped_total)`);
        this.warnedWrite = true;
      },
    ).finally(() => {
      this.writing = undefined;
      this.writingLines = 0;
      this.writingBytes = 0;
      if (this.pendingLines && !this.closed) this.timer ??= setTimeout(() => this.startWrite(), this.pendingBytes >= WRITE_AT_BYTES ? 0 : this.flushMs).unref();
    });
  }

  /** writeRestSync appends the buffered lines synchronously: only at process exit, when nothing async runs any more. */
  private writeRestSync(): void {
    if (this.closed || this.pendingLines === 0) return;
    this.takeChunk();
    try {
      const fd = openSync(this.path, 'a');
      writevSync(fd, this.full);
      closeSync(fd);
      this.written += this.pendingLines;
    } catch {
      this.dropped += this.pendingLines;
    }
    this.full = [];
    this.pendingLines = 0;
    this.pendingBytes = 0;
  }

  private format(e: AccessEntry): string {
    let line = `{"time":"${this.iso(e.startUs)}","start_us":${e.startUs},"duration_us":${e.durationUs},"protocol":"${e.protocol}","method":${JSON.stringify(e.method)},"route":${JSON.stringify(e.route)}`;
    if (e.model !== undefined) line += `,"model":${JSON.stringify(e.model)}`;
    if (e.version !== undefined) line += `,"version":${JSON.stringify(e.version)}`;
    return `${line},"status":${JSON.stringify(e.status)},"request_bytes":${e.requestBytes},"response_bytes":${e.responseBytes}}\n`;
  }

  /** iso writes `us` as ISO 8601 UTC with microseconds; the part up to the second is computed once per second. */
  private iso(us: number): string {
    const second = Math.floor(us / 1e6);
    if (second !== this.isoSecond) {
      this.isoSecond = second;
      this.isoPrefix = new Date(second * 1000).toISOString().slice(0, 19);
    }
    return `${this.isoPrefix}.${String(us - second * 1e6).padStart(6, '0')}Z`;
  }
}

/** servedVersion makes the lookup of the version a model name is served at (undefined for a model it does not serve), for log lines of requests that named none. */
export function servedVersion(core: { model(name: string, version: string): { version: string } }): (name: string) => string | undefined {
  return (name) => {
    try {
      return core.model(name, '').version;
    } catch {
      return undefined;
    }
  };
}
