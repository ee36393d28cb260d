/**
 * nginx lines, `combined` and custom log_format strings, read into LogRecords: one row per case, happy and sad,
 * with escaped quotes, `-` fields, upstream lists, ms and s resolution and time zones in $time_local.
 */
import { describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { compileLogFormat, createNginxParser, unwrapLogFormat, upstreamSumUs } from '../../../src/characterize/formats/nginx.js';

const T0 = Date.UTC(2026, 11, 5, 20, 1, 2) * 1000;
const UA = '"Mozilla/5.0 (X11; Linux) \\"quoted\\" and \\x22hex\\x22"';
const combined = createNginxParser();

describe('nginx combined', () => {
  it.each([
    ['plain', `10.0.0.1 - - [05/Dec/2026:20:01:02 +0000] "POST /v2/models/mlp/infer HTTP/1.1" 200 567 "-" ${UA}`, { startUs: T0, resolutionUs: 1e6, responseBytes: 567, status: '200', route: 'mlp' }],
    ['a zone east of UTC', `10.0.0.1 - - [05/Dec/2026:21:31:02 +0130] "GET /health HTTP/1.1" 404 0 "-" "-"`, { startUs: T0, responseBytes: 0, status: '404', route: '/health' }],
    ['a zone west of UTC', `::1 - bob [05/Dec/2026:15:01:02 -0500] "GET /v2/models/resnet/versions/3/infer?x=1&ip=10.0.0.1 HTTP/2.0" 503 - "http://r/?q=1" "-"`, { startUs: T0, responseBytes: undefined, status: '503', route: 'resnet' }],
    ['a query string is dropped from the route', `1.2.3.4 - - [05/Dec/2026:20:01:02 +0000] "GET /search?q=secret HTTP/1.1" 200 1 "-" "-"`, { route: '/search' }],
    ['a request line that is not one (a TLS hello)', `1.2.3.4 - - [05/Dec/2026:20:01:02 +0000] "\\x16\\x03\\x01\\x00" 400 157 "-" "-"`, { status: '400', route: undefined }],
    ['a quote escaped in the request', `1.2.3.4 - - [05/Dec/2026:20:01:02 +0000] "GET /a\\"b HTTP/1.1" 200 3 "-" "-"`, { route: '/a\\"b', responseBytes: 3 }],
    ['an escaped backslash before the closing quote', `1.2.3.4 - - [05/Dec/2026:20:01:02 +0000] "GET /a HTTP/1.1" 200 3 "ref\\\\" "ua"`, { responseBytes: 3 }],
  ])('%s', (_name, line, expected) => {
    expect(combined.parse(line)).toMatchObject(expected);
  });

  it.each([
    ['an empty line', '', 'no " - " after $remote_addr'],
    ['another format', '{"time":"2026-12-05T20:01:02Z"}', 'no " - "'],
    ['a bad month', `1.2.3.4 - - [05/Foo/2026:20:01:02 +0000] "GET / HTTP/1.1" 200 3 "-" "-"`, '$time_local is not a time'],
    ['31 February', `1.2.3.4 - - [31/Feb/2026:20:01:02 +0000] "GET / HTTP/1.1" 200 3 "-" "-"`, '$time_local is not a time'],
    ['hour 24', `1.2.3.4 - - [05/Dec/2026:24:01:02 +0000] "GET / HTTP/1.1" 200 3 "-" "-"`, '$time_local is not a time'],
    ['a bad zone', `1.2.3.4 - - [05/Dec/2026:20:01:02 0000] "GET / HTTP/1.1" 200 3 "-" "-"`, '$time_local is not a time'],
    ['a size that is not one', `1.2.3.4 - - [05/Dec/2026:20:01:02 +0000] "GET / HTTP/1.1" 200 x3 "-" "-"`, '$body_bytes_sent is not a size'],
    ['a line cut short', `1.2.3.4 - - [05/Dec/2026:20:01:02 +0000] "GET / HTTP/1.1" 200`, 'no " " after $status'],
    ['a year before 1990', `1.2.3.4 - - [05/Dec/1970:20:01:02 +0000] "GET / HTTP/1.1" 200 3 "-" "-"`, 'timestamp out of range'],
  ])('%s is malformed', (_name, line, reason) => {
    const r = combined.parse(line);
    expect(typeof r).toBe('string');
    expect(r).toContain(reason);
  });

  it('reads the `main` format (combined and more) as combined, and warns that the rest is not read', () => {
    const p = createNginxParser();
    expect(p.parse(`1.2.3.4 - - [05/Dec/2026:20:01:02 +0000] "GET / HTTP/1.1" 200 3 "-" "ua" "10.0.0.9" 0.120`)).toMatchObject({ startUs: T0, latencyUs: undefined });
    expect(p.warnings()).toEqual(['1 line(s) go on past the end of the combined format; what follows is not read (give the whole format with --log-format to read it, e.g. $request_time)']);
    expect(combined.warnings()).toEqual([]);
  });

  it('keeps no address, user or user agent anywhere in a record', () => {
    const r = combined.parse(`203.0.113.9 - alice [05/Dec/2026:20:01:02 +0000] "GET /x?token=abc HTTP/1.1" 200 3 "http://ref" "agent/1"`);
    expect(JSON.stringify(r)).not.toMatch(/203\.0|alice|token|abc|ref|agent/);
  });
});

describe('nginx log_format', () => {
  const fmt = `log_format timed '$remote_addr [$time_local] "$request" $status $request_length $bytes_sent $body_bytes_sent '\n  '$request_time "$upstream_response_time" $msec "$http_x_model"';`;
  const timed = createNginxParser({ logFormat: fmt });
  const line = (rt: string, up: string, msec: string, model = '-'): string => `10.0.0.1 [05/Dec/2026:20:01:02 +0000] "POST /v2/models/mlp/infer HTTP/1.1" 200 1234 900 567 ${rt} "${up}" ${msec} "${model}"`;

  it.each([
    ['$msec (ms resolution) minus $request_time', line('0.250', '0.240', '1796500862.750'), { startUs: T0 + 500_000, resolutionUs: 1000, latencyUs: 250_000, requestBytes: 1234, responseBytes: 567, status: '200', route: 'mlp' }],
    ['$request_time of 0', line('0.000', '-', '1796500862.000'), { startUs: T0, latencyUs: 0 }],
    ['$request_time `-`, then $upstream_response_time is the latency', line('-', '0.010, 0.020 : 0.005', '1796500862.000'), { startUs: T0, latencyUs: 35_000 }],
  ])('%s', (_name, l, expected) => {
    expect(timed.parse(l)).toMatchObject(expected);
  });

  it('compiles the directive as pasted, concatenating its quoted pieces', () => {
    expect(unwrapLogFormat(fmt)).toBe('$remote_addr [$time_local] "$request" $status $request_length $bytes_sent $body_bytes_sent $request_time "$upstream_response_time" $msec "$http_x_model"');
    expect(compileLogFormat('${msec}x$status').vars).toEqual(['msec', 'status']);
    expect(timed.variant).toBe('nginx log_format');
    expect(timed.arrivalTime).toContain('$request_time');
    expect(combined.arrivalTime).toContain('no $request_time');
  });

  it('takes $time_iso8601 with its zone, and $request_time in seconds with ms resolution', () => {
    const p = createNginxParser({ logFormat: '$time_iso8601 $request_time $status "$uri"' });
    expect(p.parse('2026-12-05T21:01:03+01:00 1.001 200 "/v2/models/a/infer"')).toMatchObject({ startUs: T0 + 1_000_000 - 1_001_000, resolutionUs: 1e6, latencyUs: 1_001_000, route: 'a' });
  });

  it('--model-field picks a variable, or the path', () => {
    const byHeader = createNginxParser({ logFormat: fmt, modelField: '$http_x_model' });
    expect(byHeader.parse(line('0.1', '-', '1796500862.000', 'bert'))).toMatchObject({ route: 'bert' });
    expect(byHeader.parse(line('0.1', '-', '1796500862.000'))).toMatchObject({ route: undefined });
    expect(createNginxParser({ modelField: 'path' }).parse(`1.2.3.4 - - [05/Dec/2026:20:01:02 +0000] "POST /v2/models/m/infer?a HTTP/1.1" 200 3 "-" "-"`)).toMatchObject({ route: '/v2/models/m/infer' });
  });

  it.each([
    ['a variable not in the format as --model-field', { modelField: '$http_x_model' }, '--model-field $http_x_model is not in the nginx log format'],
    ['no time variable', { logFormat: '$status $request_time' }, 'no time variable'],
    ['two variables with nothing between them', { logFormat: '$msec$status' }, 'nothing between them'],
  ])('refuses %s', (_name, options, message) => {
    expect(() => createNginxParser(options)).toThrow(message);
    expect(() => createNginxParser(options)).toThrow(GauntletError);
  });

  it.each([
    ['0.010', 10_000],
    ['0.010, 0.020', 30_000],
    ['0.010, - : 0.005', 15_000],
    ['-', undefined],
  ])('sums $upstream_response_time %s', (v, us) => {
    expect(upstreamSumUs(v)).toBe(us);
  });
});
