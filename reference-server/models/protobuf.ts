/**
 * A minimal protocol-buffers wire-format writer: just what ONNX's ModelProto needs (varints, fixed32 floats,
 * length-delimited bytes/strings/sub-messages and packed repeated scalars). Proto2 semantics: every field the
 * caller writes is emitted, defaults included.
 */

/** WireType is the 3-bit wire type that follows the field number in a tag. */
export const WireType = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, FIXED32: 5 } as const;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * ProtoWriter accumulates one message; sub-messages are written into their own ProtoWriter and attached with
 * `message()`, which links their chunks instead of copying them, so large tensors are copied once, in `finish()`.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private flushedBytes = 0;

  /** length is the number of bytes written so far. */
  get length(): number {
    return this.flushedBytes + this.pending.length;
  }

  /** varint writes field `field` as a varint (int32, int64, uint64, bool, enum); negatives use 10 bytes. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WireType.VARINT);
    this.rawVarint(value);
    return this;
  }

  /** bool writes a boolean as a varint 0 or 1. */
  bool(field: number, value: boolean): this {
    return this.varint(field, value ? 1 : 0);
  }

  /** float writes a 32-bit IEEE float (wire type fixed32, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, WireType.FIXED32);
    this.rawFloat(value);
    return this;
  }

  /** bytes writes a length-delimited byte string. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.rawVarint(value.length);
    this.append(value);
    return this;
  }

  /** string writes a length-delimited UTF-8 string. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** message writes `sub` as a length-delimited sub-message; `sub` must not be changed afterwards. */
  message(field: number, sub: ProtoWriter): this {
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.rawVarint(sub.length);
    sub.flush();
    for (const chunk of sub.chunks) this.append(chunk);
    return this;
  }

  /** packedVarints writes a packed repeated varint field (e.g. `repeated int64 ... [packed]`); empty writes nothing. */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const body = new ProtoWriter();
    for (const v of values) body.rawVarint(v);
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.rawVarint(body.length);
    for (const b of body.pending) this.pending.push(b);
    return this;
  }

  /** packedFloats writes a packed repeated float field; empty writes nothing. */
  packedFloats(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.rawVarint(values.length * 4);
    for (const v of values) this.rawFloat(v);
    return this;
  }

  /** finish returns the encoded message as one contiguous buffer. */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.flushedBytes);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new RangeError(`bad field number ${field}`);
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw new RangeError(`varint must be an integer, got ${value}`);
      if (value >= 0 && value <= MAX_SAFE) {
        let v = value;
        while (v >= 0x80) {
          this.pending.push((v % 0x80) | 0x80);
          v = Math.floor(v / 0x80);
        }
        this.pending.push(v);
        return;
      }
      value = BigInt(value);
    }
    // Negative int32/int64 values are sign-extended to 64 bits, as protobuf does, so they take 10 bytes.
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.pending.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pending.push(Number(v));
  }

  private rawFloat(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    this.pending.push(view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3));
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length < 64) {
      for (const b of bytes) this.pending.push(b);
      return;
    }
    this.flush();
    this.chunks.push(bytes);
    this.flushedBytes += bytes.length;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.flushedBytes += this.pending.length;
    this.pending = [];
  }
}
