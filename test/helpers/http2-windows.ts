/**
 * windowsOf reads an HTTP/2 server's flow-control windows as a plain client sees them: the stream window of its
 * SETTINGS, and the connection window once its first WINDOW_UPDATE has opened it to at least `atLeast` bytes.
 */
import http2 from 'node:http2';
import { waitUntil } from './reference-client.js';

/** windowsOf connects to 127.0.0.1:port and returns the server's stream window setting and its connection window. */
export async function windowsOf(port: number, atLeast: number): Promise<{ stream: number; connection: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  try {
    await new Promise((r) => session.once('remoteSettings', r));
    await waitUntil(() => (session.state.remoteWindowSize ?? 0) >= atLeast, `the server opens its connection window to ${atLeast} bytes`, 5000);
    return { stream: session.remoteSettings.initialWindowSize ?? 0, connection: session.state.remoteWindowSize ?? 0 };
  } finally {
    session.destroy();
  }
}
