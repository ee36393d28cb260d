/**
 * The generic http client against a small node:http server (method, path, headers and body arrive as the
 * target file says; statuses become outcomes), and how requests are serialised.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type TargetClient } from '../../../src/targets/registry.js';
import { headerValue, parseHttpUrl, serializeRequest } from '../../../src/targets/http1-request.js';
import type { TargetSpec } from '../../../src/targets/target-spec.js';
import { httpServer, type Listening } from './raw-servers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Listening;
const seen: Seen[] = [];
const clients: TargetClient[] = [];

beforeAll(async () => {
  server = await httpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url?.endsWith('/missing')) {
        res.statusCode = 404;
        return res.end('no such page');
      }
      if (req.url?.endsWith('/chunked')) {
        res.write('part one, ');
        return setTimeout(() => res.end('part two'), 5);
      }
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.close();
});

function client(http: TargetSpec['http'], url = `http://127.0.0.1:${server.port}`): TargetClient {
  const spec: TargetSpec = { name: 'web', protocol: 'http', url, binary: false, timeoutMs: 5000, maxInFlight: 8, connections: 2, http };
  const c = createClient(spec, { inputs: [], payloads: 1 }, { seed: 1 });
  clients.push(c);
  return c;
}

describe('http client', () => {
  it('sends the target request as written and counts the response', async () => {
    const c = client({ method: 'POST', path: '/echo?x=1', headers: { 'content-type': 'application/json', 'x-token': 'abc' }, body: '{"a":1}' });
    await c.check();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => c.send()));
    for (const o of outcomes) expect(o).toMatchObject({ code: 'OK', bytes: 11 });
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/echo?x=1', body: '{"a":1}' });
    expect(last.headers).toMatchObject({ 'content-type': 'application/json', 'x-token': 'abc', 'content-length': '7', host: `127.0.0.1:${server.port}` });
  });

  it('puts the URL path in front of the request path', async () => {
    await client({ method: 'GET', path: '/ping', headers: {} }, `http://127.0.0.1:${server.port}/base/`).send();
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/base/ping' });
  });

  it('reads chunked responses', async () => {
    expect(await client({ method: 'GET', path: '/chunked', headers: {} }).send()).toMatchObject({ code: 'OK', bytes: 18 });
  });

  it('records other statuses as HTTP_<status> with the body as message; check() throws', async () => {
    const c = client({ method: 'GET', path: '/missing', headers: {} });
    expect((await c.send()).code).toBe('HTTP_404');
    expect(c.errorSamples()).toEqual([{ code: 'HTTP_404', message: 'no such page' }]);
    await expect(c.check()).rejects.toThrow(/HTTP_404: no such page/);
  });

  it('needs a request', () => {
    expect(() => client(undefined)).toThrow(/needs a request/);
  });
});

describe('request serialisation', () => {
  const endpoint = parseHttpUrl('http://[::1]:8000/prefix/');

  it('reads URLs', () => {
    expect(endpoint).toEqual({ host: '::1', port: 8000, hostHeader: '[::1]:8000', basePath: '/prefix', secure: false });
    expect(parseHttpUrl('http://example.com')).toMatchObject({ port: 80, basePath: '', secure: false });
    expect(parseHttpUrl('https://example.com')).toMatchObject({ port: 443, basePath: '', secure: true });
    expect(() => parseHttpUrl('ftp://x')).toThrow(/only http/);
    expect(() => parseHttpUrl('not a url')).toThrow(/not a URL/);
  });

  it('writes one buffer with computed content-length, ignoring given framing headers', () => {
    const req = serializeRequest('POST', '/p', endpoint, { 'Content-Length': 99, 'x-a': 'b' }, Buffer.from('body'));
    expect(req.toString()).toBe('POST /p HTTP/1.1\r\nhost: [::1]:8000\r\nx-a: b\r\ncontent-length: 4\r\n\r\nbody');
    expect(serializeRequest('GET', '/', endpoint, {}).toString()).toBe('GET / HTTP/1.1\r\nhost: [::1]:8000\r\n\r\n');
    expect(serializeRequest('PUT', '/', endpoint, {}).toString()).toContain('content-length: 0\r\n');
  });

  it('refuses header injection and bad methods', () => {
    expect(() => serializeRequest('GET', '/', endpoint, { 'x-a': 'b\r\nevil: 1' })).toThrow(/invalid header/);
    expect(() => serializeRequest('G T', '/', endpoint, {})).toThrow(/not an HTTP method/);
    expect(() => serializeRequest('GET', 'nope', endpoint, {})).toThrow(/must start with \//);
  });

  it('finds headers in a kept response head', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nInference-Header-Content-Length: 12';
    expect(headerValue(head, 'inference-header-content-length')).toBe('12');
    expect(headerValue(head, 'x-missing')).toBeUndefined();
  });
});
