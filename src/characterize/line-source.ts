/**
 * The line source: one input (a file path, or `-` for stdin) as batches of text lines, read in one pass with memory
 * flat in the input's length. gzip is recognised by its magic bytes (1f 8b), never by the name; a gzip stream that
 * ends early (truncated or corrupt) yields what it decompressed up to the break and says so, without throwing.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { GauntletError } from '../errors.js';

/** MAX_LINE_CHARS bounds one line: a longer one is reported as malformed and skipped, never buffered whole. */
export const MAX_LINE_CHARS = 64 * 1024;

/** READ_CHUNK_BYTES is how much of a file one read takes (1 MiB: big enough to amortise the per-chunk work). */
const READ_CHUNK_BYTES = 1 << 20;

/** GUNZIP_PIECE_BYTES is how much compressed input is fed at a time: it bounds the output waiting to be read. */
const GUNZIP_PIECE_BYTES = 128 * 1024;
/** GUNZIP_CHUNK_BYTES is the size of the decompressed chunks (zlib's default 16 KiB costs a round trip each). */
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/** OVERLONG stands, in a batch, for a line longer than the bound (its text is dropped). */
export const OVERLONG = null;

/** LineBatch is the lines of one chunk in order, `null` for a line that was too long to keep. */
export type LineBatch = (string | null)[];

/** InputState is what a source learns while it is read: whether it was gzip and whether it ended early. */
export interface InputState {
  gzip: boolean;
  truncated: boolean;
  /** Why the input ended early, when it did. */
  truncation?: string;
}

/** LineSource is one input being read: its batches of lines and what was learnt on the way. */
export interface LineSource {
  name: string;
  state: InputState;
  batches: AsyncGenerator<LineBatch>;
  /** close stops reading and releases the file (stdin is left open). */
  close(): void;
}

/** OPEN_ERRORS says in words why a file could not be opened. */
const OPEN_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory', EMFILE: 'too many open files', ELOOP: 'too many symbolic links' };

/** openLineSource opens one input for reading: a path (checked now, so an unreadable file fails before any work) or `-` for `stdin`. */
export async function openLineSource(name: string, stdin: Readable = process.stdin, maxLineChars = MAX_LINE_CHARS): Promise<LineSource> {
  let stream: Readable;
  if (name === '-') stream = stdin;
  else {
    let handle;
    try {
      handle = await open(name, 'r');
      const st = await handle.stat();
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    } catch (err) {
      await handle?.close();
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === undefined ? (err as Error).message : `${OPEN_ERRORS[code] ?? (err as Error).message} (${code})`;
      throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `cannot read access log ${name}: ${why}`);
    }
    stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
  }
  const state: InputState = { gzip: false, truncated: false };
  const batches = splitLines(maybeGunzip(stream, state), maxLineChars);
  return {
    name,
    state,
    batches,
    close: () => {
      void batches.return(undefined).catch(() => undefined);
      if (name !== '-') stream.destroy();
    },
  };
}

/** maybeGunzip passes a byte stream through, or decompresses it when it starts with gzip's magic bytes. */
export async function* maybeGunzip(source: AsyncIterable<Buffer>, state: InputState): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  let done = false;
  while (head.length < 2 && !done) {
    const r = await it.next();
    if (r.done) done = true;
    else head = head.length === 0 ? r.value : Buffer.concat([head, r.value]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* rest();
    return;
  }
  state.gzip = true;
  /* Input is fed a piece at a time and the output taken from 'data' events before the next piece: iterating the
     gunzip stream instead would drop the output it buffered when a truncated file makes it fail at the end. */
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  const queue: Buffer[] = [];
  let error: NodeJS.ErrnoException | undefined;
  let ended = false;
  let notify: (() => void) | undefined;
  gunzip.on('data', (c: Buffer) => queue.push(c));
  gunzip.on('error', (e) => ((error ??= e), notify?.()));
  gunzip.on('end', () => ((ended = true), notify?.()));
  const settle = (until: () => boolean): Promise<void> => (until() ? Promise.resolve() : new Promise<void>((r) => (notify = () => until() && r())));
  /* The last 8 bytes seen (a gzip trailer: CRC and size) are held back and fed alone at the end, so a failed check
     costs only the trailer's call, whose output zlib drops with the error, and not the data before it. */
  let held: Buffer = Buffer.alloc(0);
  const feed = async function* (piece: Buffer): AsyncGenerator<Buffer> {
    let written = false;
    gunzip.write(piece, () => ((written = true), notify?.()));
    await settle(() => written || error !== undefined);
    while (queue.length > 0) yield queue.shift()!;
  };
  try {
    for await (const chunk of rest()) {
      const all = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      const body = Math.max(0, all.length - 8);
      held = Buffer.from(all.subarray(body));
      for (let off = 0; off < body && error === undefined; off += GUNZIP_PIECE_BYTES) yield* feed(all.subarray(off, Math.min(body, off + GUNZIP_PIECE_BYTES)));
      if (error !== undefined) break;
    }
    if (error === undefined && held.length > 0) yield* feed(held);
    if (error === undefined) {
      gunzip.end();
      await settle(() => ended || error !== undefined);
    }
    while (queue.length > 0) yield queue.shift()!;
  } finally {
    gunzip.destroy();
  }
  if (error !== undefined) {
    const code = error.code;
    if (code !== 'Z_BUF_ERROR' && code !== 'Z_DATA_ERROR') throw error;
    state.truncated = true;
    state.truncation = code === 'Z_DATA_ERROR' ? `gzip data is corrupt (${error.message})` : 'gzip stream ends early (truncated file)';
  }
}

/**
 * splitLines turns a byte stream into batches of lines (one batch per chunk), without the `\n` or a trailing `\r`.
 * A line longer than `maxLineChars` becomes OVERLONG; the rest of it is skipped as it streams past.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, maxLineChars = MAX_LINE_CHARS): AsyncGenerator<LineBatch> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let skipping = false;
  const keep = (line: string): string | null => {
    if (line.length > maxLineChars) return OVERLONG;
    return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
  };
  let first = true;
  for await (const chunk of chunks) {
    let text = decoder.write(chunk);
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark
    }
    let nl = text.indexOf('\n');
    if (nl === -1) {
      if (!skipping) {
        rest += text;
        if (rest.length > maxLineChars) (skipping = true), (rest = '');
      }
      continue;
    }
    const out: LineBatch = [];
    out.push(skipping ? OVERLONG : keep(rest + text.slice(0, nl)));
    skipping = false;
    let from = nl + 1;
    while ((nl = text.indexOf('\n', from)) !== -1) {
      out.push(nl - from > maxLineChars ? OVERLONG : keep(text.slice(from, nl)));
      from = nl + 1;
    }
    rest = text.slice(from);
    if (rest.length > maxLineChars) (skipping = true), (rest = '');
    yield out;
  }
  rest += decoder.end();
  if (skipping) yield [OVERLONG];
  else if (rest.length > 0) yield [keep(rest)];
}
