/**
 * ResponseParser: an incremental HTTP/1.x response parser for one connection, reused for every response on it.
 * It reads the status line and the few headers that frame the body (Content-Length, Transfer-Encoding: chunked,
 * Connection), counts body bytes and keeps them only up to a limit. Input chunks may be reused by the caller
 * after `execute` returns (the pool reads into one shared buffer), so everything kept is copied.
 */

/** NEED_MORE: the response is not complete yet. */
export const NEED_MORE = 0;
/** COMPLETE: the response is complete (see `status`, `bodyBytes`, `keepAlive`, `trailing`). */
export const COMPLETE = 1;
/** MALFORMED: the bytes are not a valid HTTP/1.x response (see `error`). */
export const MALFORMED = 2;

const HEAD = 0;
const LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_EXT = 3;
const CHUNK_SIZE_LF = 4;
const CHUNK_DATA = 5;
const CHUNK_DATA_CR = 6;
const CHUNK_DATA_LF = 7;
const TRAILER_START = 8;
const TRAILER_LINE = 9;
const TRAILER_LINE_LF = 10;
const TRAILER_END_LF = 11;
const UNTIL_CLOSE = 12;
const DONE = 13;

const CR = 13;
const LF = 10;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const PREFIX = Buffer.from('HTTP/1.', 'latin1');
/** Largest response head accepted. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Largest chunk size accepted (keeps the arithmetic exact). */
const MAX_CHUNK = 2 ** 48;

/** ResponseParser parses one response at a time; call `reset` before each. */
export class ResponseParser {
  /** The final status code (0 until the head is parsed). */
  status = 0;
  /** Body bytes received (decoded: chunk framing is not counted). */
  bodyBytes = 0;
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** Bytes received after the end of the response (a server speaking out of turn). */
  trailing = 0;
  /** The response head (status line and headers) when body keeping was asked for a 2xx response, else ''. */
  head = '';
  /** The kept body chunks (copies). */
  body: Buffer[] = [];
  /** Why the response is MALFORMED. */
  error = '';

  private state = HEAD;
  private remaining = 0;
  private sawDigit = false;
  private partial: Buffer | null = null;
  private keepOk = 0;
  private keepError = 0;
  private keepLimit = 0;
  private kept = 0;
  private noBody = false;

  /** reset prepares for a new response: keep up to `keepOk` body bytes of a 2xx and `keepError` of any other; `noBody` for HEAD. */
  reset(keepOk: number, keepError: number, noBody: boolean): void {
    this.status = 0;
    this.bodyBytes = 0;
    this.keepAlive = true;
    this.trailing = 0;
    this.head = '';
    if (this.body.length > 0) this.body = [];
    this.error = '';
    this.state = HEAD;
    this.partial = null;
    this.keepOk = keepOk;
    this.keepError = keepError;
    this.kept = 0;
    this.noBody = noBody;
  }

  /** execute consumes chunk[0, length) and says whether the response is complete, needs more, or is malformed. */
  execute(chunk: Buffer, length = chunk.length): number {
    let buf = chunk;
    let len = length;
    let off = 0;
    while (off < len) {
      const state = this.state;
      if (state === HEAD) {
        let from = off;
        if (this.partial !== null) {
          from = Math.max(0, this.partial.length - 3);
          buf = Buffer.concat([this.partial, buf.subarray(off, len)]);
          len = buf.length;
          off = 0;
          this.partial = null;
        }
        const n = Math.min(PREFIX.length, len - off);
        if (buf.compare(PREFIX, 0, n, off, off + n) !== 0) return this.fail('the response does not start with HTTP/1.x');
        const found = buf.indexOf(CRLFCRLF, from);
        const end = found + 4 <= len ? found : -1;
        if (end === -1) {
          if (len - off > MAX_HEAD_BYTES) return this.fail(`the response head is over ${MAX_HEAD_BYTES} bytes`);
          this.partial = Buffer.from(buf.subarray(off, len));
          return NEED_MORE;
        }
        if (!this.parseHead(buf, off, end)) return MALFORMED;
        off = end + 4;
      } else if (state === LENGTH || state === CHUNK_DATA || state === UNTIL_CLOSE) {
        const n = state === UNTIL_CLOSE ? len - off : Math.min(this.remaining, len - off);
        this.bodyBytes += n;
        if (this.kept < this.keepLimit) this.keep(buf, off, n);
        off += n;
        if (state !== UNTIL_CLOSE) {
          this.remaining -= n;
          if (this.remaining === 0) this.state = state === LENGTH ? DONE : CHUNK_DATA_CR;
        }
      } else if (state === DONE) {
        this.trailing = len - off;
        return COMPLETE;
      } else if (!this.framing(buf[off]!)) return MALFORMED;
      else off++;
    }
    return this.state === DONE ? COMPLETE : NEED_MORE;
  }

  /** finish is called when the server closes the connection: COMPLETE if the body ran until the close, else NEED_MORE (cut short). */
  finish(): number {
    if (this.state === UNTIL_CLOSE || this.state === DONE) {
      this.state = DONE;
      return COMPLETE;
    }
    return NEED_MORE;
  }

  /** framing handles one byte of chunked framing (sizes, extensions, CRLFs, trailers); false when it is invalid. */
  private framing(b: number): boolean {
    switch (this.state) {
      case CHUNK_SIZE: {
        const v = b >= 48 && b <= 57 ? b - 48 : b >= 97 && b <= 102 ? b - 87 : b >= 65 && b <= 70 ? b - 55 : -1;
        if (v >= 0) {
          this.remaining = this.remaining * 16 + v;
          this.sawDigit = true;
          if (this.remaining > MAX_CHUNK) return this.bad('a chunk size is too large');
        } else if (!this.sawDigit) return this.bad('a chunk size has no digits');
        else if (b === CR) this.state = CHUNK_SIZE_LF;
        else if (b === 59 || b === 32 || b === 9) this.state = CHUNK_EXT; // ';' or whitespace before an extension
        else return this.bad('a chunk size is not hexadecimal');
        return true;
      }
      case CHUNK_EXT:
        if (b === CR) this.state = CHUNK_SIZE_LF;
        return true;
      case CHUNK_SIZE_LF:
        if (b !== LF) return this.bad('a chunk size line does not end with CRLF');
        this.state = this.remaining === 0 ? TRAILER_START : CHUNK_DATA;
        return true;
      case CHUNK_DATA_CR:
        this.state = CHUNK_DATA_LF;
        return b === CR || this.bad('chunk data is not followed by CRLF');
      case CHUNK_DATA_LF:
        this.state = CHUNK_SIZE;
        this.remaining = 0;
        this.sawDigit = false;
        return b === LF || this.bad('chunk data is not followed by CRLF');
      case TRAILER_START:
        this.state = b === CR ? TRAILER_END_LF : TRAILER_LINE;
        return true;
      case TRAILER_LINE:
        if (b === CR) this.state = TRAILER_LINE_LF;
        return true;
      case TRAILER_LINE_LF:
        this.state = TRAILER_START;
        return b === LF || this.bad('a trailer line does not end with CRLF');
      case TRAILER_END_LF:
        this.state = DONE;
        return b === LF || this.bad('the trailers do not end with CRLF');
      default:
        return this.bad(`internal parser state ${this.state}`);
    }
  }

  /** parseHead reads the status line and headers in buf[start, end) and picks how the body is framed. */
  private parseHead(buf: Buffer, start: number, end: number): boolean {
    const lineEnd = buf.indexOf(CR, start);
    const minor = buf[start + 7];
    const d0 = buf[start + 9]! - 48;
    const d1 = buf[start + 10]! - 48;
    const d2 = buf[start + 11]! - 48;
    const okLine =
      lineEnd >= start + 12 && (minor === 48 || minor === 49) && buf[start + 8] === 32 &&
      d0 >= 1 && d0 <= 5 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9 && (lineEnd === start + 12 || buf[start + 12] === 32);
    if (!okLine) return this.bad(`bad status line ${JSON.stringify(buf.toString('latin1', start, Math.min(lineEnd, start + 80)))}`);
    const status = d0 * 100 + d1 * 10 + d2;
    let keepAlive = minor === 49;
    let length = -1;
    let chunked = false;
    let otherCoding = false;
    let pos = lineEnd + 2;
    while (pos < end) {
      const le = buf.indexOf(CR, pos);
      if (buf[le + 1] !== LF) return this.bad('a header line does not end with CRLF');
      const colon = buf.indexOf(58, pos);
      if (colon <= pos || colon > le) return this.bad(`bad header line ${JSON.stringify(buf.toString('latin1', pos, Math.min(le, pos + 80)))}`);
      const nameLen = colon - pos;
      if (nameLen === 14 && nameIs(buf, pos, 'content-length')) {
        const v = parseLength(buf, colon + 1, le);
        if (v < 0 || (length >= 0 && v !== length)) return this.bad('bad or conflicting Content-Length');
        length = v;
      } else if (nameLen === 17 && nameIs(buf, pos, 'transfer-encoding')) {
        const v = buf.toString('latin1', colon + 1, le).trim().toLowerCase();
        chunked = v === 'chunked' || v.endsWith(',chunked') || v.endsWith(' chunked');
        otherCoding = !chunked;
      } else if (nameLen === 10 && nameIs(buf, pos, 'connection')) {
        const v = buf.toString('latin1', colon + 1, le).toLowerCase();
        if (v.includes('close')) keepAlive = false;
        else if (v.includes('keep-alive')) keepAlive = true;
      }
      pos = le + 2;
    }
    if (status < 200) return true; // 1xx: an interim response, the final one follows
    this.status = status;
    this.keepAlive = keepAlive;
    this.keepLimit = status < 300 ? this.keepOk : this.keepError;
    if (this.keepLimit > 0) this.head = buf.toString('latin1', start, end);
    if (this.noBody || status === 204 || status === 304) this.state = DONE;
    else if (chunked) {
      this.state = CHUNK_SIZE;
      this.remaining = 0;
      this.sawDigit = false;
    } else if (length >= 0 && !otherCoding) {
      this.remaining = length;
      this.state = length === 0 ? DONE : LENGTH;
    } else {
      this.state = UNTIL_CLOSE;
      this.keepAlive = false;
    }
    return true;
  }

  private keep(buf: Buffer, off: number, n: number): void {
    const take = Math.min(n, this.keepLimit - this.kept);
    this.body.push(Buffer.from(buf.subarray(off, off + take)));
    this.kept += take;
  }

  private fail(why: string): number {
    this.error = why;
    return MALFORMED;
  }

  private bad(why: string): false {
    this.error = why;
    return false;
  }
}

/** nameIs compares a header name in buf with a lower-case name, ignoring ASCII case. */
function nameIs(buf: Buffer, pos: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((buf[pos + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** parseLength reads a decimal Content-Length between optional whitespace; -1 when invalid. */
function parseLength(buf: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to && (buf[i] === 32 || buf[i] === 9)) i++;
  let v = 0;
  let digits = 0;
  for (; i < to; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    digits++;
  }
  while (i < to && (buf[i] === 32 || buf[i] === 9)) i++;
  return digits === 0 || digits > 15 || i !== to ? -1 : v;
}
