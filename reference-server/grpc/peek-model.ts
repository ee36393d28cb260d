/**
 * peekModel reads the model name and version (and id) of an encoded ModelInferRequest without decoding the message, so
 * that admission control can refuse a request for a full model before paying for its protobuf decoding.
 * Encoders write fields in field-number order, so `model_name` (field 1) and `model_version` (field 2) open the
 * message; anything else (an empty name, fields in another order) gives undefined, and the caller decides after
 * decoding instead.
 */

const NAME_TAG = 0x0a; // field 1, length-delimited
const VERSION_TAG = 0x12; // field 2, length-delimited
const ID_TAG = 0x1a; // field 3, length-delimited
/** Longest name or version read; a longer one is left to the decoder. */
const MAX_LENGTH = 1024;

/** peekModel returns the leading model name and version (and the id when it follows them), or undefined. */
export function peekModel(buf: Uint8Array): { name: string; version: string; id?: string } | undefined {
  const name = readString(buf, 0, NAME_TAG);
  if (name === undefined) return undefined;
  const version = readString(buf, name.end, VERSION_TAG);
  const id = readString(buf, version?.end ?? name.end, ID_TAG);
  return { name: name.value, version: version?.value ?? '', ...(id && { id: id.value }) };
}

function readString(buf: Uint8Array, at: number, tag: number): { value: string; end: number } | undefined {
  if (buf[at] !== tag) return undefined;
  let pos = at + 1;
  let length = 0;
  for (let shift = 0; shift < 14; shift += 7) {
    const b = buf[pos++];
    if (b === undefined) return undefined;
    length |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      if (length > MAX_LENGTH || pos + length > buf.length) return undefined;
      return { value: Buffer.from(buf.buffer, buf.byteOffset + pos, length).toString('utf8'), end: pos + length };
    }
  }
  return undefined;
}
