/**
 * The envelope's JSON transport form (`application/xlink-envelope+json`, byte fields base64url
 * without padding) and its strict parser (spec: docs/formats.md#agent-sdk).
 *
 * @module
 */
import type { Result } from 'xorida';
import { SIGNING_HEADROOM, signingPrefixLength, withSigningRoom } from './envelope-binary.js';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  ENVELOPE_ALGS,
  ENVELOPE_MEDIA_TYPE,
  type Envelope,
  type EnvelopeAlg,
  type EnvelopeJson,
  IV_LENGTH,
  envelopeMalformed as malformed,
  maxCiphertextFor,
  NONCE_LENGTH,
  validateEnvelope as validate,
} from './envelope-model.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import {
  base64urlDecode,
  base64urlDecodeBytes,
  base64urlEncode,
  base64urlEncodeInto,
} from './lib/codec.js';
import { deferredText, takeDeferred, trimAfter } from './lib/deferred-text.js';
import { MLDSA65_SIGNATURE_LENGTH } from './lib/mldsa.js';
import type { BodyReader } from './lib/node-upload.js';
import { XWING_CIPHERTEXT_LENGTH } from './lib/xwing.js';

/** Ciphertexts at least this long are base64url-encoded only when read (see envelopeToJson). */
const DEFERRED_CIPHERTEXT_BYTES = 1024 * 1024;
/** JSON forms whose `ciphertext` text has not been made yet: their ciphertext bytes. */
const deferred = new WeakMap<EnvelopeJson, Uint8Array>();

/** Turns `ciphertext` into a plain data property (same key position), ending its deferral. */
function settle(o: EnvelopeJson, value: string): void {
  deferred.delete(o);
  Object.defineProperty(o, 'ciphertext', {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/**
 * JSON transport form. A large ciphertext's base64url text (4/3 of it) is made on first read of
 * `ciphertext` (then kept); `envelopeJsonBytes` (below) streams it slice by slice without making
 * it, so sending a large envelope never holds its whole text (test/delivery/memory.test.ts).
 * Reading, assigning, spreading or `JSON.stringify` see an ordinary string property.
 * @param env an envelope
 * @returns a JSON-safe object (`typ` = `application/xlink-envelope+json`)
 */
export function envelopeToJson(env: Envelope): EnvelopeJson {
  const large = env.ciphertext.length >= DEFERRED_CIPHERTEXT_BYTES;
  const out: EnvelopeJson = {
    typ: ENVELOPE_MEDIA_TYPE,
    version: env.version,
    alg: env.alg,
    sender: env.sender,
    recipient: env.recipient,
    timestamp: env.timestamp,
    nonce: base64urlEncode(env.nonce),
    scope: env.scope,
    iv: base64urlEncode(env.iv),
    kem: base64urlEncode(env.kem),
    ciphertext: large ? '' : base64urlEncode(env.ciphertext),
    signature: base64urlEncode(env.signature),
  };
  if (env.pqSignature) out.pqSignature = base64urlEncode(env.pqSignature);
  if (large) {
    const bytes = env.ciphertext;
    deferred.set(out, bytes);
    Object.defineProperty(out, 'ciphertext', {
      enumerable: true,
      configurable: true,
      get(this: EnvelopeJson) {
        const text = base64urlEncode(bytes);
        settle(this, text);
        return text;
      },
      set(this: EnvelopeJson, value: string) {
        settle(this, value);
      },
    });
  }
  return out;
}

/** Length of the unpadded base64url text of `n` bytes. */
const base64urlLength = (n: number) => Math.floor(n / 3) * 4 + [0, 2, 3][n % 3]!;

/** The JSON form as bytes, produced in slices (see {@link envelopeJsonBytes}). */
export interface EnvelopeJsonBytes {
  /** Total length, bytes. */
  readonly length: number;
  /** Yields the bytes in slices of at most about `sliceBytes` (callable once per request). */
  slices(): Generator<Uint8Array>;
  /**
   * A large ciphertext's form only: writes the bytes, in order, into buffers the caller gives
   * (lib/node-upload.ts reuses a few); one reader per request.
   */
  reader?(): BodyReader;
}

/**
 * The bytes `head | base64url(bytes) | tail`, written in order into the buffers given, the
 * ciphertext's text encoded straight into them (no string, no slice of its own).
 */
function textReader(head: Uint8Array, bytes: Uint8Array, tail: Uint8Array): BodyReader {
  let part = 0; // 0: head, 1: the ciphertext's text, 2: tail, 3: done
  let pos = 0;
  const copy = (src: Uint8Array, out: Uint8Array, w: number) => {
    const n = Math.min(src.length - pos, out.length - w);
    out.set(src.subarray(pos, pos + n), w);
    pos += n;
    if (pos === src.length) [part, pos] = [part + 1, 0];
    return n;
  };
  return {
    read(out) {
      let w = 0;
      while (w < out.length && part < 3) {
        if (part !== 1) {
          w += copy(part === 0 ? head : tail, out, w);
          continue;
        }
        const left = bytes.length - pos;
        // whole 3-byte groups (4 characters), or the last short group
        const take = Math.min(left, Math.floor((out.length - w) / 4) * 3);
        if (left > 0 && take === 0) break;
        w += base64urlEncodeInto(bytes.subarray(pos, pos + take), out, w);
        pos += take;
        if (pos === bytes.length) [part, pos] = [2, 0];
      }
      return w;
    },
  };
}

/**
 * The UTF-8 bytes of `JSON.stringify(envelope)`, byte for byte, without building that string:
 * the base64url ciphertext (all ASCII, nothing to escape) is encoded slice by slice, so a
 * transport can stream a large envelope while holding only the envelope itself.
 * @param envelope JSON form
 * @param sliceBytes largest slice of the ciphertext text per chunk (default 1 MiB)
 * @returns the length and a generator of the bytes
 */
export function envelopeJsonBytes(
  envelope: EnvelopeJson,
  sliceBytes = 1024 * 1024,
): EnvelopeJsonBytes {
  const enc = new TextEncoder();
  const bytes = deferred.get(envelope);
  if (bytes) {
    // every field but the deferred ciphertext, read as is (a caller may have changed one)
    const rest: Record<string, unknown> = {};
    for (const k of Object.keys(envelope))
      rest[k] = k === 'ciphertext' ? '' : envelope[k as keyof EnvelopeJson];
    const text = JSON.stringify(rest);
    const at = text.indexOf('"ciphertext":""') + '"ciphertext":"'.length;
    const head = enc.encode(text.slice(0, at));
    const tail = enc.encode(text.slice(at));
    // whole 3-byte groups per slice: the slices' texts concatenate to the whole text
    const step = Math.max(3, Math.floor((sliceBytes * 3) / 4 / 3) * 3);
    return {
      length: head.length + base64urlLength(bytes.length) + tail.length,
      *slices() {
        yield head;
        for (let i = 0; i < bytes.length; i += step)
          yield enc.encode(base64urlEncode(bytes.subarray(i, i + step)));
        yield tail;
      },
      reader: () => textReader(head, bytes, tail),
    };
  }
  let ct = envelope.ciphertext;
  let head: Uint8Array;
  let tail: Uint8Array;
  if (typeof ct === 'string' && /^[A-Za-z0-9_-]*$/.test(ct)) {
    // Keys keep their order when a spread value is overridden, and a key's quotes are the only
    // unescaped `"ciphertext":""` in the text (quotes inside strings are escaped).
    const text = JSON.stringify({ ...envelope, ciphertext: '' });
    const at = text.indexOf('"ciphertext":""') + '"ciphertext":"'.length;
    head = enc.encode(text.slice(0, at));
    tail = enc.encode(text.slice(at));
  } else {
    // not base64url (a caller's malformed object): the plain serialisation, in one piece
    head = enc.encode(JSON.stringify(envelope));
    tail = new Uint8Array(0);
    ct = '';
  }
  return {
    length: head.length + ct.length + tail.length,
    *slices() {
      yield head;
      for (let i = 0; i < ct.length; i += sliceBytes) yield enc.encode(ct.slice(i, i + sliceBytes));
      yield tail;
    },
  };
}

const JSON_FIELDS = new Set([
  'typ',
  'version',
  'alg',
  'sender',
  'recipient',
  'timestamp',
  'nonce',
  'scope',
  'iv',
  'kem',
  'ciphertext',
  'signature',
  'pqSignature',
]);

/**
 * Parses the JSON form strictly (object or JSON text).
 * @param input object or text
 * @param maxPayloadBytes plaintext limit (default 1 MiB)
 * @returns the envelope or `ENVELOPE_INVALID` / `UNSUPPORTED_VERSION` / `PAYLOAD_TOO_LARGE`
 */
export function envelopeFromJson(
  input: unknown,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Result<Envelope, XlinkErrorDetail> {
  const maxCt = maxCiphertextFor(maxPayloadBytes);
  let o: unknown = input;
  if (typeof input === 'string') {
    if (input.length > Math.ceil((maxCt * 4) / 3) + 16384)
      return xlinkErr(
        'PAYLOAD_TOO_LARGE',
        'envelope exceeds the maximum size',
        'Send less data or raise maxPayloadBytes',
      );
    try {
      o = JSON.parse(input);
    } catch {
      return malformed('not JSON');
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return malformed('not an object');
  // Plain objects only: fields are read as r.x, which would follow a crafted prototype chain.
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return malformed('not a plain object');
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!JSON_FIELDS.has(k)) return malformed(`unknown field ${k}`, k);
  if (r.typ !== ENVELOPE_MEDIA_TYPE) return malformed(`typ must be ${ENVELOPE_MEDIA_TYPE}`, 'typ');
  if (r.version !== 1 && r.version !== 2 && r.version !== 3)
    return xlinkErr(
      'UNSUPPORTED_VERSION',
      'unknown envelope version',
      'Upgrade the receiver or ask the sender for v1-v3',
      { subCode: 'UNKNOWN_VERSION', field: 'version' },
    );
  if (typeof r.alg !== 'string' || !Object.hasOwn(ENVELOPE_ALGS, r.alg))
    return xlinkErr('UNSUPPORTED_VERSION', 'unknown algorithm', 'Upgrade the receiver', {
      subCode: 'UNKNOWN_ALG',
      field: 'alg',
    });
  for (const k of ['sender', 'recipient', 'scope'] as const)
    if (typeof r[k] !== 'string') return malformed(`${k} must be a string`, k);
  if (typeof r.timestamp !== 'number') return malformed('timestamp must be a number', 'timestamp');
  const b = (k: string, max: number): Uint8Array | null =>
    typeof r[k] === 'string' ? base64urlDecode(r[k] as string, max) : null;
  const nonce = b('nonce', NONCE_LENGTH);
  const iv = b('iv', IV_LENGTH);
  const kem = b('kem', XWING_CIPHERTEXT_LENGTH);
  const signature = b('signature', 64);
  if (!nonce) return malformed('nonce is not base64url of 16 bytes', 'nonce');
  if (!iv) return malformed('iv is not base64url', 'iv');
  if (!kem) return malformed('kem is not base64url', 'kem');
  if (!signature) return malformed('signature is not base64url', 'signature');
  // A pulled large ciphertext is still its text's bytes (lib/deferred-text.ts): decoded from
  // them, its text is never made; in place when the listen loop gave the envelope up.
  const ctBytes = deferredText(r, 'ciphertext');
  if (ctBytes === undefined && typeof r.ciphertext !== 'string')
    return malformed('ciphertext missing', 'ciphertext');
  const ctLength = ctBytes?.length ?? (r.ciphertext as string).length;
  // not taken when too large: the receive pipeline parses again with the share slack
  const inPlace =
    ctBytes !== undefined &&
    Math.floor((ctLength * 3) / 4) <= maxCt &&
    takeDeferred(r, 'ciphertext') !== undefined;
  // decoded behind room for the signing prefix: verifying then needs no copy of it
  const room = Math.min(
    signingPrefixLength({
      sender: r.sender as string,
      recipient: r.recipient as string,
      scope: r.scope as string,
      iv,
      kem,
    }),
    SIGNING_HEADROOM,
  );
  const ciphertext = ctBytes
    ? base64urlDecodeBytes(ctBytes, maxCt, room, inPlace)
    : base64urlDecode(r.ciphertext as string, maxCt, room);
  // decoded over its own text: the text's last quarter is dead, given back now (memory test)
  if (inPlace && ciphertext) trimAfter(ciphertext);
  if (!ciphertext) {
    if (ctLength > Math.ceil((maxCt * 4) / 3))
      return xlinkErr(
        'PAYLOAD_TOO_LARGE',
        'ciphertext exceeds the maximum payload size',
        'Send less data or raise maxPayloadBytes',
        { field: 'ciphertext' },
      );
    return malformed('ciphertext is not base64url', 'ciphertext');
  }
  let pqSignature: Uint8Array | undefined;
  if (r.pqSignature !== undefined) {
    const pq = b('pqSignature', MLDSA65_SIGNATURE_LENGTH);
    if (!pq) return malformed('pqSignature is not base64url', 'pqSignature');
    pqSignature = pq;
  }
  return validate(
    {
      version: r.version,
      alg: r.alg as EnvelopeAlg,
      sender: r.sender as string,
      recipient: r.recipient as string,
      timestamp: r.timestamp,
      nonce,
      scope: r.scope as string,
      iv,
      kem,
      ciphertext: withSigningRoom(ciphertext),
      signature,
      ...(pqSignature ? { pqSignature } : {}),
    },
    maxCt,
  );
}
