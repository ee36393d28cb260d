/**
 * Redaction of the one piece of log text characterize ever shows: the sample line in a format error. Addresses
 * (IPv4 and IPv6) and query strings are masked, control characters replaced, and the line truncated.
 */

/** SAMPLE_MAX_CHARS is how much of a sample line is shown. */
export const SAMPLE_MAX_CHARS = 120;

const QUERY = /\?[^\s"']*/g;
const IPV4 = /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])/g;
/* An IPv6 address has "::" or at least 5 colons between hex groups; times like 20:01:02 have 2 and are kept. */
const IPV6 = /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/g;

/** maskSample is a log line fit to show: query strings → `?…`, addresses → `x.x.x.x` / `x:x::x`, control bytes → `?`, at most SAMPLE_MAX_CHARS. */
export function maskSample(line: string): string {
  const head = line.length > 4 * SAMPLE_MAX_CHARS ? line.slice(0, 4 * SAMPLE_MAX_CHARS) : line;
  const masked = head
    .replace(CONTROL, '?')
    .replace(QUERY, '?…')
    .replace(IPV6, (m) => (m.includes('::') || m.split(':').length > 5 ? 'x:x::x' : m))
    .replace(IPV4, 'x.x.x.x');
  return masked.length > SAMPLE_MAX_CHARS || line.length > head.length ? `${masked.slice(0, SAMPLE_MAX_CHARS)}…` : masked;
}
