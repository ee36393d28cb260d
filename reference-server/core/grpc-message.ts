/**
 * encodeGrpcMessage percent-encodes a grpc-message as the gRPC HTTP/2 protocol says: every byte of the UTF-8
 * text outside printable ASCII (0x20–0x7E), and '%' itself, becomes %XX; everything else stays as it is.
 * encodeURIComponent is not that: it also encodes ',', '/', ':' and the like, which clients decode with
 * decodeURI (grpc-js) and so would show as `%2C`.
 */

/** encodeGrpcMessage returns the grpc-message header value for `text`. */
export function encodeGrpcMessage(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
