/**
 * The gRPC front end's HTTP/2 flow-control windows: a connection may carry 16 MiB and a call 1 MiB before the
 * server must read, not HTTP/2's 64 KiB, so a busy server does not hold large messages back in its clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_WINDOW_BYTES } from '../../reference-server/grpc/server.js';
import { windowsOf } from '../helpers/http2-windows.js';
import { startTestServer, type TestServer } from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

describe('gRPC flow-control windows', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
  });
  afterAll(async () => {
    await server?.close(1000);
  });

  it('open 16 MiB per connection and 1 MiB per call', async () => {
    const w = await windowsOf(server.grpcPort, SESSION_WINDOW_BYTES);
    expect(w.stream).toBe(1 << 20);
    expect(w.connection).toBeGreaterThanOrEqual(SESSION_WINDOW_BYTES);
  });
});
