/**
 * The line source on its own: lines split across chunks (a UTF-8 character included), CRLF endings, an overlong
 * line skipped as it streams past without being buffered, and gzip told by its magic bytes.
 */
import { Readable } from 'node:stream';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type InputState, type LineBatch, maybeGunzip, splitLines } from '../../../src/characterize/line-source.js';

/** linesOf runs splitLines over chunks and flattens the batches. */
async function linesOf(chunks: (string | Buffer)[], max?: number): Promise<LineBatch> {
  const out: LineBatch = [];
  for await (const batch of splitLines(Readable.from(chunks.map((c) => Buffer.from(c))), max)) out.push(...batch);
  return out;
}

describe('splitLines', () => {
  it.each([
    ['one chunk', ['a\nb\n'], ['a', 'b']],
    ['no final newline', ['a\nb'], ['a', 'b']],
    ['a line across three chunks', ['a', 'bc', 'd\ne\n'], ['abcd', 'e']],
    ['CRLF endings', ['a\r\nb\r\n'], ['a', 'b']],
    ['a byte-order mark dropped', ['\ufeffa\n'], ['a']],
    ['empty lines kept (the reader skips them)', ['\n\na\n'], ['', '', 'a']],
  ])('%s', async (_name, chunks, lines) => {
    expect(await linesOf(chunks)).toEqual(lines);
  });

  it('keeps a UTF-8 character split between chunks', async () => {
    const bytes = Buffer.from('/v2/models/modèle/infer\n');
    const cut = bytes.indexOf(0xc3) + 1;
    expect(await linesOf([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['/v2/models/modèle/infer']);
  });

  it.each([
    ['within one chunk', ['ok\n0123456789\nok2\n']],
    ['across chunks, skipped as it streams', ['ok\n01234', '56789', '0123', '\nok2\n']],
    ['at the end', ['ok\nok2\n0123456789']],
  ])('marks a line over the bound %s as null', async (_name, chunks) => {
    const lines = await linesOf(chunks, 8);
    expect(lines.filter((l) => l !== null)).toEqual(['ok', 'ok2']);
    expect(lines.filter((l) => l === null)).toHaveLength(1);
  });
});

describe('maybeGunzip', () => {
  it.each([
    ['plain text', Buffer.from('hello\n'), false],
    ['gzip', gzipSync('hello\n'), true],
    ['one byte', Buffer.from('h'), false],
  ])('%s', async (_name, bytes, gzip) => {
    const state: InputState = { gzip: false, truncated: false };
    const out: Buffer[] = [];
    for await (const c of maybeGunzip(Readable.from([bytes.subarray(0, 1), bytes.subarray(1)]), state)) out.push(c);
    expect(state.gzip).toBe(gzip);
    expect(Buffer.concat(out).toString()).toBe(bytes.length === 1 ? 'h' : 'hello\n');
  });

  it('gives a gzip cut short all it can decompress, and says it ended early', async () => {
    let seed = 7;
    const text = Array.from({ length: 20_000 }, (_, i) => `${i} ${(seed = (seed * 48271) % 2147483647)}`).join('\n');
    const gz = gzipSync(text);
    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    const state: InputState = { gzip: false, truncated: false };
    const out: Buffer[] = [];
    for await (const c of maybeGunzip(Readable.from([cut]), state)) out.push(c);
    expect(state).toEqual({ gzip: true, truncated: true, truncation: 'gzip stream ends early (truncated file)' });
    expect(Buffer.concat(out).equals(gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH }))).toBe(true);
  });

  it('says a corrupt gzip ended early, keeping what came before', async () => {
    const gz = gzipSync(Buffer.from('line\n'.repeat(50_000)));
    const bad = Buffer.from(gz);
    bad[bad.length - 5]! ^= 0xff; // the CRC no longer matches: zlib finds out at the end
    const state: InputState = { gzip: false, truncated: false };
    let bytes = 0;
    for await (const c of maybeGunzip(Readable.from([bad]), state)) bytes += c.length;
    expect(state.truncated).toBe(true);
    expect(bytes).toBe(250_000);
    expect(state.truncation).toContain('gzip data is corrupt');
  });
});
