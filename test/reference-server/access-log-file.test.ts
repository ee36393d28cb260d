/**
 * The access log's file side without a server: the line layout, the microsecond clock, the bounded buffer
 * (lines beyond it dropped and counted, one warning), a disk that refuses writes, flushing on close, and a file
 * that cannot be opened.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessLog, AccessLogOpenError, type AccessEntry } from '../../reference-server/core/access-log.js';
import { MessageBytes, statusName } from '../../reference-server/grpc/access-log-h2.js';
import { modelOfPath } from '../../reference-server/http/access-log-http.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-access-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (): string => path.join(dir, `log-${n++}.jsonl`);
const lines = (f: string): Record<string, unknown>[] =>
  readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const entry = (over: Partial<AccessEntry> = {}): AccessEntry => ({
  startUs: 1_764_964_862_123_456,
  durationUs: 1234,
  protocol: 'http',
  method: 'POST',
  route: '/v2/models/mlp/infer',
  model: 'mlp',
  version: '1',
  status: '200',
  requestBytes: 1234,
  responseBytes: 567,
  ...over,
});

describe('AccessLog', () => {
  it('writes the fixed line layout, keys in order, with the time in ISO 8601 UTC to the microsecond', async () => {
    const f = file();
    const log = await AccessLog.open(f);
    log.record(entry());
    log.record(entry({ protocol: 'grpc', method: 'ServerLive', route: '/inference.GRPCInferenceService/ServerLive', model: undefined, version: undefined, status: 'OK', startUs: 1_764_964_862_000_007 }));
    log.record(entry({ route: '/v2/models/a"b\\c/infer', model: 'a"b\\c' }));
    await log.close();
    const text = readFileSync(f, 'utf8');
    expect(text.split('\n')[0]).toBe(
      '{"time":"2025-12-05T20:01:02.123456Z","start_us":1764964862123456,"duration_us":1234,"protocol":"http","method":"POST","route":"/v2/models/mlp/infer","model":"mlp","version":"1","status":"200","request_bytes":1234,"response_bytes":567}',
    );
    const [, live, quoted] = lines(f);
    expect(Object.keys(live!)).toEqual(['time', 'start_us', 'duration_us', 'protocol', 'method', 'route', 'status', 'request_bytes', 'response_bytes']);
    expect(live!['time']).toBe('2025-12-05T20:01:02.000007Z');
    expect(quoted!['model']).toBe('a"b\\c');
    expect(log.written).toBe(3);
  });

  it('keeps a clock in microseconds that follows the wall clock and never steps back', async () => {
    const log = await AccessLog.open(file());
    const wall = Date.now() * 1000;
    const times = Array.from({ length: 2000 }, () => log.nowUs());
    expect(Math.abs(times[0]! - wall)).toBeLessThan(5000);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(new Set(times.map((t) => t % 1000)).size).toBeGreaterThan(1); // not Date.now()'s millisecond steps
    await log.close();
  });

  it('drops and counts the lines beyond its bound instead of waiting, and warns once', async () => {
    const f = file();
    const warnings: string[] = [];
    const log = await AccessLog.open(f, { maxLines: 3, warn: (l) => warnings.push(l) });
    for (let i = 0; i < 10; i++) log.record(entry({ durationUs: i + 1 }));
    expect(log.dropped).toBe(7);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/gauntlet_access_log_dropped_total/);
    await log.flush();
    log.record(entry({ durationUs: 99 })); // room again once written
    await log.close();
    expect(lines(f).map((l) => l['duration_us'])).toEqual([1, 2, 3, 99]);
    log.record(entry()); // after close: ignored, no throw
  });

  it('bounds the buffer in bytes too', async () => {
    const log = await AccessLog.open(file(), { maxBytes: 600, warn: () => {} });
    for (let i = 0; i < 5; i++) log.record(entry());
    expect(log.dropped).toBe(3); // each line is about 250 bytes
    await log.close();
  });

  it('writes a buffered line on its timer, without a flush', async () => {
    const f = file();
    const log = await AccessLog.open(f, { flushMs: 5 });
    log.record(entry());
    const end = Date.now() + 5000;
    while (log.written === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(lines(f)).toHaveLength(1);
    await log.close();
  });

  it.runIf(existsSync('/dev/full'))('counts the lines of a failed write (a full disk) as dropped, and warns once', async () => {
    const warnings: string[] = [];
    const log = await AccessLog.open('/dev/full', { warn: (l) => warnings.push(l) });
    for (let i = 0; i < 3; i++) log.record(entry());
    await log.flush();
    log.record(entry());
    await log.flush();
    expect([log.dropped, log.written]).toEqual([4, 0]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ENOSPC/);
    await log.close();
  });

  it('refuses a file it cannot open with AccessLogOpenError naming the file', async () => {
    const f = path.join(dir, 'missing-folder', 'log.jsonl');
    const err = await AccessLog.open(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessLogOpenError);
    expect((err as Error).message).toContain(f);
    expect((err as AccessLogOpenError).error.code).toBe('ENOENT');
  });
});

describe('what a line names', () => {
  it.each([
    ['/v2/models/mlp/infer', { model: 'mlp' }],
    ['/v2/models/mlp/versions/2/infer', { model: 'mlp', version: '2' }],
    ['/v2/models/m%20x', { model: 'm x' }],
    ['/v2/repository/models/mlp/load', { model: 'mlp' }],
    ['/v2/models/stats', undefined],
    ['/v2/health/ready', undefined],
    ['/v2/repository/index', undefined],
  ])('%s', (p, want) => expect(modelOfPath(p)).toEqual(want));

  it('counts gRPC message bytes without their 5-byte prefixes, across chunk boundaries', () => {
    const frame = (body: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
    const message = Buffer.from([0x0a, 3, 0x6d, 0x6c, 0x70, 0x12, 1, 0x32, 0x1a, 1, 0x78]); // name mlp, version 2, id x
    const stream = Buffer.concat([frame(message), frame(Buffer.alloc(7))]);
    const counter = new MessageBytes(true);
    for (let i = 0; i < stream.length; i += 3) counter.add(stream.subarray(i, i + 3));
    expect(counter.bytes).toBe(message.length + 7);
    expect(counter.messages).toBe(2);
    expect(counter.head()).toEqual(message);
    expect([statusName('0'), statusName(14), statusName('99')]).toEqual(['OK', 'UNAVAILABLE', '99']);
  });
});
