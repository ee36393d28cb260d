/**
 * The client registry: every protocol has a client, unknown protocols are configuration errors, and a
 * protocol cannot be registered twice.
 */
import { describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { createClient, registerClient, registeredProtocols } from '../../../src/targets/registry.js';
import type { Protocol, TargetSpec } from '../../../src/targets/target-spec.js';

const target = (protocol: string): TargetSpec =>
  ({ name: 't', protocol: protocol as Protocol, url: 'http://127.0.0.1:1', model: 'm', binary: true, timeoutMs: 100, maxInFlight: 1, connections: 0, http: { method: 'GET', path: '/', headers: {} } });

describe('client registry', () => {
  it('has the built-in protocols', () => {
    expect(registeredProtocols()).toEqual(expect.arrayContaining(['kserve-http', 'kserve-grpc', 'http', 'openai']));
  });

  it.each(['kserve-http', 'http'])('creates a %s client', async (protocol) => {
    const c = createClient(target(protocol), { inputs: [], payloads: 1 }, { seed: 1 });
    expect(c.errorSamples()).toEqual([]);
    await c.close();
  });

  it('throws a configuration error for an unknown protocol', () => {
    expect(() => createClient(target('carrier-pigeon'), { inputs: [], payloads: 1 }, { seed: 1 })).toThrow(GauntletError);
  });

  it('refuses to register a protocol twice', () => {
    expect(() => registerClient('http', () => { throw new Error('unused'); })).toThrow(/already registered/);
  });
});
