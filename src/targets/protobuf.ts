/**
 * A tiny protobuf writer and reader: just what a gRPC client needs to encode a request once and to look inside
 * a response when checking a target. Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
 */

/** WIRE names the protobuf wire types used here. */
export const WIRE = { VARINT: 0, FIXED64: 1, LEN: 2, FIXED32: 5 } as const;

/** ProtoWriter builds one message; nested messages are written with `message(field, inner)`. */
export class ProtoWriter {
  private readonly chunks: Buffer[] = [];
  private scratch: number[] = [];

  /** uint writes a non-negative integer field (varint; 0 is written, as proto3 allows). */
  uint(field: number, v: number): this {
    return this.tag(field, WIRE.VARINT).varint(v);
  }

  /** int64 writes a signed 64-bit integer field (negatives as 10-byte two's complement varints). */
  int64(field: number, v: number): this {
    this.tag(field, WIRE.VARINT);
    if (v >= 0) return this.varint(v);
    let big = BigInt.asUintN(64, BigInt(v));
    while (big >= 0x80n) {
      this.scratch.push(Number(big & 0x7fn) | 0x80);
      big >>= 7n;
    }
    this.scratch.push(Number(big));
    return this;
  }

  /** bool writes a bool field. */
  bool(field: number, v: boolean): this {
    return this.tag(field, WIRE.VARINT).varint(v ? 1 : 0);
  }

  /** double writes a double field (fixed64, little-endian). */
  double(field: number, v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.tag(field, WIRE.FIXED64).raw(b);
  }

  /** bytes writes a length-delimited field holding `data`. */
  bytes(field: number, data: Uint8Array): this {
    return this.tag(field, WIRE.LEN).varint(data.length).raw(data);
  }

  /** string writes a UTF-8 string field. */
  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  /** message writes a nested message field. */
  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  /** packedVarints writes a packed repeated varint field (non-negative values). */
  packedVarints(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** finish returns the encoded message. */
  finish(): Buffer {
    this.flush();
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }

  /** varint writes a non-negative integer up to 2^53 as a varint (no tag). */
  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`protobuf varint out of range: ${v}`);
    while (v >= 0x80) {
      this.scratch.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.scratch.push(v);
    return this;
  }

  private tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  private raw(data: Uint8Array): this {
    this.flush();
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return this;
  }

  private flush(): void {
    if (this.scratch.length === 0) return;
    this.chunks.push(Buffer.from(this.scratch));
    this.scratch = [];
  }
}

/** ProtoReader walks the fields of one message; truncated or malformed input throws a RangeError. */
export class ProtoReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** done is true when every field was read. */
  done(): boolean {
    return this.pos >= this.end;
  }

  /** tag reads the next field's tag: its number and wire type. */
  tag(): { field: number; wire: number } {
    const t = this.varint();
    return { field: Math.floor(t / 8), wire: t % 8 };
  }

  /** varint reads a varint (exact up to 2^53). */
  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('protobuf: truncated varint');
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw new RangeError('protobuf: varint longer than 10 bytes');
  }

  /** bytes reads a length-delimited field's contents (a view, not a copy). */
  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.end) throw new RangeError('protobuf: truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** string reads a UTF-8 string field. */
  string(): string {
    const b = this.bytes();
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  }

  /** skip skips a field's value of the given wire type. */
  skip(wire: number): void {
    if (wire === WIRE.VARINT) this.varint();
    else if (wire === WIRE.LEN) this.bytes();
    else if (wire === WIRE.FIXED64 || wire === WIRE.FIXED32) {
      this.pos += wire === WIRE.FIXED64 ? 8 : 4;
      if (this.pos > this.end) throw new RangeError('protobuf: truncated fixed-size field');
    } else throw new RangeError(`protobuf: unsupported wire type ${wire}`);
  }
}
