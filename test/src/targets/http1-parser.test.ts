/**
 * The incremental HTTP/1.x response parser: framing by Content-Length, chunked and close, interim responses,
 * kept bodies, and malformed input, each fed whole and split at every byte boundary.
 */
import { describe, expect, it } from 'vitest';
import { COMPLETE, MALFORMED, NEED_MORE, ResponseParser } from '../../../src/targets/http1-parser.js';

interface Parsed {
  result: number;
  status: number;
  bodyBytes: number;
  keepAlive: boolean;
  trailing: number;
  body: string;
  error: string;
}

/** parse feeds `text` in pieces cut at `cuts` and, when asked, ends it with the connection's close. */
function parse(text: string, cuts: number[] = [], opts: { keep?: number; noBody?: boolean; eof?: boolean } = {}): Parsed {
  const p = new ResponseParser();
  p.reset(opts.keep ?? 1 << 20, opts.keep ?? 1 << 20, opts.noBody ?? false);
  const bytes = Buffer.from(text, 'latin1');
  const bounds = [0, ...cuts, bytes.length];
  let result = NEED_MORE;
  for (let i = 0; i + 1 < bounds.length && result === NEED_MORE; i++) {
    // Each piece sits in a larger, dirty buffer, as reads into the pool's shared buffer do.
    const piece = bytes.subarray(bounds[i], bounds[i + 1]);
    const dirty = Buffer.alloc(piece.length + 16, 'x\r\n\r\n');
    piece.copy(dirty);
    result = p.execute(dirty, piece.length);
  }
  if (result === NEED_MORE && opts.eof) result = p.finish();
  return { result, status: p.status, bodyBytes: p.bodyBytes, keepAlive: p.keepAlive, trailing: p.trailing, body: Buffer.concat(p.body).toString('latin1'), error: p.error };
}

const CASES: { name: string; text: string; eof?: boolean; noBody?: boolean; want: Partial<Parsed> }[] = [
  { name: 'content-length', text: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', want: { status: 200, body: 'hello', keepAlive: true } },
  { name: 'no reason phrase', text: 'HTTP/1.1 204\r\n\r\n', want: { status: 204, bodyBytes: 0 } },
  { name: 'upper-case names, spaces', text: 'HTTP/1.1 503 Service Unavailable\r\nCONTENT-LENGTH:   2  \r\nX-A: b\r\n\r\nno', want: { status: 503, body: 'no' } },
  { name: 'connection: close', text: 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\nx', want: { keepAlive: false, body: 'x' } },
  { name: 'HTTP/1.0 default close', text: 'HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\nx', want: { keepAlive: false } },
  { name: 'HTTP/1.0 keep-alive', text: 'HTTP/1.0 200 OK\r\ncontent-length: 1\r\nConnection: Keep-Alive\r\n\r\nx', want: { keepAlive: true } },
  {
    name: 'chunked with extensions and trailers',
    text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n',
    want: { status: 200, body: 'hello0123456789', bodyBytes: 15, keepAlive: true },
  },
  { name: 'chunked wins over content-length', text: 'HTTP/1.1 200 OK\r\ncontent-length: 99\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n', want: { body: 'a' } },
  { name: 'interim 100 Continue', text: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok', want: { status: 201, body: 'ok' } },
  { name: 'body until close', text: 'HTTP/1.1 200 OK\r\n\r\nall of it', eof: true, want: { result: COMPLETE, body: 'all of it', keepAlive: false } },
  { name: 'HEAD response', text: 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n', noBody: true, want: { bodyBytes: 0 } },
  { name: 'bytes after the response', text: 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nxEXTRA', want: { body: 'x', trailing: 5 } },
];

describe('ResponseParser', () => {
  it.each(CASES)('$name, whole and split at every byte', ({ text, eof, noBody, want }) => {
    const whole = parse(text, [], { eof, noBody });
    expect(whole).toMatchObject({ result: COMPLETE, ...want });
    // Bytes after the end are seen only when they come in the same read (the pool drops the connection otherwise).
    const same = (r: Parsed): Parsed => ({ ...r, trailing: 0 });
    for (let cut = 1; cut < text.length; cut++) expect(same(parse(text, [cut], { eof, noBody }))).toEqual(same(whole));
    expect(same(parse(text, Array.from({ length: text.length - 1 }, (_, i) => i + 1), { eof, noBody }))).toEqual(same(whole));
  });

  it.each([
    ['garbage', 'garbage\r\n\r\n'],
    ['a bad first byte, before any CRLF', 'X'],
    ['a bad status code', 'HTTP/1.1 2x0 OK\r\n\r\n'],
    ['HTTP/2 text', 'HTTP/2 200\r\n\r\n'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n'],
    ['a bad content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n'],
    ['conflicting content-lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'],
    ['chunk data without CRLF', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nab'],
  ])('%s is MALFORMED', (_name, text) => {
    const r = parse(text);
    expect(r.result).toBe(MALFORMED);
    expect(r.error).not.toBe('');
  });

  it('waits for more when the response is cut short, and reports it at close', () => {
    const r = parse('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc', [], { eof: true });
    expect(r).toMatchObject({ result: NEED_MORE, bodyBytes: 3 });
  });

  it('keeps only as much body as asked, but counts all of it', () => {
    const r = parse('HTTP/1.1 500 Oops\r\ncontent-length: 10\r\n\r\n0123456789', [12, 40], { keep: 4 });
    expect(r).toMatchObject({ result: COMPLETE, body: '0123', bodyBytes: 10 });
  });

  it('is reusable: reset clears the previous response', () => {
    const p = new ResponseParser();
    p.reset(0, 0, false);
    expect(p.execute(Buffer.from('HTTP/1.1 404 NF\r\ncontent-length: 2\r\n\r\nno'))).toBe(COMPLETE);
    p.reset(0, 0, false);
    expect(p.execute(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'))).toBe(COMPLETE);
    expect(p).toMatchObject({ status: 200, bodyBytes: 0, trailing: 0 });
  });
});
