/**
 * The protocol registry: every protocol has every part (the mapped type checks most of it when compiling; this
 * checks what the compiler cannot: values), its client is the one registered, and its address is what network
 * faults put the proxy in front of, TLS targets included.
 */
import { describe, expect, it } from 'vitest';
import { targetAddress, throughProxy } from '../../../src/faults/fault-run.js';
import { COMMON_TARGET_KEYS, TARGET_KEYS } from '../../../src/scenario/parse-target.js';
import { PROTOCOL_ENTRIES, PROTOCOLS } from '../../../src/targets/protocols.js';
import { registeredProtocols } from '../../../src/targets/registry.js';
import type { TargetSpec } from '../../../src/targets/target-spec.js';

const spec = (over: Partial<TargetSpec>): TargetSpec => ({ name: 't', protocol: 'kserve-http', url: 'http://127.0.0.1:1', binary: true, timeoutMs: 100, maxInFlight: 1, connections: 0, ...over });
const SAMPLE_URL: Record<string, string> = { 'kserve-grpc': 'grpc://llm.example.com:8001' };

describe('protocol registry', () => {
  it('registers a client for every protocol, and no other', () => {
    expect(registeredProtocols()).toEqual(PROTOCOLS);
    expect(PROTOCOLS).toEqual(['kserve-http', 'kserve-grpc', 'http', 'openai']);
  });

  it.each(PROTOCOLS)('%s has every part', (protocol) => {
    const e = PROTOCOL_ENTRIES[protocol];
    expect(e.summary).toMatch(/\w/);
    expect(e.url.description).toMatch(new RegExp(`^${protocol}: `));
    expect(Object.keys(e.schema()).sort()).toEqual([...e.keys].sort());
    for (const [key, schema] of Object.entries(e.schema())) expect(schema.description, key).toMatch(new RegExp(`^(${protocol}|kserve-\\*): `));
    for (const key of e.required) expect(e.keys).toContain(key);
    for (const key of Object.keys(e.refuse ?? {})) expect(TARGET_KEYS, key).toContain(key);
    for (const key of e.keys) expect(COMMON_TARGET_KEYS as readonly string[], key).not.toContain(key);
    expect(['tensors', 'body', 'prompts']).toContain(e.request.name);
    expect(typeof e.client).toBe('function');
    const url = SAMPLE_URL[protocol] ?? 'http://llm.example.com:8000';
    expect(e.url.check(url)).toBeUndefined();
    expect(e.address(spec({ protocol, url }))).toEqual({ host: 'llm.example.com', port: protocol === 'kserve-grpc' ? 8001 : 8000 });
    expect(typeof e.describe(spec({ protocol, url })).wire).toBe('string');
  });
});

describe('the address network faults proxy', () => {
  it.each<[string, Partial<TargetSpec>, { host: string; port: number }, string]>([
    ['http', { url: 'http://10.0.0.7:8000/prefix' }, { host: '10.0.0.7', port: 8000 }, 'http://127.0.0.1:4000/prefix'],
    ['http without a port', { url: 'http://h.example' }, { host: 'h.example', port: 80 }, 'http://127.0.0.1:4000'],
    ['an upper-case scheme', { url: 'HTTP://h.example:81/x' }, { host: 'h.example', port: 81 }, 'http://127.0.0.1:4000/x'],
    ['https without a port', { url: 'https://h.example/', tls: { insecureSkipVerify: false } }, { host: 'h.example', port: 443 }, 'https://127.0.0.1:4000/'],
    ['gRPC', { protocol: 'kserve-grpc', url: '[::1]:8001' }, { host: '::1', port: 8001 }, '127.0.0.1:4000'],
    ['grpc://', { protocol: 'kserve-grpc', url: 'grpc://h:8001' }, { host: 'h', port: 8001 }, 'grpc://127.0.0.1:4000'],
    ['grpcs://', { protocol: 'kserve-grpc', url: 'grpcs://h.example:8443', tls: { insecureSkipVerify: false } }, { host: 'h.example', port: 8443 }, 'grpcs://127.0.0.1:4000'],
    ['openai over https', { protocol: 'openai', url: 'https://llm.example:8443', tls: { insecureSkipVerify: false } }, { host: 'llm.example', port: 8443 }, 'https://127.0.0.1:4000'],
  ])('%s', (_, over, address, proxied) => {
    const t = spec(over);
    expect(targetAddress(t)).toEqual(address);
    const p = throughProxy(t, 4000);
    expect(p.url).toBe(proxied);
    // Through the proxy, a TLS target still checks the certificate of its own host name (an IP address has none to send).
    if (t.tls !== undefined) expect(p.tls).toEqual({ ...t.tls, serverName: address.host });
    else expect(p.tls).toBeUndefined();
  });

  it('keeps a server_name the target gives', () => {
    const t = spec({ url: 'https://10.0.0.7:8443', tls: { insecureSkipVerify: false, serverName: 'model.internal' } });
    expect(throughProxy(t, 4000).tls).toEqual({ insecureSkipVerify: false, serverName: 'model.internal' });
    expect(throughProxy(spec({ url: 'https://10.0.0.7:8443', tls: { insecureSkipVerify: false } }), 4000).tls).toEqual({ insecureSkipVerify: false });
  });
});
