/**
 * Envoy (default text, old and new, and json_format), JSONL (the gauntlet access log included) and CSV lines read
 * into LogRecords: fields found by name with units from suffixes, explicit --field mappings, and the sad rows.
 */
import { describe, expect, it } from 'vitest';
import { createCsvParser, splitCsv } from '../../../src/characterize/formats/csv.js';
import { createEnvoyJsonParser, createEnvoyTextParser } from '../../../src/characterize/formats/envoy.js';
import { parseFieldMapping, unitOfName } from '../../../src/characterize/formats/fields.js';
import { createJsonlParser } from '../../../src/characterize/formats/jsonl.js';
import { GauntletError } from '../../../src/errors.js';

const T0 = Date.UTC(2026, 11, 5, 20, 1, 2) * 1000;

describe('envoy text', () => {
  const envoy = createEnvoyTextParser();
  it.each([
    ['the classic default', '[2026-12-05T20:01:02.123Z] "POST /v2/models/mlp/infer?a=1 HTTP/1.1" 200 - 1234 567 12 10 "10.0.0.1" "curl/8 \\"x\\"" "id-1" "host:8000" "10.0.0.2:8000"', { startUs: T0 + 123_000, resolutionUs: 1000, latencyUs: 12_000, requestBytes: 1234, responseBytes: 567, status: '200', route: 'mlp' }],
    ['newer fields before the counts', '[2026-12-05T20:01:02.123Z] "GET /health HTTP/2" 503 UH no_healthy_upstream - "delayed connect error: 111" 0 19 3 - "-" "-" "id" "h" "-" cluster - 10.0.0.3:80 10.0.0.4:5000 - default', { latencyUs: 3000, requestBytes: 0, responseBytes: 19, status: '503', route: '/health' }],
    ['a gRPC request with no method line', '[2026-12-05T20:01:02.000Z] "- - -" 0 DC 0 0 1 - "-" "-" "-" "-" "-"', { startUs: T0, status: '0', route: undefined }],
  ])('%s', (_name, line, expected) => {
    expect(envoy.parse(line)).toMatchObject(expected);
  });
  it.each([
    ['no start time', '"POST / HTTP/1.1" 200 - 1 2 3', 'does not start'],
    ['no counts', '[2026-12-05T20:01:02.123Z] "POST / HTTP/1.1" 200 - x y z', 'no %BYTES_RECEIVED%'],
    ['a bad time', '[2026-13-05T20:01:02.123Z] "POST / HTTP/1.1" 200 - 1 2 3', 'not a time'],
  ])('%s is malformed', (_name, line, reason) => {
    expect(envoy.parse(line)).toContain(reason);
  });
});

describe('JSON lines', () => {
  it('reads the gauntlet access log as its own variant, start_us being the arrival at µs resolution', () => {
    const p = createJsonlParser();
    const line = JSON.stringify({ time: '2026-12-05T20:01:02.123456Z', start_us: T0 + 123_456, duration_us: 1234, protocol: 'http', method: 'POST', route: '/v2/models/mlp/infer', model: 'mlp', version: '1', status: '200', request_bytes: 1234, response_bytes: 567 });
    expect(p.parse(line)).toEqual({ startUs: T0 + 123_456, resolutionUs: 1, latencyUs: 1234, requestBytes: 1234, responseBytes: 567, status: '200', route: 'mlp' });
    expect(p.variant).toBe('gauntlet access log');
    expect(p.arrivalTime).toBe('the start_us field');
  });

  it('reads Envoy json_format logs; the gRPC status wins over the HTTP one', () => {
    const p = createEnvoyJsonParser();
    const line = JSON.stringify({ start_time: '2026-12-05T20:01:02.500Z', method: 'POST', path: '/inference.GRPCInferenceService/ModelInfer', protocol: 'HTTP/2', response_code: 200, grpc_status: 'UNAVAILABLE', bytes_received: 100, bytes_sent: 0, duration: 7, upstream_host: '10.0.0.1:8001' });
    expect(p.parse(line)).toMatchObject({ startUs: T0 + 500_000, resolutionUs: 1000, latencyUs: 7000, requestBytes: 100, responseBytes: 0, status: 'UNAVAILABLE', route: '/inference.GRPCInferenceService/ModelInfer' });
    expect(p.parse('{"time":"2026-12-05T20:01:02Z"}')).toContain('not an Envoy JSON line');
  });

  const jsonl = createJsonlParser();
  it.each([
    ['epoch seconds with ms decimals, latency in ms', { ts: (T0 + 123_000) / 1e6, latency_ms: 2.5 }, { startUs: T0 + 123_000, resolutionUs: 1000, latencyUs: 2500 }],
    ['epoch ms', { timestamp: (T0 + 7000) / 1000 }, { startUs: T0 + 7000, resolutionUs: 1000 }],
    ['epoch µs as text', { '@timestamp': String(T0 + 7) }, { startUs: T0 + 7, resolutionUs: 1 }],
    ['ISO with a zone and $request_time in s', { time: '2026-12-05T21:01:02.5+01:00', request_time: 0.125 }, { startUs: T0 + 500_000, resolutionUs: 100_000, latencyUs: 125_000 }],
    ['a completion time minus the latency', { end_time: '2026-12-05T20:01:03Z', duration_ms: 1000 }, { startUs: T0, latencyUs: 1_000_000 }],
    ['29 February of a leap year', { time: '2028-02-29T00:00:00Z', status: 200 }, { startUs: Date.UTC(2028, 1, 29) * 1000, status: '200' }],
    ['a Go duration string', { time: '2026-12-05T20:01:02Z', latency: '1.5ms' }, { latencyUs: 1500 }],
    ['`-` and null fields are absent', { time: '2026-12-05T20:01:02Z', status: '-', bytes_sent: null, path: '/a?b' }, { status: undefined, responseBytes: undefined, route: '/a' }],
  ])('%s', (_name, obj, expected) => {
    expect(jsonl.parse(JSON.stringify(obj))).toMatchObject(expected);
  });

  it.each([
    ['not JSON', '{"time": ', 'not valid JSON'],
    ['an array', '[1,2]', 'not a JSON object'],
    ['no timestamp', '{"duration_ms": 3}', 'no timestamp field'],
    ['a bad timestamp', '{"time": "yesterday"}', 'time is not a time'],
    ['30 February', '{"time": "2026-02-30T20:01:02Z"}', 'time is not a time'],
    ['a latency number with no unit', '{"time": "2026-12-05T20:01:02Z", "duration": 0.0012}', 'duration is a number without a unit: say which with --field latency=duration:ms'],
    ['a negative latency', '{"time": "2026-12-05T20:01:02Z", "duration_ms": -1}', 'duration_ms is not a latency'],
    ['a fractional size', '{"time": "2026-12-05T20:01:02Z", "request_bytes": 1.5}', 'request_bytes is not a size'],
  ])('%s is malformed', (_name, line, reason) => {
    expect(jsonl.parse(line)).toContain(reason);
  });

  it('takes an explicit --field mapping, and --model-field as a key', () => {
    const p = createJsonlParser({ fields: parseFieldMapping(['latency=dur:us', 'timestamp=t', 'request_bytes=in']), modelField: 'svc' });
    expect(p.parse(JSON.stringify({ t: '2026-12-05T20:01:02Z', dur: 40, in: 9, svc: 'ranker', time: 'ignored' }))).toMatchObject({ startUs: T0, latencyUs: 40, requestBytes: 9, route: 'ranker' });
    expect(p.warnings()).toEqual([]);
    const q = createJsonlParser({ modelField: 'nothere' });
    q.parse('{"time":"2026-12-05T20:01:02Z"}');
    expect(q.warnings()[0]).toContain('--model-field nothere was on no line');
  });

  it('follows dotted names into nested objects (Caddy-style logs)', () => {
    const p = createJsonlParser({ fields: parseFieldMapping(['latency=duration:s', 'route=request.uri']), modelField: 'request.headers.model' });
    const line = JSON.stringify({ ts: T0 / 1e6, duration: 0.0125, status: 200, request: { uri: '/v2/models/x/infer?q', headers: { model: 'bert' } } });
    expect(p.parse(line)).toMatchObject({ startUs: T0, latencyUs: 12_500, status: '200', route: 'bert' });
    expect(createJsonlParser({ fields: parseFieldMapping(['latency=duration:s', 'route=request.uri']) }).parse(line)).toMatchObject({ route: 'x' });
  });

  it.each([
    [['latency=dur'], 'the latency field dur has no unit; write latency=dur:ms'],
    [['speed=x'], 'speed is not one of'],
    [['status=code:ms'], 'status takes no unit'],
    [['timestamp='], 'write timestamp=NAME'],
  ])('refuses --field %s', (specs, message) => {
    expect(() => parseFieldMapping(specs)).toThrow(message);
    expect(() => parseFieldMapping(specs)).toThrow(GauntletError);
  });

  it.each([
    ['duration_ms', 'ms'],
    ['latencyUs', 'us'],
    ['elapsed_seconds', 's'],
    ['status', undefined],
    ['bytes', undefined],
  ])('the unit of %s is %s', (name, unit) => {
    expect(unitOfName(name)).toBe(unit);
  });
});

describe('CSV', () => {
  it('reads rows by the header, quoted fields included', () => {
    const p = createCsvParser();
    expect(p.parse('timestamp,latency_ms,status,path,request_bytes')).toBeUndefined();
    expect(p.parse('2026-12-05T20:01:02Z,3.5,200,"/v2/models/m,x/infer?q=1",10')).toMatchObject({ startUs: T0, latencyUs: 3500, status: '200', route: 'm,x', requestBytes: 10 });
    expect(p.parse('2026-12-05T20:01:02Z,3.5,200')).toContain('3 fields where the header has 5');
    expect(p.parse('2026-12-05T20:01:02Z,"3.5,200,/,1')).toContain('not closed');
  });
  it('refuses a header with no time column', () => {
    expect(createCsvParser().parse('a,b,c')).toContain('not a CSV header');
  });
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['"a ""q""",,c', ['a "q"', '', 'c']],
    ['a,"b"x', undefined],
  ])('splits %s', (line, cells) => {
    expect(splitCsv(line)).toEqual(cells);
  });
});
