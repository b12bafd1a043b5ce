/**
 * Minimal big-endian binary writer/reader for the deterministic encodings (key document
 * signing input, envelope binary form).
 *
 * Pitfalls:
 * - The reader never throws: every read checks bounds and marks the reader failed; callers
 *   check `ok` (and `done()` for trailing bytes) once at the end.
 * - Variable fields carry explicit length prefixes so two different field tuples can never
 *   encode to the same bytes (no ambiguity between, e.g., sender and scope boundaries).
 *
 * @module
 */

/** Growable byte writer. */
export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;
  /**
   * @param capacity initial size in bytes (grows by doubling)
   * @param into write into this buffer instead (it is the result when filled exactly)
   */
  constructor(capacity = 256, into?: Uint8Array) {
    this.buf = into ?? new Uint8Array(capacity);
  }
  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = Math.max(64, this.buf.length * 2);
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u8(v: number): this {
    this.reserve(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.reserve(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.reserve(4);
    this.buf[this.len++] = (v >>> 24) & 0xff;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  /** Unsigned integer up to 2^53-1 as 8 bytes big-endian. */
  u64(v: number): this {
    const hi = Math.floor(v / 2 ** 32);
    return this.u32(hi).u32(v >>> 0);
  }
  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  /** u16 length prefix + bytes (max 65535). */
  bytes16(b: Uint8Array): this {
    return this.u16(b.length).bytes(b);
  }
  /**
   * u16 length prefix + UTF-8 of `text` (same bytes as `bytes16(utf8(text))`); ASCII, the
   * common case (DIDs, scopes), is written directly instead of through a TextEncoder buffer.
   */
  text16(text: string): this {
    for (let i = 0; i < text.length; i++)
      if (text.charCodeAt(i) > 0x7f) return this.bytes16(utf8(text));
    this.u16(text.length).reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.len++] = text.charCodeAt(i);
    return this;
  }
  /** u32 length prefix + bytes. */
  bytes32(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }
  /**
   * The bytes written. The writer must not be used afterwards: a buffer filled exactly is
   * returned as is (no copy; every caller sizes its writer, so this is the common case).
   */
  finish(): Uint8Array {
    return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
  }
}

/** Bounds-checked reader over a byte array. */
export class ByteReader {
  private pos = 0;
  ok = true;
  constructor(private readonly buf: Uint8Array) {}
  private take(n: number): Uint8Array {
    if (!this.ok || n < 0 || this.pos + n > this.buf.length) {
      this.ok = false;
      return new Uint8Array(0);
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  get offset(): number {
    return this.pos;
  }
  u8(): number {
    const b = this.take(1);
    return b.length === 1 ? b[0]! : 0;
  }
  u16(): number {
    const b = this.take(2);
    return b.length === 2 ? (b[0]! << 8) | b[1]! : 0;
  }
  u32(): number {
    const b = this.take(4);
    return b.length === 4 ? ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0 : 0;
  }
  u64(): number {
    const hi = this.u32();
    const lo = this.u32();
    if (hi >= 2 ** 21) {
      // Above Number.MAX_SAFE_INTEGER: refuse rather than lose precision.
      this.ok = false;
      return 0;
    }
    return hi * 2 ** 32 + lo;
  }
  bytes(n: number): Uint8Array {
    return this.take(n);
  }
  /** u16 length prefix + bytes, refusing more than `max`. */
  bytes16(max: number): Uint8Array {
    const n = this.u16();
    if (n > max) this.ok = false;
    return this.take(n);
  }
  /** u32 length prefix + bytes, refusing more than `max`. */
  bytes32(max: number): Uint8Array {
    const n = this.u32();
    if (n > max) this.ok = false;
    return this.take(n);
  }
  /** True when every byte was consumed and no read failed. */
  done(): boolean {
    return this.ok && this.pos === this.buf.length;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 encode. */
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}

/** Strict UTF-8 decode; `null` on invalid sequences. */
export function fromUtf8(b: Uint8Array): string | null {
  try {
    return dec.decode(b);
  } catch {
    return null;
  }
}

/**
 * Byte-wise equality of two arrays, NOT constant time: only for public data (key-document
 * signatures, public keys), never for secrets or MACs.
 * @returns true when both have the same length and bytes
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
