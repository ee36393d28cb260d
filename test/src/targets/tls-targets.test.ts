/**
 * TLS targets (issue 11, part 3): runs over HTTPS (kserve-http) and gRPC over TLS (grpcs://) against the real
 * reference server behind a real TLS-terminating proxy (Node's tls server, ALPN h2 and http/1.1, passing the
 * decrypted bytes to the server's plain ports), with a CA made for the test by openssl: a custom CA bundle, the
 * name checked in the certificate (server_name, sent in SNI), a client certificate the proxy requires (mTLS),
 * a handshake that fails as its own outcome (TLS_ERROR), and insecure_skip_verify, which works and warns.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { parseTarget } from '../../../src/scenario/parse-target.js';
import { makeCerts, type PipeProxy, startPipeProxy } from '../../../bench/lib/tls-fixtures.js';
import { gauntlet } from '../../helpers/cli.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { tinyMlpConfig } from '../../helpers/test-repo.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-tls-'));
const file = (n: string): string => path.join(dir, n);
const SERVER_NAME = 'inference.gauntlet.test';

describe('TLS targets', () => {
  let server: TestServer;
  let https: PipeProxy;
  let grpcs: PipeProxy;
  let metrics: PipeProxy;

  beforeAll(async () => {
    makeCerts(dir, SERVER_NAME);
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
    const certs = { key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')), ca: readFileSync(file('ca.pem')), ALPNProtocols: ['h2', 'http/1.1'] };
    https = await startPipeProxy(server.httpPort, certs);
    // The gRPC proxy requires a client certificate signed by the CA (mTLS).
    grpcs = await startPipeProxy(server.grpcPort, { ...certs, requestCert: true, rejectUnauthorized: true });
    // The metrics endpoint behind TLS too, requiring the client certificate.
    metrics = await startPipeProxy(server.metricsPort, { ...certs, ALPNProtocols: ['http/1.1'], requestCert: true, rejectUnauthorized: true });
  });
  afterAll(async () => {
    await https?.close();
    await grpcs?.close();
    await metrics?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** run writes a target file and a scenario using it, runs it, and returns the exit code, stderr and results. */
  async function run(name: string, target: string, exitZero = true, faults = ''): Promise<{ code: number | null; output: string; results: Record<string, any> | undefined }> {
    writeFileSync(file(`${name}-target.yaml`), target);
    writeFileSync(
      file(`${name}.yaml`),
      `name: ${name}\ntarget: ${name}-target.yaml\nrequest: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16]}]}\nslo: {error_rate: 0}\nphases: [{name: a, duration: 2s, rate: 40}]\n${faults}`,
    );
    const out = file(`${name}-run`);
    // --exit-zero where the run should go through: its validity on a busy machine is not what is tested here.
    const r = await gauntlet(['run', file(`${name}.yaml`), '--out', out, ...(exitZero ? ['--exit-zero'] : [])]);
    let results: Record<string, any> | undefined;
    try {
      results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    } catch {
      results = undefined;
    }
    return { code: r.code, output: r.stdout + r.stderr, results };
  }

  it('kserve-http over https:// with a custom CA and server_name: every request served, its https:// metrics scraped', async () => {
    const before = https.connections();
    const r = await run(
      'https',
      `name: gw\nprotocol: kserve-http\nurl: https://127.0.0.1:${https.port}\nmetrics_url: https://127.0.0.1:${metrics.port}/metrics\n` +
        `tls: {ca_file: ca.pem, server_name: ${SERVER_NAME}, cert_file: client.pem, key_file: client.key}\n`,
    );
    expect(r.code, r.output).toBe(0);
    // The metrics URL is read with the target's CA and client certificate (the proxy requires it).
    expect(r.results!.server.scrapeError).toBeUndefined();
    expect(r.results!.server.intervals.length).toBeGreaterThan(0);
    expect(metrics.connections()).toBeGreaterThan(0);
    expect(r.results!.totals.ok).toBe(r.results!.totals.sent);
    expect(r.results!.totals.sent).toBeGreaterThanOrEqual(70);
    // Keep-alive connections: a handful of handshakes, not one per request.
    expect(https.connections() - before).toBeGreaterThan(0);
    expect(https.connections() - before).toBeLessThan(r.results!.totals.sent / 2);
  }, 60_000);

  it('kserve-grpc over grpcs:// with a client certificate the proxy requires (mTLS)', async () => {
    const r = await run('grpcs', `name: gw\nprotocol: kserve-grpc\nurl: grpcs://127.0.0.1:${grpcs.port}\ntls: {ca_file: ca.pem, server_name: ${SERVER_NAME}, cert_file: client.pem, key_file: client.key}\n`);
    expect(r.code, r.output).toBe(0);
    expect(r.results!.totals.ok).toBe(r.results!.totals.sent);
    expect(r.results!.plan.target.tls.keyFile).toBe(file('client.key'));
    expect(JSON.stringify(r.results)).not.toContain('PRIVATE KEY');
  }, 60_000);

  // Before, an https:// url was not pointed at the proxy (the run bypassed it and its faults) and a grpcs:// one
  // was not an address the proxy could forward to (the run crashed).
  it.each([
    ['https://', 'kserve-http', () => `https://127.0.0.1:${https.port}`],
    ['grpcs://', 'kserve-grpc', () => `grpcs://127.0.0.1:${grpcs.port}`],
  ])('network faults put their proxy in front of a TLS target too (%s), the certificate still checked', async (_what, protocol, url) => {
    const r = await run(
      'proxied',
      `name: gw\nprotocol: ${protocol}\nurl: ${url()}\ntls: {ca_file: ca.pem, server_name: ${SERVER_NAME}, cert_file: client.pem, key_file: client.key}\n`,
      true,
      'faults: [{at: 0.5s, duration: 1s, action: network, latency_ms: 5}]\n',
    );
    expect(r.code, r.output).toBe(0);
    expect(r.results!.totals.ok).toBe(r.results!.totals.sent);
    expect(r.results!.target.proxy.bytesToTarget).toBeGreaterThan(1000);
    expect(r.results!.faults[0].outcome).toBe('ok');
  }, 60_000);

  it.each([
    ['the CA unknown (system CAs only)', `tls: {server_name: ${SERVER_NAME}}`],
    ['the name not in the certificate', 'tls: {ca_file: ca.pem}'],
  ])('a failed certificate check is TLS_ERROR, and the run cannot start (exit 3): %s', async (_what, tlsLine) => {
    const r = await run('bad', `name: gw\nprotocol: kserve-http\nurl: https://127.0.0.1:${https.port}\n${tlsLine}\n`, false);
    expect(r.code).toBe(3);
    expect(r.output).toMatch(/TLS_ERROR/);
  }, 60_000);

  it('gRPC without the client certificate the proxy requires fails', async () => {
    const r = await run('nocert', `name: gw\nprotocol: kserve-grpc\nurl: grpcs://127.0.0.1:${grpcs.port}\ntls: {ca_file: ca.pem, server_name: ${SERVER_NAME}}\n`, false);
    // (It once ended with exit 0 and no output: closing the channel waited for a 'close' the refused session never sent.)
    expect(r.code, r.output).toBe(3);
    expect(r.output).toMatch(/TLS_ERROR: .*certificate required/);
  }, 60_000);

  it('insecure_skip_verify works without the CA and warns loudly', async () => {
    const r = await run('insecure', `name: gw\nprotocol: kserve-http\nurl: https://127.0.0.1:${https.port}\ntls: {insecure_skip_verify: true}\n`);
    expect(r.code, r.output).toBe(0);
    expect(r.results!.totals.ok).toBe(r.results!.totals.sent);
    expect(r.output).toMatch(/WARNING: target gw: tls\.insecure_skip_verify is on: the server's certificate is NOT checked/);
  }, 60_000);

  it.each([
    ['tls with an http:// url', 'protocol: kserve-http\nurl: http://h:80\ntls: {}\n', /tls: needs an https:\/\/ url/],
    ['a certificate without its key', 'protocol: kserve-http\nurl: https://h:443\ntls: {cert_file: client.pem}\n', /tls\.key_file: a client certificate needs both cert_file and key_file/],
    ['an unreadable file', 'protocol: kserve-http\nurl: https://h:443\ntls: {ca_file: nope.pem}\n', /tls\.ca_file: cannot read .*nope\.pem \(ENOENT\)/],
    ['insecure with a CA', 'protocol: kserve-http\nurl: https://h:443\ntls: {ca_file: ca.pem, insecure_skip_verify: true}\n', /tls\.insecure_skip_verify: and ca_file cannot both be given/],
    ['an unknown field', 'protocol: kserve-http\nurl: https://h:443\ntls: {verify: false}\n', /tls\.verify: unknown field/],
  ])('%s is a problem with its path', (_what, text, expected) => {
    let details: string[] = [];
    try {
      parseTarget(text, file('t.yaml'));
    } catch (err) {
      details = (err as GauntletError).details ?? [];
    }
    expect(details.join('\n')).toMatch(expected);
  });
});
