/**
 * The HTTP front end listens with a deep backlog: while its event loop is too busy to accept, the kernel still
 * completes the handshakes of hundreds of new connections instead of dropping their SYNs (which makes each such
 * client wait 1 s, then 3 s, for a retransmission: the "listen-queue overflows" of an overloaded server).
 * The server runs in this process and blocks its loop; a child process connects meanwhile and counts.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

/** CONNECTIONS is more than Node's default backlog of 511. */
const CONNECTIONS = 600;

/** The child: tells it is ready, then opens CONNECTIONS connections and prints how many connect within 700 ms. */
const CHILD = `
const net = require('node:net');
const port = Number(process.argv[1]);
process.send('ready');
setTimeout(() => {
  let connected = 0;
  const sockets = [];
  for (let i = 0; i < ${CONNECTIONS}; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => connected++);
    s.on('error', () => {});
    sockets.push(s);
  }
  setTimeout(() => {
    process.stdout.write(String(connected));
    for (const s of sockets) s.destroy();
    process.exit(0);
  }, 700);
}, 50);
`;

describe('the listen backlog', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
  });
  afterAll(async () => {
    await server?.close(1000);
  });

  it(`lets ${CONNECTIONS} clients connect while the event loop cannot accept`, async () => {
    const child = spawn(process.execPath, ['-e', CHILD, String(server.httpPort)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await new Promise((r) => child.once('message', r));
    const end = performance.now() + 1500; // the child connects from 50 to 750 ms: all of it while this loop is blocked
    while (performance.now() < end);
    await exited;
    expect(Number(out)).toBe(CONNECTIONS);
  });
});
