/**
 * readLogs end to end on real files: auto detection per file, the merge by time across files, gzip by magic bytes,
 * a gzip cut in half, the malformed-fraction refusal, the masked sample of the format error, and the bad inputs
 * (empty, unreadable, binary, overlong lines).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../../src/characterize/log-record.js';
import { readLogs, type ReadOptions } from '../../../src/characterize/read-logs.js';
import { GauntletError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-read-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 11, 5, 20, 1, 2);
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');
/** nginxLine is a combined line logged at `ms` (1 s resolution). */
const nginxLine = (ms: number, status = 200): string => {
  const d = new Date(ms);
  return `10.0.0.1 - - [${p2(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000] "POST /v2/models/mlp/infer HTTP/1.1" ${status} 10 "-" "ua"`;
};
const jsonLine = (us: number): string => JSON.stringify({ time: new Date(us / 1000).toISOString(), start_us: us, duration_us: 100, protocol: 'http', method: 'POST', route: '/v2/models/mlp/infer', model: 'mlp', version: '1', status: '200', request_bytes: 10, response_bytes: 20 });
let n = 0;
/** file writes a log and returns its path. */
const file = (content: string | Buffer, name = `log-${n++}.log`): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
/** read reads files into an array of records. */
const read = async (inputs: string[], options: ReadOptions = {}): Promise<{ records: LogRecord[]; result: Awaited<ReturnType<typeof readLogs>> }> => {
  const records: LogRecord[] = [];
  const result = await readLogs(inputs, options, (r) => records.push(r));
  return { records, result };
};
/** refusal is the GauntletError a read throws. */
const refusal = async (inputs: string[], options: ReadOptions = {}): Promise<GauntletError> => {
  const err = await read(inputs, options).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(GauntletError);
  return err as GauntletError;
};

describe('auto detection', () => {
  it.each([
    ['nginx combined', `${nginxLine(T0)}\n${nginxLine(T0 + 1000)}\n`],
    ['envoy text', '[2026-12-05T20:01:02.123Z] "POST /v2/models/mlp/infer HTTP/1.1" 200 - 1234 567 12 10 "-" "ua" "id" "h" "u"\n'],
    ['envoy json', `${JSON.stringify({ start_time: '2026-12-05T20:01:02.123Z', path: '/x', response_code: 200, bytes_received: 1, bytes_sent: 2, duration: 3 })}\n`],
    ['gauntlet access log', `${jsonLine(T0 * 1000)}\n`],
    ['jsonl', '{"ts": 1796500862.5, "latency_ms": 3}\n'],
    ['csv', 'time,duration_ms,status\n2026-12-05T20:01:02Z,3,200\n'],
  ])('recognises %s', async (variant, content) => {
    const { result, records } = await read([file(content)]);
    expect(result.files[0]!.format).toBe(variant);
    expect(records.length).toBeGreaterThan(0);
  });

  it('a custom --log-format wins over combined when its lines match it', async () => {
    const { result, records } = await read([file('1796500862.250 0.250 200 /v2/models/a/infer\n')], { logFormat: '$msec $request_time $status $uri' });
    expect(result.files[0]!.format).toBe('nginx log_format');
    expect(records[0]).toMatchObject({ startUs: T0 * 1000, latencyUs: 250_000, route: 'a' });
    expect(result.arrivalTime).toBe('log time − $request_time (nginx logs completion)');
  });
});

describe('merge by time', () => {
  it('interleaves two files by their current records, and passes small disorder within a file through', async () => {
    const a = file([0, 2, 4, 6, 5, 8].map((s) => jsonLine((T0 + s * 1000) * 1000)).join('\n'));
    const b = file([1, 3, 7, 9].map((s) => jsonLine((T0 + s * 1000) * 1000)).join('\n'));
    const { records, result } = await read([a, b]);
    expect(records.map((r) => (r.startUs / 1000 - T0) / 1000)).toEqual([0, 1, 2, 3, 4, 6, 5, 7, 8, 9]);
    expect(result.maxBackstepUs).toBe(1_000_000);
    expect(result.records).toBe(10);
    expect(result.files.map((f) => f.records)).toEqual([6, 4]);
  });
});

describe('gzip', () => {
  const lines = Array.from({ length: 20_000 }, (_, i) => nginxLine(T0 + i * 10, i % 10 === 0 ? 503 : 200)).join('\n');
  it('is recognised by its magic bytes, whatever the name', async () => {
    const { result } = await read([file(gzipSync(lines), 'plain-name.log')]);
    expect(result.records).toBe(20_000);
    expect(result.files[0]!.format).toBe('nginx combined (gzip)');
  });
  it('cut in half gives the records up to the break, a warning and truncated', async () => {
    const gz = gzipSync(lines);
    const { result } = await read([file(gz.subarray(0, gz.length >> 1))]);
    expect(result.records).toBeGreaterThan(1000);
    expect(result.records).toBeLessThan(20_000);
    expect(result.files[0]!.truncated).toBe(true);
    expect(result.warnings[0]).toMatch(/truncated file.*records up to the break/);
  });
});

describe('malformed lines', () => {
  const content = Array.from({ length: 100 }, (_, i) => (i % 10 === 3 ? 'garbage from 192.168.1.1' : nginxLine(T0 + i))).join('\n');
  it('above the fraction refuse the log, stating the fraction and the limit', async () => {
    const err = await refusal([file(content)]);
    expect(err.code).toBe('GAUNTLET_ERR_LOG_FORMAT');
    expect(err.message).toContain('10.0 % of its request lines are malformed (10 of 100), above the limit of 5.0 %');
    expect(err.details[0]).toMatch(/:4: no " - " after \$remote_addr$/);
  });
  it('below it are counted and listed by number and reason, never by text', async () => {
    const { result } = await read([file(content)], { maxMalformedFraction: 0.2 });
    expect(result.malformed).toBe(10);
    expect(result.records).toBe(90);
    expect(result.firstMalformed.map((m) => m.line)).toEqual([4, 14, 24, 34, 44, 54, 64, 74, 84, 94]);
    expect(JSON.stringify(result)).not.toContain('192.168');
  });
  it('a line longer than the bound is malformed, and the next is read', async () => {
    const { result } = await read([file(`${nginxLine(T0)}\n${'x'.repeat(70_000)}\n${nginxLine(T0)}\n`)], { maxMalformedFraction: 0.5 });
    expect(result.records).toBe(2);
    expect(result.firstMalformed).toEqual([{ file: expect.any(String), line: 2, reason: 'longer than 65536 characters' }]);
  });
});

describe('bad input', () => {
  it('no format: the formats tried and the first line, addresses and query masked and truncated', async () => {
    const line = `2001:db8::1 and 10.20.30.40 asked GET /secret?token=abc at 20:01:02 ${'z'.repeat(200)}`;
    const err = await refusal([file(`${line}\n`)]);
    expect(err.code).toBe('GAUNTLET_ERR_LOG_FORMAT');
    expect(err.message).toContain('tried nginx combined, envoy text, envoy json, jsonl, csv');
    expect(err.message).toContain('x:x::x and x.x.x.x asked GET /secret?… at 20:01:02 zzz');
    expect(err.message).not.toMatch(/2001|10\.20|token|z{120}/);
  });
  it('binary garbage is a format error, not a crash', async () => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256));
    expect((await refusal([file(bytes)])).code).toBe('GAUNTLET_ERR_LOG_FORMAT');
  });
  it('one endless line (no newline in 100 KiB) is a format error', async () => {
    const err = await refusal([file(Buffer.alloc(100_000, 0x41))]);
    expect(err.code).toBe('GAUNTLET_ERR_LOG_FORMAT');
    expect(err.message).toContain('all longer than 65536 characters');
  });
  it.each([-0.1, 1.5, Number.NaN])('refuses a malformed fraction of %s', async (f) => {
    expect((await refusal([file(nginxLine(T0))], { maxMalformedFraction: f })).code).toBe('GAUNTLET_ERR_INVALID_ARGUMENT');
  });
  it.each([
    ['empty', ''],
    ['blank lines only', '\n\n  \n'],
  ])('an %s log is GAUNTLET_ERR_LOG_EMPTY naming the file', async (_name, content) => {
    const p = file(content);
    const err = await refusal([p]);
    expect(err.code).toBe('GAUNTLET_ERR_LOG_EMPTY');
    expect(err.message).toContain(p);
  });
  it('a log whose lines have no usable timestamps is GAUNTLET_ERR_LOG_EMPTY with the reason', async () => {
    const err = await refusal([file('{"time": "-"}\n{"time": "-"}\n')], { format: 'jsonl' });
    expect(err.code).toBe('GAUNTLET_ERR_LOG_EMPTY');
    expect(err.message).toContain('(read as jsonl: no timestamp field (looked for start_us, start_ms, start_s, start_ns, time, timestamp, ts, @timestamp, end_us, end_ms, end_s, end_time, …; name yours with --field timestamp=NAME))');
  });
  it('an empty log beside others is a warning', async () => {
    const empty = file('');
    const { result } = await read([file(nginxLine(T0)), empty]);
    expect(result.records).toBe(1);
    expect(result.warnings).toEqual([`${empty}: no requests with usable timestamps in 0 line(s); the other inputs are read`]);
  });
  it.each([
    ['a missing file', join(dir, 'nope.log'), 'no such file (ENOENT)'],
    ['a directory', (() => (mkdirSync(join(dir, 'sub'), { recursive: true }), join(dir, 'sub')))(), 'is a directory (EISDIR)'],
  ])('%s is a clear error with its path', async (_name, p, why) => {
    const err = await refusal([p]);
    expect(err.code).toBe('GAUNTLET_ERR_INVALID_ARGUMENT');
    expect(err.message).toBe(`cannot read access log ${p}: ${why}`);
  });
  it('an explicit format that does not fit is a format error', async () => {
    const err = await refusal([file(`${nginxLine(T0)}\n`)], { format: 'csv' });
    expect(err.message).toContain('tried csv');
  });
});

describe('stdin', () => {
  it('a stream that fails midway is a clear error naming the input', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${jsonLine(T0 * 1000)}\n`);
      throw Object.assign(new Error('read failed'), { code: 'EIO' });
    }
    const err = await refusal(['-'], { stdin: Readable.from(failing()) });
    expect(err.message).toBe('cannot read access log - after line 1: read failed (EIO)');
  });

  it('reads `-` from the stream given, lines split across chunks', async () => {
    const text = `${jsonLine(T0 * 1000)}\n${jsonLine(T0 * 1000 + 5)}\n`;
    const chunks = [text.slice(0, 1), text.slice(1, 50), text.slice(50)].map((s) => Buffer.from(s));
    const { records, result } = await read(['-'], { stdin: Readable.from(chunks) });
    expect(records.map((r) => r.startUs)).toEqual([T0 * 1000, T0 * 1000 + 5]);
    expect(result.files[0]!.name).toBe('-');
  });
});
