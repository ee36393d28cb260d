/**
 * Hostile HTTP requests, table-driven, against every HTTP listener of a real one-replica cluster: the replica's
 * HTTP front end and the router (JSON bodies and URLs), and with raw sockets also the admin API and both
 * metrics servers (framing, methods, header floods). Each gets a 4xx (or a 2xx where the request is merely
 * odd), never a 5xx, and never a connection dropped without an answer; the stack stays ready throughout.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../reference-server/cluster/cluster.js';
import { errorOf, type HttpCall, httpRequest, infer, inputRows } from '../helpers/reference-client.js';
import { rawExchange } from '../helpers/raw-http.js';
import { makeRepository, tinyMlpConfig } from '../helpers/test-repo.js';

const TOKEN = 'fuzz-admin-token-0123456789';
const INFER = '/v2/models/mlp/infer';
const ROW = inputRows(1)[0]!;
const ROW_JSON = JSON.stringify(ROW);

let repo: string;
let cluster: RunningCluster;

beforeAll(async () => {
  repo = makeRepository({ mlp: tinyMlpConfig('mlp', { max_batch_size: 8, dynamic_batching: { default_queue_policy: { allow_timeout_override: true } } }) });
  cluster = await startCluster({
    modelRepository: repo,
    replicas: 1,
    httpPort: 0,
    grpcPort: 0,
    metricsPort: 0,
    adminPort: 0,
    adminToken: TOKEN,
    restartDelayMs: null,
    coresPerReplica: 1,
    replicaGraceMs: 1000,
  });
});

afterAll(async () => {
  await cluster?.close(1000);
  if (repo) rmSync(repo, { recursive: true, force: true });
});

/** deep nests `leaf` in `n` lists, as JSON text (JSON.stringify itself would overflow the stack). */
const deep = (n: number, leaf = '1'): string => '['.repeat(n) + leaf + ']'.repeat(n);
/** deepObject nests `leaf` in `n` objects under key "a", as JSON text. */
const deepObject = (n: number, leaf = '1'): string => '{"a":'.repeat(n) + leaf + '}'.repeat(n);
/** body is an infer request whose single input has these JSON fields (as text), and these extra top-level fields. */
const body = (input: Record<string, string>, top: Record<string, string> = {}): string => {
  const fields = { name: '"input"', datatype: '"FP32"', shape: '[1,16]', data: ROW_JSON, ...input };
  const inputText = `{${Object.entries(fields).map(([k, v]) => `"${k}":${v}`).join(',')}}`;
  return `{"inputs":[${inputText}]${Object.entries(top).map(([k, v]) => `,"${k}":${v}`).join('')}}`;
};
const post = (text: string, path = INFER, headers: Record<string, string> = {}): HttpCall => ({ path, body: text, headers: { 'content-type': 'application/json', ...headers } });

type Row = [label: string, call: HttpCall, statuses: number[], error?: RegExp];

const BODY_ROWS: Row[] = [
  // Deep nesting, in every field that takes JSON.
  ['data nested 10,000 levels deep', post(body({ data: deep(10_000) })), [400], /input 'input': data is nested 3 levels deep, deeper than its shape \[1,16\] \(rank 2\)/],
  ['data nested 200,000 levels deep', post(body({ data: deep(200_000) })), [400], /data is nested 3 levels deep/],
  ['data nested 10,000 levels deep under a 10,000-dimension shape', post(body({ shape: `[${Array(10_000).fill(1).join(',')}]`, data: deep(10_000) })), [400], /has shape \[1,1,1,1,1,1,1,1,… 9992 more\]|expected \[-1,16\]/],
  ['data one level deeper than the shape', post(body({ data: `[[${ROW_JSON}]]` })), [400], /data is nested 3 levels deep, deeper than its shape \[1,16\] \(rank 2\)/],
  ['ragged rows', post(body({ shape: '[2,16]', data: `[${ROW_JSON},${JSON.stringify(ROW.slice(1))}]` })), [400], /input 'input': data\[1\] holds 15 values, but shape \[2,16\] needs 16 there/],
  ['more rows than the shape', post(body({ shape: '[2,16]', data: `[${ROW_JSON},${ROW_JSON},${ROW_JSON}]` })), [400], /input 'input': data holds 3 lists, but shape \[2,16\] needs 2 at depth 1/],
  ['lists mixed with values', post(body({ shape: '[2,16]', data: `[${ROW_JSON},1]` })), [400], /input 'input': data mixes lists and values/],
  ['the request parameters nested 10,000 levels deep', post(body({}, { parameters: `{"x":${deep(10_000)}}` })), [200]],
  ['the timeout parameter nested 10,000 levels deep', post(body({}, { parameters: `{"timeout":${deep(10_000)}}` })), [400], /parameter 'timeout' must be a non-negative integer \(microseconds\), got a list/],
  ['the timeout parameter as an object 10,000 levels deep', post(body({}, { parameters: `{"timeout":${deepObject(10_000)}}` })), [400], /got an object/],
  ['the parameters object nested 10,000 levels deep', post(body({}, { parameters: deepObject(10_000) })), [200]],
  ['input parameters nested 10,000 levels deep', post(body({ parameters: `{"x":${deep(10_000)}}` })), [200]],
  ['binary_data_size nested 10,000 levels deep', post(body({ parameters: `{"binary_data_size":${deep(10_000)}}` })), [400], /binary_data_size must be an integer >= 0/],
  ['outputs nested 10,000 levels deep', post(body({}, { outputs: deep(10_000) })), [400], /outputs\[0\] must be an object with a string 'name'/],
  ['output parameters nested 10,000 levels deep', post(body({}, { outputs: `[{"name":"output","parameters":{"binary_data":${deep(10_000)}}}]` })), [400], /binary_data must be true or false/],
  ['inputs nested 10,000 levels deep', post(`{"inputs":${deep(10_000)}}`), [400], /inputs\[0\] must be an object/],
  ['the id nested 10,000 levels deep', post(body({}, { id: deep(10_000) })), [400], /'id' must be a string/],
  ['a body of 10,000 nested lists', post(deep(10_000)), [400], /the request body must be a JSON object/],
  ['a body of 10,000 nested objects', post(deepObject(10_000)), [400], /the request must have an 'inputs' array/],
  ['the repository index with a body nested 10,000 levels deep', post(deep(10_000), '/v2/repository/index'), [200]],
  ['the repository index with ready nested 10,000 levels deep', post(`{"ready":${deep(10_000)}}`, '/v2/repository/index'), [200]],
  // Huge numbers.
  ['a batch dimension of 1e308', post(body({ shape: '[1e308,16]' })), [400], /batch size|has shape/],
  ['a dimension that overflows to Infinity', post(body({ shape: '[1e400,16]' })), [400], /has an invalid shape \[null,16\]/],
  ['a dimension of 2^53 + 1', post(body({ shape: '[9007199254740993,16]' })), [400], /batch size/],
  ['a value that overflows to Infinity', post(body({ data: `[1e400${',0'.repeat(15)}]` })), [200]],
  ['a number of 100,000 digits', post(body({ data: `[${'9'.repeat(100_000)}${',0'.repeat(15)}]` })), [200]],
  ['binary_data_size of 1e20', post(body({ data: 'null', parameters: '{"binary_data_size":1e20}' }).replace(',"data":null', '')), [400], /needs 100000000000000000000 bytes of binary data/],
  ['a timeout of 1e300 µs', post(body({}, { parameters: '{"timeout":1e300}' })), [400], /parameter 'timeout' must be at most 3600000000 microseconds/],
  ['a timeout of 2^63 µs as a string', post(body({}, { parameters: '{"timeout":"9223372036854775808"}' })), [400], /must be at most 3600000000 microseconds/],
  ['a timeout of 10,000 digits as a string', post(body({}, { parameters: `{"timeout":"${'9'.repeat(10_000)}"}` })), [400], /must be a non-negative integer \(microseconds\), got "9{40}…"/],
  ['an Inference-Header-Content-Length of 10^23', post(body({}), INFER, { 'inference-header-content-length': '99999999999999999999999' }), [400], /Inference-Header-Content-Length is 1e\+23/],
  // NaN and Infinity are not JSON.
  ['NaN in the data', post(body({ data: `[NaN${',0'.repeat(15)}]` })), [400], /failed to parse the request JSON/],
  ['Infinity in the data', post(body({ data: `[Infinity${',0'.repeat(15)}]` })), [400], /failed to parse the request JSON/],
  ['-Infinity in the shape', post(body({ shape: '[-Infinity,16]' })), [400], /failed to parse the request JSON/],
  // Wrong types everywhere.
  ['a numeric name', post(body({ name: '7' })), [400], /inputs\[0\] must have a non-empty string 'name'/],
  ['a null datatype', post(body({ datatype: 'null' })), [400], /unknown datatype null/],
  ['a shape as a string', post(body({ shape: '"1,16"' })), [400], /invalid shape "1,16"/],
  ['a shape as an object', post(body({ shape: '{"0":1}' })), [400], /invalid shape/],
  ['a nested shape', post(body({ shape: '[[1],[16]]' })), [400], /invalid shape \[\[1\],\[16\]\]/],
  ['data as an object', post(body({ data: '{"0":1}' })), [400], /element 0 of a FP32 tensor must be a number, got object/],
  ['data as a string', post(body({ data: '"1,2,3"' })), [400], /element 0 of a FP32 tensor must be a number, got string/],
  ['data as booleans', post(body({ data: JSON.stringify(ROW.map(() => true)) })), [400], /must be a number, got boolean/],
  ['parameters as a string', post(body({}, { parameters: '"x"' })), [400], /'parameters' must be an object/],
  ['input parameters as a list', post(body({ parameters: '[1]' })), [400], /input 'input': 'parameters' must be an object/],
  ['outputs as a string', post(body({}, { outputs: '"output"' })), [400], /'outputs' must be an array/],
  ['an output name as a number', post(body({}, { outputs: '[{"name":1}]' })), [400], /outputs\[0\] must be an object with a string 'name'/],
  ['inputs as a string', post('{"inputs":"input"}'), [400], /the request must have an 'inputs' array/],
  ['a null body', post('null'), [400], /the request body must be a JSON object/],
  ['a body of 1e999', post('1e999'), [400], /the request body must be a JSON object/],
  ['binary_data_size as a string', post(body({ parameters: '{"binary_data_size":"64"}' })), [400], /binary_data_size must be an integer >= 0/],
  ['a repository index body that is not JSON', post('nul', '/v2/repository/index'), [400], /failed to parse the request JSON/],
];

const SEGMENTS = ['%E0%A4%A', '%ZZ', '%', '%C0%AF', '%00', '..%2F..%2Fetc', '%FF%FE'];
const PATH_ROWS: Row[] = SEGMENTS.flatMap((s): Row[] => [
  [`model name ${s} (metadata)`, { path: `/v2/models/${s}` }, [400, 404]],
  [`model name ${s} (ready)`, { path: `/v2/models/${s}/ready` }, [400, 404]],
  [`model name ${s} (config)`, { path: `/v2/models/${s}/config` }, [400, 404]],
  [`model name ${s} (stats)`, { path: `/v2/models/${s}/stats` }, [400, 404]],
  [`model name ${s} (infer)`, post(body({}), `/v2/models/${s}/infer`), [400, 404]],
  [`version ${s} (ready)`, { path: `/v2/models/mlp/versions/${s}/ready` }, [400, 404]],
  [`version ${s} (infer)`, post(body({}), `/v2/models/mlp/versions/${s}/infer`), [400, 404]],
  [`action ${s}`, { path: `/v2/models/mlp/${s}` }, [400, 404]],
  [`health ${s}`, { path: `/v2/health/${s}` }, [400, 404]],
  [`top level ${s}`, { path: `/${s}` }, [400, 404]],
  [`v2 ${s}`, { path: `/v2/${s}` }, [400, 404]],
  [`repository model ${s}`, post('{}', `/v2/repository/models/${s}/load`), [400, 404]],
  [`query ${s}`, { path: `/v2/health/ready?x=${s}` }, [200]],
]);

const METHOD_ROWS: Row[] = [
  ...['PATCH', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'].map((m): Row => [`${m} on infer`, { method: m, path: INFER }, [405]]),
  ...['PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'].map((m): Row => [`${m} on readiness`, { method: m, path: '/v2/health/ready' }, [405]]),
  ['PROPFIND on the server metadata', { method: 'PROPFIND', path: '/v2' }, [405]],
  ['GET with a body on readiness', { method: 'GET', path: '/v2/health/ready', body: deep(10_000) }, [200]],
];

describe.each([
  ['the replica', () => cluster.supervisor.replicas[0]!.httpPort],
  ['the router', () => cluster.httpPort],
])('malformed HTTP requests to %s', (_name, port) => {
  it.each([...BODY_ROWS, ...PATH_ROWS, ...METHOD_ROWS])('%s', async (_label, call, statuses, error) => {
    const reply = await httpRequest(port(), call);
    expect(statuses, reply.body.toString('utf8').slice(0, 300)).toContain(reply.status);
    if (error) expect(errorOf(reply)).toMatch(error);
  });
});

const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nhost: x\r\n${extra}\r\n`;
const postRaw = (headers: string, payload: string): string => `POST ${INFER} HTTP/1.1\r\nhost: x\r\n${headers}\r\n${payload}`;

type RawRow = [label: string, chunks: string[], statuses: number[]];

const RAW_ROWS: RawRow[] = [
  ['CONNECT', ['CONNECT 127.0.0.1:22 HTTP/1.1\r\nhost: 127.0.0.1:22\r\n\r\n'], [400, 405]],
  ['an upgrade to websocket', [get('/v2/health/ready', 'connection: upgrade\r\nupgrade: websocket\r\n')], [200, 400, 404, 405]],
  ['an upgrade to h2c', [get('/v2/health/ready', 'connection: upgrade, http2-settings\r\nupgrade: h2c\r\nhttp2-settings: AAMAAABkAARAAAAAAAIAAAAA\r\n')], [200, 400, 404, 405]],
  ['an unknown method', ['FOO / HTTP/1.1\r\nhost: x\r\n\r\n'], [400, 405]],
  ['a lowercase method', ['get / HTTP/1.1\r\nhost: x\r\n\r\n'], [400]],
  ['the HTTP/2 preface', ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'], [400, 405]],
  ['HTTP/9.9', ['GET / HTTP/9.9\r\nhost: x\r\n\r\n'], [400]],
  ['HTTP/0.9 style', ['GET /\r\n\r\n'], [400, 404]],
  ['two different Content-Lengths', [postRaw('content-length: 2\r\ncontent-length: 3\r\n', '{}')], [400]],
  ['a negative Content-Length', [postRaw('content-length: -1\r\n', '{}')], [400]],
  ['a Content-Length that is not a number', [postRaw('content-length: abc\r\n', '{}')], [400]],
  ['a Content-Length of 1e3', [postRaw('content-length: 1e3\r\n', '{}')], [400]],
  ['a Content-Length of 2^64', [postRaw('content-length: 18446744073709551616\r\n', '{}')], [400, 413]],
  ['Content-Length and chunked together', [postRaw('content-length: 2\r\ntransfer-encoding: chunked\r\n', '2\r\n{}\r\n0\r\n\r\n')], [400]],
  ['Transfer-Encoding gzip without chunked', [postRaw('transfer-encoding: gzip\r\n', '{}')], [400]],
  ['Transfer-Encoding chunked twice', [postRaw('transfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n', '2\r\n{}\r\n0\r\n\r\n')], [400]],
  ['a chunk size that is not hex', [postRaw('transfer-encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n')], [400]],
  ['a chunk size of 2^64', [postRaw('transfer-encoding: chunked\r\n', 'ffffffffffffffffff\r\n{}\r\n0\r\n\r\n')], [400, 413]],
  ['a chunk extension flood', [postRaw('transfer-encoding: chunked\r\n', `2;${'a'.repeat(20_000)}\r\n{}\r\n0\r\n\r\n`)], [400, 413]],
  ['a 20 KB header', [get('/v2/health/ready', `x-big: ${'a'.repeat(20_000)}\r\n`)], [431]],
  ['1,000 headers of 30 bytes', [get('/v2/health/ready', Array.from({ length: 1000 }, (_, i) => `x-h${i}: ${'b'.repeat(20)}\r\n`).join(''))], [431]],
  ['3,000 tiny headers', [get('/v2/health/ready', Array.from({ length: 3000 }, () => 'a: b\r\n').join(''))], [200, 404, 431]],
  ['a 20 KB URL', [get(`/v2/health/ready?${'q'.repeat(20_000)}`)], [414, 431]],
  ['a NUL in a header value', [get('/v2/health/ready', 'x-a: b\0c\r\n')], [400]],
  ['a folded header', [get('/v2/health/ready', 'x-a: b\r\n c\r\n')], [400]],
  ['a header without a colon', [get('/v2/health/ready', 'nocolon\r\n')], [400]],
  ['a space before the colon', [get('/v2/health/ready', 'x-a : b\r\n')], [400]],
  ['two Inference-Header-Content-Lengths', [postRaw('content-length: 2\r\ninference-header-content-length: 2\r\ninference-header-content-length: 1\r\n', '{}')], [400, 404, 405]],
  ['two Content-Encodings', [postRaw('content-length: 2\r\ncontent-encoding: gzip\r\ncontent-encoding: gzip\r\n', '{}')], [400, 404, 405, 415]],
  ['two Host headers', [get('/v2/health/ready', 'host: y\r\n')], [200, 400, 404]],
  ['two Authorization headers', [get('/admin/replicas', `authorization: Bearer ${TOKEN}\r\nauthorization: Bearer nope\r\n`)], [200, 400, 401, 404]],
  ['a body on a GET with a bad Content-Length', [get('/v2/health/ready', 'content-length: x\r\n')], [400]],
  ['a request line of spaces', ['   \r\n\r\n'], [400]],
  ['binary garbage', [Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256)).toString('latin1')], [400]],
];

describe.each([
  ['the replica', () => cluster.supervisor.replicas[0]!.httpPort],
  ['the router', () => cluster.httpPort],
  ['the router metrics', () => cluster.metricsPort],
  ['the replica metrics', () => cluster.supervisor.replicas[0]!.metricsPort],
  ['the admin API', () => cluster.adminPort],
])('raw malformed HTTP to %s', (_name, port) => {
  it.each(RAW_ROWS)('%s is answered', async (_label, chunks, statuses) => {
    const reply = await rawExchange(port(), chunks);
    expect(reply.status, `no answer before the connection ${reply.closed ? 'closed' : 'timed out'}: ${JSON.stringify(reply.text.slice(0, 200))}`).toBeDefined();
    // The metrics servers and the admin API serve other paths: their answer is 401/404/405 where the framing is fine.
    const allowed = [...statuses, ...(port() === cluster.httpPort || port() === cluster.supervisor.replicas[0]!.httpPort ? [] : [401, 404, 405])];
    expect(allowed, reply.text.slice(0, 300)).toContain(reply.status);
  });
});

const admin = (method: string, path: string): HttpCall => ({ method, path, headers: { authorization: `Bearer ${TOKEN}` } });
const ADMIN_ROWS: Row[] = [
  ...SEGMENTS.flatMap((s): Row[] => ['kill', 'stop', 'restore'].map((a): Row => [`${a} of replica ${s}`, admin('POST', `/admin/replicas/${s}/${a}`), [400, 404]])),
  ['a kill with a body nested 10,000 levels deep', { ...admin('POST', '/admin/replicas/nope/kill'), body: deep(10_000) }, [404]],
  ['DELETE on the replica list', admin('DELETE', '/admin/replicas'), [405]],
  ['GET on kill', admin('GET', '/admin/replicas/r0/kill'), [405]],
  ['an unknown admin route', admin('GET', '/admin/%ZZ'), [404]],
  ['a token of 100 KB', { method: 'GET', path: '/admin/replicas', headers: { authorization: `Bearer ${'t'.repeat(100_000)}` } }, [401, 431]],
  ['a token with the wrong scheme', { method: 'GET', path: '/admin/replicas', headers: { authorization: `Basic ${TOKEN}` } }, [401]],
];

describe('malformed admin API requests', () => {
  it.each(ADMIN_ROWS)('%s', async (_label, call, statuses) => {
    const reply = await httpRequest(cluster.adminPort, call).catch((e: Error) => ({ status: `error: ${e.message}`, body: Buffer.alloc(0) }));
    expect(statuses, reply.body.toString('utf8')).toContain(reply.status);
  });
});

describe('malformed metrics requests', () => {
  it.each([
    ['POST with a body', { path: '/metrics', body: deep(10_000) }],
    ['a bad percent-encoding', { path: '/metrics%E0%A4%A' }],
    ['DELETE', { method: 'DELETE', path: '/metrics' }],
  ] as [string, HttpCall][])('%s → 404, on both metrics servers', async (_label, call) => {
    for (const port of [cluster.metricsPort, cluster.supervisor.replicas[0]!.metricsPort]) expect((await httpRequest(port, call)).status).toBe(404);
  });
});

describe('afterwards', () => {
  it('the stack is still ready and still answers correctly, directly and through the router', async () => {
    for (const port of [cluster.httpPort, cluster.supervisor.replicas[0]!.httpPort]) {
      expect((await httpRequest(port, { path: '/v2/health/ready' })).status).toBe(200);
      expect(await infer(port, 'mlp', [ROW])).toHaveLength(1);
    }
    expect(cluster.supervisor.replicas.map((r) => [r.state, r.restarts])).toEqual([['ready', 0]]);
  });
});
