/**
 * Target headers and bearer tokens (issue 11, part 3): a target's static `headers` and `bearer_token_env` reach
 * the server with every request over KServe HTTP, plain HTTP and gRPC (as metadata), and never appear in what a
 * run writes. End to end: the real reference server behind a gateway (a real HTTP/1.1 and HTTP/2 proxy) that
 * answers 401 / UNAUTHENTICATED unless the token and the key are right, and passes the rest on; the run goes
 * through the CLI, so results.json and the reports are written as a user gets them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { parseTarget } from '../../../src/scenario/parse-target.js';
import { redactTarget, REDACTED } from '../../../src/targets/target-headers.js';
import { gauntlet } from '../../helpers/cli.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { tinyMlpConfig } from '../../helpers/test-repo.js';

const TOKEN = 'tok-5f1e9a-secret';
const KEY = 'key-77c2-secret';
process.env['GAUNTLET_TEST_TOKEN'] = TOKEN;

function problems(text: string): string[] {
  try {
    parseTarget(text, 't.yaml');
  } catch (err) {
    return (err as GauntletError).details ?? [(err as Error).message];
  }
  return [];
}

describe('headers and bearer_token_env in target files', () => {
  it('reads them for every protocol, and keeps the token out of the spec', () => {
    const spec = parseTarget('protocol: kserve-http\nurl: http://h:80\nheaders: {X-Api-Key: abc}\nbearer_token_env: GAUNTLET_TEST_TOKEN\n', 't.yaml');
    expect(spec.headers).toEqual({ 'X-Api-Key': 'abc' });
    expect(spec.bearerTokenEnv).toBe('GAUNTLET_TEST_TOKEN');
    expect(JSON.stringify(spec)).not.toContain(TOKEN);
    const plain = parseTarget('protocol: http\nurl: http://h:80\npath: /x\nheaders: {X-A: b}\nbearer_token_env: GAUNTLET_TEST_TOKEN\n', 't.yaml');
    expect(plain.http!.headers).toEqual({ 'X-A': 'b' });
    expect(parseTarget('protocol: kserve-grpc\nurl: h:1\nheaders: {x-tenant: t1}\n', 't.yaml').headers).toEqual({ 'x-tenant': 't1' });
  });

  it.each([
    ['an unset variable', 'protocol: kserve-http\nurl: http://h:80\nbearer_token_env: GAUNTLET_SURELY_UNSET_VAR\n', /bearer_token_env: the environment variable GAUNTLET_SURELY_UNSET_VAR is not set or empty/],
    ['not a variable name', 'protocol: kserve-http\nurl: http://h:80\nbearer_token_env: "A-B"\n', /bearer_token_env: must name an environment variable/],
    ['both a token and an authorization header', 'protocol: kserve-http\nurl: http://h:80\nheaders: {Authorization: x}\nbearer_token_env: GAUNTLET_TEST_TOKEN\n', /bearer_token_env: and an authorization header cannot both be given/],
    ['a line break in a value', 'protocol: kserve-http\nurl: http://h:80\nheaders: {X-A: "a\\r\\nX-Evil: 1"}\n', /headers\.X-A: must not contain a line break or NUL/],
    ['a name that is not a token', 'protocol: kserve-http\nurl: http://h:80\nheaders: {"X A": b}\n', /headers\.X A: is not a header name/],
    ['framing set by gauntlet', 'protocol: kserve-http\nurl: http://h:80\nheaders: {Content-Length: "5"}\n', /headers\.Content-Length: is set by gauntlet itself/],
    ['gRPC protocol headers', 'protocol: kserve-grpc\nurl: h:1\nheaders: {grpc-timeout: 1S}\n', /headers\.grpc-timeout: is set by gauntlet itself \(gRPC\)/],
    ['upper-case gRPC metadata', 'protocol: kserve-grpc\nurl: h:1\nheaders: {X-Tenant: t}\n', /headers\.X-Tenant: gRPC metadata names are lower case/],
  ])('%s is a problem with its path', (_what, text, expected) => {
    expect(problems(text).join('\n')).toMatch(expected);
  });

  it('redactTarget hides header values but content-type', () => {
    const spec = parseTarget('protocol: http\nurl: http://h:80\npath: /x\nbody: {a: 1}\nheaders: {X-Api-Key: abc}\n', 't.yaml');
    expect(redactTarget(spec).http!.headers).toEqual({ 'X-Api-Key': REDACTED, 'content-type': 'application/json' });
  });
});

/** authorized says whether a request carries the token and the key (HTTP/1.1 headers or HTTP/2 metadata). */
function authorized(h: http.IncomingHttpHeaders): boolean {
  return h['authorization'] === `Bearer ${TOKEN}` && h['x-api-key'] === KEY;
}

describe('a run through a gateway that checks the token and the key', () => {
  let server: TestServer;
  let gateway: http.Server;
  let grpcGateway: http2.Http2Server;
  const seen = { http: 0, grpc: 0, refused: 0 };
  /** The Host (HTTP/1.1) or :authority (HTTP/2) of every request the gateways saw, in order. */
  const hosts: string[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-headers-'));

  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
    // HTTP/1.1: 401 without the right headers, else the request passes to the reference server.
    gateway = http.createServer((req, res) => {
      hosts.push(req.headers.host ?? '');
      if (!authorized(req.headers)) {
        seen.refused++;
        req.resume();
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
        return;
      }
      seen.http++;
      const up = http.request({ host: '127.0.0.1', port: server.httpPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    // HTTP/2 (gRPC): UNAUTHENTICATED (16) without the right metadata, else the call passes on, trailers included.
    const upstream = http2.connect(`http://127.0.0.1:${server.grpcPort}`);
    grpcGateway = http2.createServer();
    grpcGateway.on('stream', (stream, headers) => {
      hosts.push(String(headers[':authority'] ?? ''));
      if (!authorized(headers as http.IncomingHttpHeaders)) {
        seen.refused++;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'unauthenticated' }, { endStream: true });
        stream.resume();
        return;
      }
      seen.grpc++;
      const { ':method': _m, ':scheme': _s, ':authority': _a, ':path': p, ...rest } = headers;
      const up = upstream.request({ ':method': 'POST', ':path': p, ...rest });
      up.on('response', (h) => stream.respond(h, { waitForTrailers: true }));
      up.on('trailers', (t) => stream.once('wantTrailers', () => stream.sendTrailers(t)));
      up.pipe(stream);
      stream.pipe(up);
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => grpcGateway.listen(0, '127.0.0.1', () => r()));
    grpcGateway.once('close', () => upstream.close());
  });
  afterAll(async () => {
    gateway.closeAllConnections();
    await new Promise<void>((r) => gateway.close(() => r()));
    await new Promise<void>((r) => grpcGateway.close(() => r()));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const files = (root: string): string[] =>
    readdirSync(root).flatMap((n) => {
      const p = path.join(root, n);
      return statSync(p).isDirectory() ? files(p) : [p];
    });

  it.each(['kserve-http', 'kserve-grpc'] as const)('%s: every request carries them (and the Host override); results and reports never show them', async (protocol) => {
    const port = protocol === 'kserve-http' ? (gateway.address() as { port: number }).port : (grpcGateway.address() as { port: number }).port;
    const url = protocol === 'kserve-http' ? `http://127.0.0.1:${port}` : `127.0.0.1:${port}`;
    const scenario = path.join(dir, `${protocol}.yaml`);
    writeFileSync(
      scenario,
      `name: auth\ntarget: {name: gw, protocol: ${protocol}, url: "${url}", headers: {x-api-key: ${KEY}, host: models.internal.example}, bearer_token_env: GAUNTLET_TEST_TOKEN}\n` +
        'request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16]}]}\nslo: {error_rate: 0}\nphases: [{name: a, duration: 2s, rate: 40}]\n',
    );
    const out = path.join(dir, `${protocol}-run`);
    const before = { ...seen };
    const firstHost = hosts.length;
    const r = await gauntlet(['run', scenario, '--out', out, '--exit-zero'], undefined, { GAUNTLET_TEST_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.totals.ok).toBe(results.totals.sent);
    expect(results.totals.sent).toBeGreaterThanOrEqual(70);
    expect(seen[protocol === 'kserve-http' ? 'http' : 'grpc'] - before[protocol === 'kserve-http' ? 'http' : 'grpc']).toBeGreaterThanOrEqual(results.totals.sent);
    expect(seen.refused).toBe(before.refused);
    // The Host override replaced the URL's host:port on every request (HTTP Host, gRPC :authority).
    expect(new Set(hosts.slice(firstHost))).toEqual(new Set(['models.internal.example']));
    expect(results.plan.target.headers).toEqual({ 'x-api-key': REDACTED, host: 'models.internal.example' });
    expect(results.plan.target.bearerTokenEnv).toBe('GAUNTLET_TEST_TOKEN');
    for (const f of files(out)) {
      const text = readFileSync(f, 'latin1');
      expect(text.includes(TOKEN), `${f} shows the token`).toBe(false);
      expect(text.includes(KEY), `${f} shows the key`).toBe(false);
    }
  }, 60_000);

  it('a wrong token is refused by the server: the run says so (401), and still does not show the token', async () => {
    const port = (gateway.address() as { port: number }).port;
    const scenario = path.join(dir, 'wrong.yaml');
    writeFileSync(
      scenario,
      `name: auth\ntarget: {name: gw, protocol: kserve-http, url: "http://127.0.0.1:${port}", headers: {x-api-key: ${KEY}}, bearer_token_env: GAUNTLET_TEST_TOKEN}\n` +
        'request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16]}]}\nphases: [{name: a, duration: 1s, rate: 20}]\n',
    );
    const r = await gauntlet(['run', scenario, '--out', path.join(dir, 'wrong-run')], undefined, { GAUNTLET_TEST_TOKEN: 'not-the-token' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/401/);
    expect(r.stderr).not.toContain('not-the-token');
  }, 60_000);
});
