/**
 * Deferred base64url text: a property whose value is made from the text's bytes only when it
 * is read. The relay client parses a pull answer with each large envelope ciphertext deferred
 * (json-body.ts): the envelope parser decodes the ciphertext straight from the bytes
 * (envelope-json.ts), and the text (4/3 of the ciphertext) exists only if the listen handler
 * reads `meta.envelope.ciphertext` (test/delivery/memory.test.ts).
 *
 * Pitfalls:
 * - Reading, spreading or `JSON.stringify` see an ordinary string property (made on first read,
 *   then kept); assigning replaces it. Only the bytes are kept until then.
 * - The bytes must already be checked as base64url text (codec.ts `isBase64urlBytes`): the
 *   value read is their Latin-1 text.
 * - An owner that gives a holder up ({@link releaseDeferred}: the listen loop, for the envelopes
 *   it pulled) lets the parser decode its texts in place ({@link takeDeferred}): the property
 *   reads `''` from then on.
 *
 * @module
 */
import { base64urlTextFromBytes } from './codec.js';

/** Deferred properties: holder -> key -> text bytes. */
const deferred = new WeakMap<object, Map<string, Uint8Array>>();
/** Holders whose deferred texts a reader may consume (see the module doc). */
const released = new WeakSet<object>();
/** Buffers holding exactly one deferred text and nothing else read later (see `trimAfter`). */
const sole = new WeakSet<ArrayBufferLike>();
/** Buffers trimmed to their decoded text: nothing else in them is read (see `giveBack`). */
const decodedOnly = new WeakSet<ArrayBufferLike>();
type Resizable = ArrayBuffer & { resizable?: boolean; resize?: (n: number) => void };

/**
 * Marks the buffer of a parsed body whose only deferred text is `bytes` (json-body.ts): the
 * rest of the body was parsed into values, so nothing but that text is read from it later.
 * @param bytes the one deferred text of the body
 */
export function markSoleText(bytes: Uint8Array): void {
  sole.add(bytes.buffer);
}

/**
 * Gives back the memory behind `view` when its buffer holds a sole deferred text that was taken
 * and decoded in place (envelope-json.ts): the buffer is shrunk to end where `view` ends, if it
 * is resizable (http-call.ts `bodyBuffer`). Views of the kept part stay valid; the text's own
 * bytes past it are dead (taken, the property reads `''`).
 * @param view the decoded bytes (a view over the text's buffer)
 */
export function trimAfter(view: Uint8Array): void {
  const buf = view.buffer as Resizable;
  if (!sole.has(buf) || buf.resizable !== true || !buf.resize) return;
  sole.delete(buf);
  buf.resize(view.byteOffset + view.length);
  decodedOnly.add(buf);
}

/**
 * Gives back the whole buffer behind `view` when it holds nothing but a text decoded in place
 * by {@link trimAfter}'s caller: the buffer is shrunk to nothing, so the memory goes now
 * instead of at the next GC (a large split-channel share once combined: the receiver then holds
 * the secret and the payload, not a dead share next to them, test/delivery/memory.test.ts).
 * Every view of the buffer then reads as empty; call it only once the decoded bytes (and
 * whatever was decoded from them in place) are done with and wiped.
 * @param view the decoded bytes, or a view of them
 */
export function giveBack(view: Uint8Array): void {
  const buf = view.buffer as Resizable;
  if (!decodedOnly.has(buf) || !buf.resize) return;
  decodedOnly.delete(buf);
  buf.resize(0);
}

/** Turns the property into a plain data property (same key position), ending its deferral. */
function settle(holder: object, key: string, value: unknown): void {
  deferred.get(holder)?.delete(key);
  Object.defineProperty(holder, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/**
 * Makes `holder[key]` the text of `bytes`, made when first read.
 * @param holder an object with an own, configurable `key` (its position is kept)
 * @param key the property
 * @param bytes base64url text bytes (checked by the caller)
 */
export function deferText(holder: object, key: string, bytes: Uint8Array): void {
  let keys = deferred.get(holder);
  if (!keys) {
    keys = new Map();
    deferred.set(holder, keys);
  }
  keys.set(key, bytes);
  Object.defineProperty(holder, key, {
    enumerable: true,
    configurable: true,
    get() {
      const text = base64urlTextFromBytes(bytes);
      settle(holder, key, text);
      return text;
    },
    set(value: unknown) {
      settle(holder, key, value);
    },
  });
}

/**
 * The bytes of a property's deferred text, while it has not been read or assigned.
 * @param holder any value
 * @param key the property
 * @returns the text's bytes, or `undefined` (not deferred: read the property)
 */
export function deferredText(holder: unknown, key: string): Uint8Array | undefined {
  if (typeof holder !== 'object' || holder === null) return undefined;
  return deferred.get(holder)?.get(key);
}

/**
 * Gives up the deferred texts of `holder`: {@link takeDeferred} may then consume them.
 * @param holder any value (non-objects are ignored)
 */
export function releaseDeferred(holder: unknown): void {
  if (typeof holder === 'object' && holder !== null) released.add(holder);
}

/**
 * Takes the bytes of a deferred text whose holder was released: the property reads `''` from
 * now on, and the caller may overwrite the bytes (decode them in place).
 * @param holder any value
 * @param key the property
 * @returns the text's bytes, or `undefined` (not deferred, or not released: leave them intact)
 */
export function takeDeferred(holder: unknown, key: string): Uint8Array | undefined {
  if (typeof holder !== 'object' || holder === null || !released.has(holder)) return undefined;
  const bytes = deferred.get(holder)?.get(key);
  if (bytes) settle(holder, key, '');
  return bytes;
}
